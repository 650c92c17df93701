/**
 * pg reports a connection closed under a query (the server restarted, a proxy
 * or the network dropped it) as a plain `Error` with no code or class of its
 * own; only its message tells it apart from a bug. Knex keeps the message.
 */
const CONNECTION_LOST = /\b(Connection terminated|connection error and is not queryable)\b/;

/** True when the database connection went away under the operation. */
export function isConnectionLost(error: unknown): boolean {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && CONNECTION_LOST.test(message);
}
