import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Middleware } from 'koa';

/** OpenTelemetry's recommended boundaries for `http.server.request.duration`. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** The `http_route` of every request that matched no route: one series, not one per path. */
export const UNMATCHED_ROUTE = 'unmatched';

type Labels = 'http_request_method' | 'http_route' | 'http_response_status_code';

interface Series {
  duration: ReturnType<Histogram<Labels>['labels']>;
  requests: ReturnType<Counter<Labels>['labels']>;
}

/**
 * Records every request: duration, count and in-flight requests, labelled by
 * method, route template (never the raw path) and status code.
 */
export function createHttpMetricsMiddleware(metrics: Registry): Middleware {
  const labelNames: Labels[] = ['http_request_method', 'http_route', 'http_response_status_code'];
  const duration = new Histogram<Labels>({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [metrics],
  });
  const requests = new Counter<Labels>({
    name: 'http_server_requests_total',
    help: 'HTTP server requests, by method, route and status.',
    labelNames,
    registers: [metrics],
  });
  const active = new Gauge({
    name: 'http_server_active_requests',
    help: 'HTTP server requests in flight.',
    registers: [metrics],
  });

  // Children by label set: resolving labels on each request hashes them every
  // time. The key space is bounded: methods, route templates and status codes.
  const series = new Map<string, Series>();
  const seriesFor = (method: string, route: string, status: number): Series => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (!found) {
      const labels = { http_request_method: method, http_route: route, http_response_status_code: status };
      found = { duration: duration.labels(labels), requests: requests.labels(labels) };
      series.set(key, found);
    }
    return found;
  };

  return async function httpMetrics(ctx, next) {
    const started = performance.now();
    active.inc();
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (error) {
      // Reached only when nothing below handled the error; Koa answers with its status.
      status = statusOf(error);
      throw error;
    } finally {
      active.dec();
      const method = KNOWN_METHODS.has(ctx.method) ? ctx.method : '_OTHER';
      const route = ctx._matchedRoute === undefined ? UNMATCHED_ROUTE : String(ctx._matchedRoute);
      const { duration: observe, requests: count } = seriesFor(method, route, status);
      observe.observe((performance.now() - started) / 1000);
      count.inc();
    }
  };
}

function statusOf(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
