/**
 * A failure whose message is safe to show in `/ready`. Throw it from a checker
 * with a short message for operators (`queue depth 1200 over 1000`). Any
 * other error is shown only as its class and code; its message goes to the log.
 */
export class HealthCheckError extends Error {
  override name = 'HealthCheckError';
}
