import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { BackgroundRuns } from '../health/background-runs.js';
import type { HealthRegistry } from '../health/registry.js';
import { flushLogs } from '../logging/stdout.js';

export interface ShutdownOptions {
  servers: Server[];
  health: HealthRegistry;
  /** Background health runs (`HEALTH_INTERVAL_MS`), if any: stopped first, awaited before `dispose`. */
  healthRuns?: BackgroundRuns | undefined;
  logger: Logger;
  /** How long traffic is still served after readiness turns 503 (endpoints take time to update). */
  delayMs: number;
  /** Past this, the process exits 1 whatever is still running. */
  timeoutMs: number;
  /** Closes what the servers used (the container), after they have stopped. */
  dispose: () => Promise<void>;
  /**
   * Sends what is still buffered (the last spans), last: given what is left
   * of `timeoutMs`, and abandoned past it so that a collector that does not
   * answer costs those spans, not a failed shutdown.
   */
  flush?: () => Promise<void>;
  exit?: (code: number) => void;
}

/** Why the process stops, and so how. */
export interface ShutdownRequest {
  /**
   * An error nothing caught: traffic is not served for `delayMs` (the
   * process's state is unknown, so it takes no new work), and the exit code
   * is 1 even when everything drains in time.
   */
  fatal?: boolean;
}

/** Starts the shutdown sequence (once), and resolves when it is over. */
export type Shutdown = (reason: string, request?: ShutdownRequest) => Promise<void>;

/**
 * The graceful shutdown sequence, run once whatever the number of signals:
 * readiness fails at once and for good; traffic is served for `delayMs`;
 * then the servers stop accepting, finish their in-flight requests and close
 * idle keep-alive sockets; then resources are disposed and the process exits 0,
 * or 1 at `timeoutMs`. A fatal request skips the delay (or what is left of it)
 * and makes the exit code 1, even when it comes while a signal's sequence runs.
 */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const { servers, health, logger, delayMs, timeoutMs, dispose, flush } = options;
  const exitProcess = options.exit ?? ((code: number) => process.exit(code));
  const exit = (code: number) => {
    // The last lines (the drained requests' access log, "shutdown complete") may still be buffered.
    flushLogs();
    exitProcess(code);
  };
  const skipDelay = new AbortController();
  let exitCode = 0;
  let running: Promise<void> | undefined;

  return (reason, { fatal = false } = {}) => {
    if (fatal) {
      exitCode = 1;
      skipDelay.abort();
    }
    if (running) {
      logger.info({ reason }, 'shutdown already in progress');
      return running;
    }
    running = (async () => {
      const deadlineAt = performance.now() + timeoutMs;
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown timed out; exiting');
        exit(1);
      }, timeoutMs);
      // No check starts from here on; one still running must not meet a closed database.
      const healthRunsStopped = options.healthRuns?.stop();
      health.drain();
      logger.info({ reason, delayMs: fatal ? 0 : delayMs }, 'shutting down: readiness now fails');
      try {
        await sleep(delayMs, undefined, { signal: skipDelay.signal }).catch(() => {});
        await Promise.all(servers.map(close));
        await healthRunsStopped;
        await dispose();
        if (flush) await flushWithin(flush, deadlineAt - performance.now() - FLUSH_MARGIN_MS, logger);
        clearTimeout(deadline);
        logger.info({ exitCode }, 'shutdown complete');
        exit(exitCode);
      } catch (err) {
        clearTimeout(deadline);
        logger.error({ err }, 'shutdown failed');
        exit(1);
      }
    })();
    return running;
  };
}

/** Time kept between the end of a flush and the shutdown's deadline, to log and exit. */
const FLUSH_MARGIN_MS = 100;

async function flushWithin(flush: () => Promise<void>, ms: number, logger: Logger): Promise<void> {
  const gaveUp = Symbol('gave up');
  const timer = new AbortController();
  const outcome = await Promise.race([
    flush().catch((err: unknown) => logger.warn({ err }, 'flush on shutdown failed')),
    sleep(Math.max(ms, 0), gaveUp, { signal: timer.signal }),
  ]);
  timer.abort();
  if (outcome === gaveUp)
    logger.warn({ timeoutMs: Math.max(ms, 0) }, 'flush on shutdown gave up at the shutdown timeout');
}

/** Stops accepting, then resolves once every in-flight request has been answered. */
function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Sockets waiting for a next request hold close() open; sockets busy
    // with a request are closed by Node once their response is sent.
    server.closeIdleConnections();
  });
}
