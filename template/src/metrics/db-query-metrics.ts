import type { Registry } from 'prom-client';
import type { Knex } from 'knex';
import { isConnectionLost } from '../db/connection-lost.js';
import { traceExemplar, type TraceExemplar } from '../tracing/exemplar.js';
import { seriesHistogram, type HistogramSeries } from './series-histogram.js';

/** OpenTelemetry's recommended boundaries for `db.client.operation.duration`. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

const OPERATIONS: Record<string, string> = {
  select: 'select',
  first: 'select',
  pluck: 'select',
  insert: 'insert',
  update: 'update',
  del: 'delete',
  delete: 'delete',
  raw: 'raw',
};

/**
 * Started queries waiting for their response. A query whose connection dies
 * may never report back; the oldest entries go past this bound.
 */
const MAX_IN_FLIGHT = 10_000;

type Labels = 'db_operation_name' | 'db_collection_name' | 'error_type';

interface QueryEvent {
  __knexQueryUid?: string;
  method?: string;
}

interface Started {
  at: number;
  operation: string;
  collection: string;
  /** The sampled trace the query was started in, if any. */
  exemplar: TraceExemplar | undefined;
}

/**
 * Times every query of a knex instance from its events (knex's counterpart of
 * an interceptor), labelled by operation and table, never by SQL or values.
 * A query started in a sampled trace leaves that trace's id on its bucket as
 * an exemplar.
 *
 * Transaction statements and schema queries emit `query` without a
 * `__knexQueryUid` and never `query-response`: they are not timed, so they
 * cannot pile up waiting for an answer that never comes.
 */
export function instrumentQueries(db: Knex, metrics: Registry): void {
  const duration = seriesHistogram<Labels>({
    name: 'db_client_operation_duration_seconds',
    help: 'Duration of database operations, by operation, table and error.',
    labelNames: ['db_operation_name', 'db_collection_name', 'error_type'],
    buckets: DURATION_BUCKETS,
    registry: metrics,
  });
  // Series by label set, as in the HTTP metrics: found once, observed without
  // hashing the labels on every query. Operations, tables and error codes are few.
  const children = new Map<string, HistogramSeries>();
  const childFor = (operation: string, collection: string, errorType: string) => {
    const key = `${operation} ${errorType} ${collection}`;
    let child = children.get(key);
    if (!child) {
      child = duration({
        db_operation_name: operation,
        db_collection_name: collection,
        error_type: errorType,
      });
      children.set(key, child);
    }
    return child;
  };
  const inFlight = new Map<string, Started>();
  // knex emits `start` with the builder, then `query` in the same tick:
  // the table is known only to the builder, the query id only to the event.
  let nextCollection = '';

  db.on('start', (builder: { _single?: { table?: unknown } }) => {
    nextCollection = collectionOf(builder._single?.table);
  });
  db.on('query', (query: QueryEvent) => {
    const collection = nextCollection;
    nextCollection = '';
    if (query.__knexQueryUid === undefined) return;
    if (inFlight.size >= MAX_IN_FLIGHT) inFlight.delete(inFlight.keys().next().value!);
    inFlight.set(query.__knexQueryUid, {
      at: performance.now(),
      operation: OPERATIONS[query.method ?? ''] ?? 'other',
      collection,
      exemplar: traceExemplar(),
    });
  });
  const finish = (query: QueryEvent, errorType: string) => {
    const uid = query.__knexQueryUid;
    const started = uid === undefined ? undefined : inFlight.get(uid);
    if (!started) return;
    inFlight.delete(uid!);
    const seconds = (performance.now() - started.at) / 1000;
    childFor(started.operation, started.collection, errorType).observe(seconds, started.exemplar);
  };
  db.on('query-response', (_response: unknown, query: QueryEvent) => finish(query, ''));
  db.on('query-error', (error: unknown, query: QueryEvent) => finish(query, dbErrorType(error)));
}

/** A table name as written in the builder (`users as u` gives `users`); empty when not a plain name. */
function collectionOf(table: unknown): string {
  if (typeof table !== 'string') return '';
  const name = table.trim().split(/\s+/)[0] ?? '';
  return /^[A-Za-z_][\w.]{0,62}$/.test(name) ? name : '';
}

/** The PostgreSQL error code (SQLSTATE), a system error code, `timeout`, `connection_lost`, or `_OTHER`. */
export function dbErrorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^([0-9A-Z]{5}|E[A-Z_]{2,30})$/.test(code)) return code;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'KnexTimeoutError' || name === 'TimeoutError') return 'timeout';
  return isConnectionLost(error) ? 'connection_lost' : '_OTHER';
}
