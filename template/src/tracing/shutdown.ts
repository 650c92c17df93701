import { trace } from '@opentelemetry/api';

/**
 * Exports the spans still batched and stops the tracer provider, if tracing
 * was started (`register.ts` registers it globally, as OpenTelemetry's API
 * expects); does nothing otherwise. Part of the graceful shutdown, after the
 * servers have answered their last requests.
 */
export async function shutdownTracing(): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const sdk = provider.getDelegate?.() as { shutdown?: () => Promise<void> } | undefined;
  await sdk?.shutdown?.();
}
