import { safeText } from '../safe-text.js';
import { CheckPendingError, CheckTimeoutError, HealthCheckError } from './check-error.js';

/** The longest `output` `/ready` shows for a check, in characters. */
export const OUTPUT_MAX_LENGTH = 200;

const SYSTEM_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
  EHOSTUNREACH: 'host unreachable',
  EPIPE: 'connection closed',
};

/**
 * A short message for the `output` of a failed check that is safe to serve:
 * error messages of drivers carry host names, SQL with values and sometimes
 * passwords, so only a `HealthCheckError`'s own message (and the registry's
 * own timeout and pending run) is shown, and even then without credentials and cut short.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof HealthCheckError || error instanceof CheckTimeoutError || error instanceof CheckPendingError)
    return safeText(error.message, OUTPUT_MAX_LENGTH);
  if (!(error instanceof Error)) return 'check failed';
  if (error.name === 'KnexTimeoutError') return 'timed out waiting for a database connection';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timed out';
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (Object.hasOwn(SYSTEM_ERRORS, code)) return `${SYSTEM_ERRORS[code]} (${code})`;
    if (/^[0-9A-Z]{5}$/.test(code)) return `database error (SQLSTATE ${code})`;
    if (/^E[A-Z_]{2,30}$/.test(code)) return `system error (${code})`;
  }
  return `check failed (${/^[A-Za-z]{1,40}$/.test(error.name) ? error.name : 'Error'})`;
}
