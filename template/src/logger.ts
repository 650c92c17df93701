import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';
import { boundedLogOptions } from './logging/bounds.js';
import { stdoutDestination } from './logging/stdout.js';
import { traceContext } from './logging/trace-context.js';
import type { ServiceIdentity } from './service.js';

/**
 * JSON logs, one object a line, with the service named on each: on stdout,
 * buffered (`logging/stdout.ts`), or on `destination` (tests read the lines).
 * Every line is bounded and error messages lose their credentials
 * (`logging/bounds.ts`).
 */
export function createLogger(
  config: Pick<Config, 'logLevel'>,
  service: ServiceIdentity,
  destination: DestinationStream = stdoutDestination(),
): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: service.name, version: service.version },
      mixin: traceContext,
      // Keep credentials out of the logs even when a request object is logged whole.
      redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
      ...boundedLogOptions(),
    },
    destination,
  );
}
