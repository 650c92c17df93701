import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { HealthCheckError } from '../health/check-error.js';
import type { HealthChecker } from '../health/types.js';
import { DirectoryMigrationSource } from './migration-source.js';

export interface MigratorOptions {
  /** First retry delay; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /**
   * How long a readiness check waits for an attempt in progress before it
   * reports the migrations pending; keep it under HEALTH_TIMEOUT_MS.
   */
  checkWaitMs?: number;
}

/**
 * Runs the migrations in the background at start, retrying until they
 * succeed, so a database that is down at start keeps the service unready
 * instead of crash-looping it. Its checker fails readiness until then.
 */
export class Migrator {
  readonly #db: Knex;
  readonly #logger: Logger;
  readonly #options: Required<MigratorOptions>;
  readonly #stopped = new AbortController();
  #state: 'idle' | 'running' | 'done' = 'idle';
  #lastError: unknown;
  #run: Promise<void> | undefined;
  /** The attempt in progress, if any: true when it succeeded. */
  #attempt: Promise<boolean> | undefined;

  constructor(db: Knex, logger: Logger, options: MigratorOptions = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#options = { initialDelayMs: 500, maxDelayMs: 10_000, checkWaitMs: 250, ...options };
  }

  /** Applies every pending migration once; used by `npm run migrate`. */
  async latest(): Promise<string[]> {
    const [, applied] = (await this.#db.migrate.latest({ migrationSource: new DirectoryMigrationSource() })) as [
      number,
      string[],
    ];
    return applied;
  }

  /** Starts the background run; resolves when migrations succeed or `stop()` is called. */
  start(): Promise<void> {
    this.#run ??= this.#retry();
    return this.#run;
  }

  /** Stops retrying (on shutdown) and waits for a migration in progress. */
  async stop(): Promise<void> {
    this.#stopped.abort();
    await this.#run;
  }

  get done(): boolean {
    return this.#state === 'done';
  }

  /**
   * Fails readiness until the migrations have succeeded. A check that comes
   * during an attempt waits for it, up to `checkWaitMs`: the registry caches
   * results, so a 'pending' taken just before the attempt succeeds would
   * otherwise hold readiness back for a whole HEALTH_CACHE_MS.
   */
  checker(): HealthChecker {
    return {
      name: 'migrations',
      check: async (signal) => {
        if (this.#attempt) await settledWithin(this.#attempt, this.#options.checkWaitMs, signal);
        if (this.#state === 'done') return;
        const reason = this.#lastError === undefined ? 'pending' : 'failed, retrying';
        throw new HealthCheckError(`migrations ${reason}`);
      },
    };
  }

  async #retry(): Promise<void> {
    this.#state = 'running';
    let delayMs = this.#options.initialDelayMs;
    for (let attempt = 1; !this.#stopped.signal.aborted; attempt++) {
      this.#attempt = this.#migrate(attempt, delayMs);
      const done = await this.#attempt;
      this.#attempt = undefined;
      if (done) return;
      await sleep(delayMs, undefined, { signal: this.#stopped.signal }).catch(() => {});
      delayMs = Math.min(delayMs * 2, this.#options.maxDelayMs);
    }
  }

  /** One attempt; true once the migrations are up to date. Never rejects: a failure is logged and kept. */
  async #migrate(attempt: number, retryInMs: number): Promise<boolean> {
    try {
      const applied = await this.latest();
      this.#state = 'done';
      this.#logger.info({ applied }, `migrations up to date (${applied.length} applied)`);
      return true;
    } catch (error) {
      this.#lastError = error;
      this.#logger.warn({ err: error, attempt, retryInMs }, 'migrations failed; retrying');
      return false;
    }
  }
}

/** Resolves when `promise` settles, `ms` pass or `signal` aborts, whichever comes first. */
async function settledWithin(promise: Promise<unknown>, ms: number, signal: AbortSignal): Promise<void> {
  const timer = new AbortController();
  try {
    await Promise.race([
      promise,
      sleep(ms, undefined, { signal: AbortSignal.any([signal, timer.signal]), ref: false }).catch(() => {}),
    ]);
  } finally {
    timer.abort();
  }
}
