import type { Middleware } from 'koa';

/**
 * Refuses a path that is not valid percent-encoding (`/greetings/%E0%A4%A`)
 * with a 400. @koa/router would otherwise hand the raw text to the route as
 * its parameter, and a handler would act on input that no client meant.
 */
export function decodablePath(): Middleware {
  // Not async (nor the other refusals): a layer that only passes the request on returns next()'s promise.
  return (ctx, next) => {
    // Only a `%` can make a path undecodable; most paths have none.
    if (ctx.path.includes('%')) {
      try {
        decodeURIComponent(ctx.path);
      } catch {
        ctx.throw(400, 'request path is not valid percent-encoding');
      }
    }
    return next();
  };
}
