import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/** The server the benchmarks use; its own database is only the place the admin connection lives. */
export const SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Databases this run created and has not dropped yet. */
const created = new Set<string>();

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Runs statements on the admin connection (never on a bench database, whose counters it would move). */
export async function admin<T extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: SERVER_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** A new empty database named bench_<label>_<random>, dropped by `drop()` or `dropAll()`. */
export async function createBenchDatabase(label: string): Promise<BenchDatabase> {
  const name = `bench_${label}_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  created.add(name);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await admin(`drop database if exists ${name} with (force)`);
      created.delete(name);
    },
  };
}

/** Runs `work` with a new database, dropped afterwards whatever happens. */
export async function withDatabase<T>(label: string, work: (database: BenchDatabase) => Promise<T>): Promise<T> {
  const database = await createBenchDatabase(label);
  try {
    return await work(database);
  } finally {
    await database.drop();
  }
}

/** Drops every database this run created; used on any exit. */
export async function dropAll(): Promise<void> {
  for (const name of [...created]) {
    await admin(`drop database if exists ${name} with (force)`);
    created.delete(name);
  }
}

export interface Counters {
  /** xact_commit + xact_rollback. */
  transactions: number;
  /**
   * Sessions opened. Each new connection also counts one transaction (the
   * backend's start-up reads the catalogs in one), so a caller can tell the
   * transactions of its queries from those of its connections.
   */
  sessions: number;
}

/**
 * What PostgreSQL has counted for a database, exact at the time of the call.
 *
 * PostgreSQL 15 and later keep a backend's counters in the backend until it
 * goes idle at least a second after its last flush, and an idle backend may
 * hold them for up to 10 s (PGSTAT_IDLE_INTERVAL): reading pg_stat_database
 * while the service's pool connections are open can miss its last
 * transactions. A backend flushes everything when it exits, so the
 * connections to the database are ended first (the service's pool opens new
 * ones on its next query), then the counters are read on a new connection,
 * which holds no cached stats snapshot (what pg_stat_clear_snapshot() clears).
 */
export async function countersOf(database: string): Promise<Counters> {
  await admin('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database]);
  for (let i = 0; i < 100; i++) {
    const [row] = await admin<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [
      database,
    ]);
    if (row?.n === '0') break;
    await sleep(20);
  }
  await sleep(100);
  const [row] = await admin<{ transactions: string; sessions: string }>(
    'select xact_commit + xact_rollback as transactions, sessions from pg_stat_database where datname = $1',
    [database],
  );
  if (!row) throw new Error(`pg_stat_database has no row for ${database}`);
  return { transactions: Number(row.transactions), sessions: Number(row.sessions) };
}

export async function serverVersion(): Promise<string> {
  const [row] = await admin<{ server_version: string }>('show server_version');
  return row?.server_version ?? 'unknown';
}
