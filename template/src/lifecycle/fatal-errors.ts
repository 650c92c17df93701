import type { Logger } from 'pino';
import { flushLogs } from '../logging/stdout.js';
import type { ErrorMetrics } from '../metrics/error-metrics.js';
import type { Shutdown } from './shutdown.js';

export interface FatalErrorOptions {
  logger: Logger;
  errorMetrics: ErrorMetrics;
  shutdown: Shutdown;
  /** Where the events come from; the process by default. */
  source?: NodeJS.EventEmitter;
}

/**
 * The policy for an error nothing caught, the same for an `uncaughtException`
 * (a throw in a timer or an event handler) and an `unhandledRejection` (a
 * promise nobody awaited): the process's state is unknown, so it must not go
 * on as if nothing happened, nor drop the requests it has accepted. It logs
 * one fatal JSON line with the error, counts it in `service_errors_total`,
 * fails readiness at once, takes no new connections, lets the requests in
 * flight finish within SHUTDOWN_TIMEOUT_MS, and exits 1; the orchestrator
 * restarts it. Another such error during the drain is logged and changes
 * nothing. The log buffer is written out with the fatal line, and again at
 * the exit. Without this, Node prints a plain-text stack and exits at once
 * on an exception, and only warns on a rejection.
 */
export function exitOnFatalErrors(options: FatalErrorOptions): void {
  const { logger, errorMetrics, shutdown, source = process } = options;
  let fatal = false;
  const onFatal = (origin: 'uncaughtException' | 'unhandledRejection') => (err: unknown) => {
    errorMetrics.count(err);
    if (fatal) {
      logger.error({ err, origin }, `${origin} while shutting down`);
      return;
    }
    fatal = true;
    logger.fatal({ err, origin }, `${origin}: draining in-flight requests, then exiting 1`);
    // Out now, with the lines before it, whatever happens to the process during the drain.
    flushLogs();
    void shutdown(origin, { fatal: true });
  };
  source.on('uncaughtException', onFatal('uncaughtException'));
  source.on('unhandledRejection', onFatal('unhandledRejection'));
}
