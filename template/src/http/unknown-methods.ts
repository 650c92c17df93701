import type Router from '@koa/router';
import type { Middleware } from 'koa';

/**
 * Answers a method no router implements (PROPFIND, PURGE, TRACE…) with 405
 * and the path's `Allow` list, or 404 when no route has that path, instead of
 * @koa/router's 501: a scanner must get a 4xx, and a 5xx would count against
 * the service's error-ratio alert. Known methods go on to the routers, whose
 * `allowedMethods()` answer 405 and OPTIONS themselves.
 */
export function unknownMethods(routers: readonly Router[]): Middleware {
  const implemented = new Set(routers.flatMap((router) => router.methods));
  return (ctx, next) => {
    if (implemented.has(ctx.method)) return next();
    const allowed = new Set(
      routers.flatMap((router) => router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods)),
    );
    if (allowed.size === 0) {
      ctx.status = 404;
    } else {
      ctx.status = 405;
      ctx.set('Allow', [...allowed].join(', '));
    }
    return Promise.resolve();
  };
}
