import { STATUS_CODES } from 'node:http';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { RepeatedFailures } from '../logging/repeated-failures.js';
import type { ErrorMetrics } from '../metrics/error-metrics.js';
import { databaseProblem } from './database-problem.js';
import { errorStatus } from './error-status.js';
import { requestIdOf } from './request-id.js';

/**
 * Turns every error into an `application/problem+json` response (RFC 9457).
 * A 4xx shows the error's message when it was made to be shown (http-errors'
 * `expose`); a 5xx never shows an internal message: it is logged instead.
 * An error status set without a body (404, 405) gets the same shape.
 * A database error the client caused (a constraint violation) is its 409 or
 * 422, and a database unavailable or too slow a 503 with Retry-After, each
 * with a fixed sentence (`database-problem.ts`), never a 500.
 * A 5xx is logged once in full per kind, then at most once a minute with its
 * count: in an outage every request fails the same way.
 */
export function errorHandler(logger: Logger, errors: ErrorMetrics): Middleware {
  const failures = new RepeatedFailures(logger);
  return async function errorHandlerMiddleware(ctx, next) {
    try {
      await next();
      // An unmatched route, or a 405 (with its Allow already set).
      if (ctx.status >= 400 && ctx.body == null) problem(ctx, ctx.status);
    } catch (error) {
      errors.count(error);
      const database = databaseProblem(error);
      const status = database?.status ?? errorStatus(error);
      if (status >= 500) {
        const route = ctx._matchedRoute === undefined ? 'unmatched' : String(ctx._matchedRoute);
        failures.log('error', route, { err: error, requestId: requestIdOf(ctx) }, 'request failed');
      }
      const { expose, message, headers, errors: fieldErrors } = (error ?? {}) as Record<string, unknown>;
      // Headers an HttpError asks for, such as Allow on a 405.
      if (status < 500 && headers && typeof headers === 'object') ctx.set(headers as Record<string, string>);
      const exposed = status < 500 && expose === true && typeof message === 'string' ? message : undefined;
      if (database?.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(database.retryAfterSeconds));
      // The per-field errors of an invalid input (`validate()`), shown with its message.
      const fields = exposed !== undefined && Array.isArray(fieldErrors) ? fieldErrors : undefined;
      problem(ctx, status, database?.detail ?? exposed, fields);
    }
  };
}

function problem(ctx: Context, status: number, detail?: string, errors?: unknown[]): void {
  ctx.status = status;
  ctx.type = 'application/problem+json';
  ctx.body = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail !== undefined && { detail }),
    ...(errors !== undefined && { errors }),
    requestId: requestIdOf(ctx),
  };
}
