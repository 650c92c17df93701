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

/**
 * Why a check is failed without running: its previous run outlived its
 * timeout (its checker ignored the signal) and has not settled yet. Starting
 * another would pile up runs, and what each holds, for as long as the
 * dependency hangs. Its message is shown in `/ready`.
 */
export class CheckPendingError extends Error {
  override name = 'CheckPendingError';

  constructor() {
    super('previous run still pending after its timeout');
  }
}
