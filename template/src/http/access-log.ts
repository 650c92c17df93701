import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { accessLineWriter } from '../logging/access-line.js';
import { requestIdOf } from './request-id.js';

/** Probes and scrapes arrive every few seconds and would drown the log. */
const QUIET_ROUTES = new Set(['/healthz', '/ready', '/ready/:check', '/metrics']);

/** One log line per request, after it is answered (`logging/access-line.ts`). */
export function accessLog(logger: Logger): Middleware {
  const write = accessLineWriter(logger);
  return async function accessLogMiddleware(ctx, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = ctx._matchedRoute === undefined ? undefined : String(ctx._matchedRoute);
      if (route === undefined || !QUIET_ROUTES.has(route)) {
        write({
          requestId: requestIdOf(ctx),
          method: ctx.method,
          path: ctx.path,
          route,
          status: ctx.status,
          durationMs: Math.round((performance.now() - started) * 100) / 100,
        });
      }
    }
  };
}
