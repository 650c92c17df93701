import { trace } from '@opentelemetry/api';
import type { RequestObserver } from '../http/observe-requests.js';

/**
 * Names the request's server span by its route template once the router has
 * matched it (`GET /greetings/:name`, OpenTelemetry's HTTP convention), and
 * sets `http.route`. The HTTP instrumentation knows only the method, and
 * Koa's own instrumentation wraps every middleware in a span of its own.
 * Without tracing there is no active span and this does nothing. An observer
 * of `observeRequests()`.
 */
export const routeName: RequestObserver = {
  answered(ctx) {
    const span = trace.getActiveSpan();
    if (span !== undefined && ctx._matchedRoute !== undefined) {
      const route = String(ctx._matchedRoute);
      span.setAttribute('http.route', route);
      span.updateName(`${ctx.method} ${route}`);
    }
  },
};
