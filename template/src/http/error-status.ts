/**
 * The status an error asks for (`status`, as http-errors sets it, or
 * `statusCode`, as some libraries do) when it is a 4xx or a 5xx; else 500,
 * as Koa answers an error it does not know.
 */
export function errorStatus(error: unknown): number {
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const candidate = typeof status === 'number' ? status : statusCode;
  return typeof candidate === 'number' && candidate >= 400 && candidate < 600 ? candidate : 500;
}
