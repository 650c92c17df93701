import { isConnectionLost } from './connection-lost.js';

/**
 * What a failed database operation means for the caller:
 * - `unavailable`: the database could not be reached or did not answer in
 *   time (refused, lost, timed out, shutting down, out of connections); the
 *   same request may succeed a little later;
 * - a constraint the client's data broke (SQLSTATE class 23), the client's to fix.
 * `undefined` for anything else: a bug or an unknown failure.
 */
export type DatabaseErrorKind = 'unavailable' | 'unique' | 'foreign-key' | 'not-null' | 'check' | 'integrity';

/** SQLSTATE class 23, integrity constraint violation, by code. */
const INTEGRITY: Record<string, DatabaseErrorKind> = {
  '23505': 'unique',
  '23P01': 'unique', // exclusion: overlaps an existing row, a conflict like a duplicate
  '23503': 'foreign-key',
  '23001': 'foreign-key', // restrict: still referenced
  '23502': 'not-null',
  '23514': 'check',
};

/**
 * SQLSTATEs of a database that cannot serve now: class 08 (connection
 * exception), 53300 (too many connections), 57014 (statement_timeout), 57P01
 * to 57P03 (shutting down, crashed, starting).
 */
const UNAVAILABLE_STATE = /^(08...|53300|57014|57P0[123])$/;

/** System errors of a connection that failed or broke on the network. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** pg's own words for a connection attempt over `connectionTimeoutMillis`; it has no code. */
const CONNECT_TIMEOUT = /\btimeout expired\b/;

/**
 * Classifies an error from knex (pg's or PGlite's `DatabaseError`, a system
 * error, knex's pool timeout) or from an Objection model (db-errors'
 * `UniqueViolationError`… wrap the driver's error as `nativeError`): the same
 * failure gives the same kind either way.
 */
export function databaseErrorKind(error: unknown): DatabaseErrorKind | undefined {
  const native = (error as { nativeError?: unknown } | null)?.nativeError;
  const sqlState = sqlStateOf(error) ?? sqlStateOf(native);
  if (sqlState?.startsWith('23')) return INTEGRITY[sqlState] ?? 'integrity';
  if (sqlState !== undefined && UNAVAILABLE_STATE.test(sqlState)) return 'unavailable';
  return [error, native].some(isUnavailable) ? 'unavailable' : undefined;
}

function isUnavailable(error: unknown): boolean {
  if (error == null || typeof error !== 'object') return false;
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  // Knex's: no connection from the pool within acquireConnectionTimeout.
  if (name === 'KnexTimeoutError') return true;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
  return isConnectionLost(error) || (typeof message === 'string' && CONNECT_TIMEOUT.test(message));
}

/** A five-character SQLSTATE of PostgreSQL's (digits first: `08006`, `57P01`), not a system code like `EPIPE`. */
function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9][0-9A-Z]{4}$/.test(code) ? code : undefined;
}
