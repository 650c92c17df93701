import { Counter, type Registry } from 'prom-client';
import { isConnectionLost } from '../db/connection-lost.js';

/**
 * Error classes worth their own series: objection's and db-errors' classes,
 * the pg driver's, and timeouts. Anything else is `_OTHER`, so an
 * unexpected error can never add a series.
 */
const NAMED_ERRORS = new Set([
  'ValidationError',
  'NotFoundError',
  'DBError',
  'ConstraintViolationError',
  'UniqueViolationError',
  'NotNullViolationError',
  'ForeignKeyViolationError',
  'CheckViolationError',
  'DataError',
  'DatabaseError',
  'KnexTimeoutError',
  'TimeoutError',
  'AbortError',
]);

/** System error codes (ECONNREFUSED, ETIMEDOUT…): a fixed set, named by libuv. */
const SYSTEM_CODE = /^E[A-Z_]{2,30}$/;

/**
 * `error_type` of an error: the status of an HTTP error, a known class name, a
 * system error code, `connection_lost`, or `_OTHER`.
 */
export function errorType(error: unknown): string {
  const { name, status, code } = (error ?? {}) as { name?: unknown; status?: unknown; code?: unknown };
  // HTTP errors (ctx.throw, the router, the body parser): at most 200 values.
  if (typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 600) {
    return String(status);
  }
  if (typeof name === 'string' && NAMED_ERRORS.has(name)) return name;
  // pg's (and PGlite's) DatabaseError sets `name` to the protocol message type, 'error'.
  const className = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  if (typeof className === 'string' && NAMED_ERRORS.has(className)) return className;
  if (typeof code === 'string' && SYSTEM_CODE.test(code)) return code;
  return isConnectionLost(error) ? 'connection_lost' : '_OTHER';
}

export interface ErrorMetrics {
  /** Counts one error by its type. */
  count(error: unknown): void;
}

export function createErrorMetrics(metrics: Registry): ErrorMetrics {
  const errors = new Counter({
    name: 'service_errors_total',
    help: 'Errors raised while handling requests, and errors nothing caught, by type.',
    labelNames: ['error_type'],
    registers: [metrics],
  });
  return {
    count(error) {
      errors.inc({ error_type: errorType(error) });
    },
  };
}
