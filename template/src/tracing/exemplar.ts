import { isSpanContextValid, trace, TraceFlags } from '@opentelemetry/api';

/** The labels of an exemplar: the trace (and span) a measurement was taken in. */
export interface TraceExemplar {
  trace_id: string;
  span_id: string;
}

/**
 * The active span's ids when its trace is sampled (so the trace exists in the
 * tracing backend to follow the exemplar to), else undefined: always without
 * tracing, where this costs one lookup. OpenTelemetry's API only.
 */
export function traceExemplar(): TraceExemplar | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  if (context === undefined || !isSpanContextValid(context)) return undefined;
  if ((context.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  return { trace_id: context.traceId, span_id: context.spanId };
}
