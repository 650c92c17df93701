import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * pino's `mixin`: the ids of the active span, merged into every line written
 * while it is active (a request's, with tracing on), so a log line leads to
 * its trace and back. OpenTelemetry's API only: without tracing there is no
 * active span. The object is fresh each time: pino merges the line's own
 * fields into it.
 */
export function traceContext(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const context = span.spanContext();
  return isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
}
