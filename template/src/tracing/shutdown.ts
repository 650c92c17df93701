import { trace } from '@opentelemetry/api';

/**
 * The tracer provider an SDK registered (`register.ts` registers it globally,
 * as OpenTelemetry's API expects), or undefined: until then the API's own is
 * a proxy to a no-op one, with nothing to shut down.
 */
export function registeredTracerProvider(): { shutdown(): Promise<void> } | undefined {
  const proxy = trace.getTracerProvider() as { getDelegate?: () => { shutdown?: () => Promise<void> } };
  const provider = proxy.getDelegate?.();
  return typeof provider?.shutdown === 'function' ? (provider as { shutdown(): Promise<void> }) : undefined;
}

/**
 * Exports the spans still batched and stops the tracer provider, if tracing
 * was started; does nothing otherwise. Part of the graceful shutdown, after
 * the servers have answered their last requests.
 */
export async function shutdownTracing(): Promise<void> {
  await registeredTracerProvider()?.shutdown();
}
