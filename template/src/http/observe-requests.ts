import type { Context, Middleware } from 'koa';
import { errorStatus } from './error-status.js';

/** Something that watches every request: its metrics, its log line, its span's name. */
export interface RequestObserver {
  /** As the request comes in, before any layer below sees it. */
  started?(ctx: Context): void;
  /** Once it is answered, or has failed past every handler, with the status it got. */
  answered(ctx: Context, status: number, durationMs: number): void;
}

/**
 * One layer that tells each observer when a request starts and how it ended,
 * in the order given. A layer of its own per observer would each time and
 * await the request again: every async layer is a promise and a turn of the
 * microtask queue per request, and together they cost more than what the
 * observers do (bench/breakdown/http-stack.ts).
 */
export function observeRequests(observers: readonly RequestObserver[]): Middleware {
  const starting = observers.filter((observer) => observer.started !== undefined);
  return async function observeRequestsMiddleware(ctx, next) {
    const started = performance.now();
    for (const observer of starting) observer.started!(ctx);
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      // Reached only when nothing below handled the error; Koa answers with this status.
      status = errorStatus(error);
      throw error;
    } finally {
      const durationMs = performance.now() - started;
      for (const observer of observers) observer.answered(ctx, status, durationMs);
    }
  };
}
