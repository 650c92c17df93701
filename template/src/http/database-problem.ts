import { databaseErrorKind, type DatabaseErrorKind } from '../db/error-kind.js';

/** The answer to a request whose database operation failed in a way the client should know about. */
export interface DatabaseProblem {
  status: number;
  /** One sentence for the client: no value, column, table or constraint name (those are the schema's, and the data's). */
  detail: string;
  /** Set on a 503: when the client may try again. */
  retryAfterSeconds?: number;
}

/**
 * Long enough for the pool to reconnect and for readiness to take a replica
 * that cannot reach its database out of the load balancer; short enough that
 * a blip costs a client one retry.
 */
const RETRY_AFTER_SECONDS = 5;

const PROBLEMS: Record<DatabaseErrorKind, DatabaseProblem> = {
  unavailable: {
    status: 503,
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    detail: 'the database is unavailable; try again later',
  },
  unique: { status: 409, detail: 'the request conflicts with an existing resource' },
  'foreign-key': {
    status: 422,
    detail: 'the request refers to a resource that does not exist, or removes one that is still referred to',
  },
  'not-null': { status: 422, detail: 'a required value is missing' },
  check: { status: 422, detail: 'a value is outside what is allowed' },
  integrity: { status: 422, detail: 'the request breaks a data integrity rule' },
};

/**
 * The status and detail of a database error that is not a bug: one the
 * client caused (a constraint violation: 409 or 422), or a database that is
 * unavailable or too slow (503 with Retry-After: the same request may
 * succeed later). Undefined for any other error, a 500.
 * Validating input before the database gives better messages; this is the
 * net under what validation missed, so that a client's mistake is never
 * counted as a server error.
 */
export function databaseProblem(error: unknown): DatabaseProblem | undefined {
  const kind = databaseErrorKind(error);
  return kind === undefined ? undefined : PROBLEMS[kind];
}
