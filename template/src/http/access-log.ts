import type { Logger } from 'pino';
import { accessLineWriter } from '../logging/access-line.js';
import type { RequestObserver } from './observe-requests.js';
import { requestIdOf } from './request-id.js';

/** Probes and scrapes arrive every few seconds and would drown the log. */
const QUIET_ROUTES = new Set(['/healthz', '/ready', '/ready/:check', '/metrics']);

/** One log line per request, once it is answered (`logging/access-line.ts`); an observer of `observeRequests()`. */
export function accessLog(logger: Logger): RequestObserver {
  const write = accessLineWriter(logger);
  return {
    answered(ctx, status, durationMs) {
      const route = ctx._matchedRoute === undefined ? undefined : String(ctx._matchedRoute);
      if (route !== undefined && QUIET_ROUTES.has(route)) return;
      write({
        requestId: requestIdOf(ctx),
        method: ctx.method,
        path: ctx.path,
        route,
        status,
        durationMs: Math.round(durationMs * 100) / 100,
      });
    },
  };
}
