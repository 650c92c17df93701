import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { readServiceIdentity } from '../service.js';
import { describeQuery } from './query-span.js';
import type { TracingSettings } from './settings.js';

/**
 * Starts the OpenTelemetry SDK: a tracer provider registered globally (W3C
 * trace context in and out, context kept across awaits), spans batched to the
 * OTLP exporter, and the instrumentations of incoming and outgoing HTTP
 * (`node:http`, fetch) and of every pg query.
 *
 * The SDK reads the rest of OpenTelemetry's variables itself: the sampler
 * (`OTEL_TRACES_SAMPLER`), the batching (`OTEL_BSP_*`), the endpoint, headers,
 * timeout and compression (`OTEL_EXPORTER_OTLP_*`) and the resource
 * (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, over package.json's name
 * and version).
 *
 * Loaded only when tracing is on (`register.ts`): a service without tracing
 * never loads the SDK.
 */
export async function startTracing(settings: TracingSettings): Promise<NodeTracerProvider> {
  const service = readServiceIdentity();
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: service.name, [ATTR_SERVICE_VERSION]: service.version }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(await createExporter(settings))],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation(),
      new UndiciInstrumentation(),
      new PgInstrumentation({
        // Bound values may be personal data: never recorded (this is pg's default, kept explicit).
        enhancedDatabaseReporting: false,
        // A query outside any request (migrations, a background job) would be a trace of its own.
        requireParentSpan: true,
        // knex takes a connection from its own pool: pg's connect spans would only say "connected".
        ignoreConnectSpans: true,
        requestHook: describeQuery,
      }),
    ],
  });
  return provider;
}

/** The exporter of the protocol asked for; each reads `OTEL_EXPORTER_OTLP_*` itself. */
async function createExporter({ protocol }: TracingSettings): Promise<SpanExporter> {
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter();
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter();
}
