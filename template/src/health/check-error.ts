/**
 * A failure whose message is safe to show in `/ready`. Throw it from a checker
 * with a short message for operators (`queue depth 1200 over 1000`). Any
 * other error is shown only as its class and code; its message goes to the log.
 */
export class HealthCheckError extends Error {
  override name = 'HealthCheckError';
}

/** The reason a check's signal aborts at its timeout; its message is shown in `/ready`. */
export class CheckTimeoutError extends Error {
  override name = 'TimeoutError';

  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}
