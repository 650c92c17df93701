import { Counter, Gauge, type LabelValues, type Registry } from 'prom-client';
import type { RequestObserver } from '../http/observe-requests.js';
import { traceExemplar } from '../tracing/exemplar.js';
import { seriesHistogram, type HistogramSeries } from './series-histogram.js';

/** OpenTelemetry's recommended boundaries for `http.server.request.duration`. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** The `http_route` of every request that matched no route: one series, not one per path. */
export const UNMATCHED_ROUTE = 'unmatched';

type Labels = 'http_request_method' | 'http_route' | 'http_response_status_code';

interface Series {
  labels: LabelValues<Labels>;
  duration: HistogramSeries;
  /** Requests answered since the counter was last collected. */
  uncounted: number;
}

/**
 * Records every request: duration, count and in-flight requests, labelled by
 * method, route template (never the raw path) and status code. A request
 * in a sampled trace leaves its trace id on the duration's bucket as an
 * exemplar (shown by the OpenMetrics format). An observer of
 * `observeRequests()`, which times the request.
 */
export function httpMetrics(metrics: Registry): RequestObserver {
  const labelNames: Labels[] = ['http_request_method', 'http_route', 'http_response_status_code'];
  const duration = seriesHistogram<Labels>({
    name: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    labelNames,
    buckets: DURATION_BUCKETS,
    registry: metrics,
  });

  // Series by label set, found without hashing the labels on each request.
  // The key space is bounded: methods, route templates and status codes.
  const series = new Map<string, Series>();
  const seriesFor = (method: string, route: string, status: number): Series => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (!found) {
      const labels = { http_request_method: method, http_route: route, http_response_status_code: status };
      found = { labels, duration: duration(labels), uncounted: 0 };
      series.set(key, found);
    }
    return found;
  };
  let inFlight = 0;

  // The request count and the requests in flight are plain numbers on the
  // request path, handed to prom-client when it collects them (each scrape):
  // its inc() validates and hashes the labels again on every call, and in a
  // loaded service prom-client's calls were the costliest part of a request's
  // instrumentation (bench/breakdown/http-stack.ts).
  new Counter<Labels>({
    name: 'http_server_requests_total',
    help: 'HTTP server requests, by method, route and status.',
    labelNames,
    registers: [metrics],
    collect() {
      for (const counted of series.values()) {
        if (counted.uncounted === 0) continue;
        this.inc(counted.labels, counted.uncounted);
        counted.uncounted = 0;
      }
    },
  });
  new Gauge({
    name: 'http_server_active_requests',
    help: 'HTTP server requests in flight.',
    registers: [metrics],
    collect() {
      this.set(inFlight);
    },
  });

  return {
    started() {
      inFlight += 1;
    },
    answered(ctx, status, durationMs) {
      inFlight -= 1;
      const method = KNOWN_METHODS.has(ctx.method) ? ctx.method : '_OTHER';
      const route = ctx._matchedRoute === undefined ? UNMATCHED_ROUTE : String(ctx._matchedRoute);
      const found = seriesFor(method, route, status);
      found.duration.observe(durationMs / 1000, traceExemplar());
      found.uncounted += 1;
    },
  };
}
