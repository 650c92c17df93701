import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';

const SAFE_ID = /^[\w.:-]{1,128}$/;

/**
 * Takes the caller's `x-request-id` when it is a plain token (so a client
 * cannot write arbitrary text into the logs), else makes one, and returns it.
 */
export function requestId(): Middleware {
  // Not async: returning next()'s promise spares the request a promise and a turn of the microtask queue.
  return function requestIdMiddleware(ctx, next) {
    const given = ctx.get('x-request-id');
    const id = SAFE_ID.test(given) ? given : randomUUID();
    ctx.state.requestId = id;
    ctx.set('x-request-id', id);
    return next();
  };
}

/** The id of the request being handled. */
export function requestIdOf(ctx: Context): string {
  return ctx.state.requestId as string;
}
