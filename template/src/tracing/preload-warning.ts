import type { Logger } from 'pino';
import { readTracingSettings } from './settings.js';
import { registeredTracerProvider } from './shutdown.js';

/**
 * Warns once, at start, when the environment asks for traces (an OTLP
 * endpoint is set) but no tracer provider is registered: the process was
 * started without the tracing preload (`node dist/src/server.js` instead of
 * `npm start`), so nothing is patched and no span will ever be sent. Nothing
 * else would tell: the service works, and the traces are simply missing.
 */
export function warnIfTracingNotStarted(logger: Logger, env: Record<string, string | undefined> = process.env): void {
  let asked: boolean;
  try {
    asked = readTracingSettings(env) !== undefined;
  } catch {
    // Settings the preload would have refused: it did not run either.
    asked = true;
  }
  if (asked && registeredTracerProvider() === undefined) {
    logger.warn(
      'OTEL_* asks for traces, but tracing is not running: start the service with ' +
        '`node --import ./dist/src/tracing/register.js dist/src/server.js`, as `npm start` does',
    );
  }
}
