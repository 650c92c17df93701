import bodyParser from '@koa/bodyparser';
import type { Middleware } from 'koa';

/** The largest JSON body a route accepts; a larger one is a 413. */
const JSON_LIMIT = '1mb';

/**
 * Parses a JSON request body into `ctx.request.body`. Mount it on the routes
 * that take one (`router.post('/', jsonBody(), handler)`), not on the app:
 * a request then reaches its route before its body is read, so a malformed
 * body is that route's 400, counted and logged under it, and a request no
 * route takes is never parsed at all.
 */
export function jsonBody(): Middleware {
  return bodyParser({
    enableTypes: ['json'],
    jsonLimit: JSON_LIMIT,
    onError(error, ctx) {
      // The parser's own messages quote the body; say what is wrong instead.
      const { status, expose, message } = error as { status?: number; expose?: boolean; message: string };
      ctx.throw(status ?? 400, expose ? message : 'request body is not valid JSON');
    },
  });
}
