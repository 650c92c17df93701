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

  constructor(db: Knex, logger: Logger, options: MigratorOptions = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#options = { initialDelayMs: 500, maxDelayMs: 10_000, ...options };
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

  /** Fails readiness until the migrations have succeeded. */
  checker(): HealthChecker {
    return {
      name: 'migrations',
      check: async () => {
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
      try {
        const applied = await this.latest();
        this.#state = 'done';
        this.#logger.info({ applied }, `migrations up to date (${applied.length} applied)`);
        return;
      } catch (error) {
        this.#lastError = error;
        this.#logger.warn({ err: error, attempt, retryInMs: delayMs }, 'migrations failed; retrying');
      }
      await sleep(delayMs, undefined, { signal: this.#stopped.signal }).catch(() => {});
      delayMs = Math.min(delayMs * 2, this.#options.maxDelayMs);
    }
  }
}
