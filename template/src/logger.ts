import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import type { ServiceIdentity } from './service.js';

/** JSON logs on stdout, one object a line, with the service named on each. */
export function createLogger(config: Pick<Config, 'logLevel'>, service: ServiceIdentity): Logger {
  return pino({
    level: config.logLevel,
    base: { service: service.name, version: service.version },
    // Keep credentials out of the logs even when a request object is logged whole.
    redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
  });
}
