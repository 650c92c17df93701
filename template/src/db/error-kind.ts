/**
 * What a failed database operation means for the caller, from its SQLSTATE:
 * the client's data broke a constraint (class 23, the client's to fix).
 * `undefined` for anything else: a bug or an unknown failure.
 */
export type DatabaseErrorKind = 'unique' | 'foreign-key' | 'not-null' | 'check' | 'integrity';

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
 * Classifies an error from knex (pg's or PGlite's `DatabaseError`) or from
 * an Objection model (db-errors' `UniqueViolationError`… wrap the driver's
 * error as `nativeError`): both give the same kind for the same failure.
 */
export function databaseErrorKind(error: unknown): DatabaseErrorKind | undefined {
  const sqlState = sqlStateOf(error) ?? sqlStateOf((error as { nativeError?: unknown } | null)?.nativeError);
  if (sqlState === undefined) return undefined;
  if (sqlState.startsWith('23')) return INTEGRITY[sqlState] ?? 'integrity';
  return undefined;
}

/** A five-character SQLSTATE of PostgreSQL's (digits first: `08006`, `57P01`), not a system code like `EPIPE`. */
function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9][0-9A-Z]{4}$/.test(code) ? code : undefined;
}
