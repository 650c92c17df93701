import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { HealthCheckError } from '../health/check-error.js';
import type { HealthChecker } from '../health/types.js';
import { databaseStarted } from './embedded-client.js';
import { DirectoryMigrationSource, MIGRATIONS_DIR } from './migration-source.js';

export interface MigratorOptions {
  /** First retry delay; doubles up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Where the migrations are; the service's `migrations/` by default. */
  directory?: string;
  /** The table knex records applied migrations in. */
  tableName?: string;
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
  readonly #source: DirectoryMigrationSource;
  readonly #stopped = new AbortController();
  #state: 'idle' | 'running' | 'done' = 'idle';
  #lastError: unknown;
  #run: Promise<void> | undefined;

  constructor(db: Knex, logger: Logger, options: MigratorOptions = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#options = {
      initialDelayMs: 500,
      maxDelayMs: 10_000,
      directory: MIGRATIONS_DIR,
      tableName: 'knex_migrations',
      ...options,
    };
    this.#source = new DirectoryMigrationSource(this.#options.directory);
  }

  /** Applies every pending migration once; used by `npm run migrate`. */
  async latest(): Promise<string[]> {
    await this.#prepareLock();
    const [, applied] = (await this.#db.migrate.latest({
      migrationSource: this.#source,
      tableName: this.#options.tableName,
    })) as [number, string[]];
    return applied;
  }

  /**
   * Creates knex's lock table with its one row, if missing, in a way replicas
   * racing on a fresh database cannot get wrong. knex checks that the table is
   * empty, then inserts: two replicas could insert a row each, and every lock
   * attempt after that failed ("Migration table is already locked") for good.
   * A `create` that loses its race fails this attempt, and the next one passes.
   */
  async #prepareLock(): Promise<void> {
    const lockTable = `${this.#options.tableName}_lock`;
    await this.#db.raw('create table if not exists ?? ("index" serial primary key, "is_locked" integer)', [lockTable]);
    await this.#db.raw('insert into ?? ("index", "is_locked") values (1, 0) on conflict do nothing', [lockTable]);
  }

  /**
   * The migrations this code ships that the database has not applied. Reads
   * only: knex's own `migrate.list()` would create its table.
   */
  async pending(): Promise<string[]> {
    return this.#pendingOf(await this.#shipped());
  }

  async #shipped(): Promise<string[]> {
    return (await this.#source.getMigrations()).map((file) => this.#source.getMigrationName(file));
  }

  async #pendingOf(names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    if (!(await this.#db.schema.hasTable(this.#options.tableName))) return names;
    const applied = new Set(await this.#db(this.#options.tableName).pluck<string[]>('name'));
    return names.filter((name) => !applied.has(name));
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
   * Fails readiness until the migrations have succeeded. It reads memory
   * only, so it needs no long cache window: with 10 ms, `/ready` passes at
   * most 10 ms after they have (a tenth of a start on a migrated database),
   * and a probe storm still runs it at most a hundred times a second, not
   * once a probe.
   */
  checker(): HealthChecker {
    return {
      name: 'migrations',
      // What is checked is the database's schema, whether this process applies it or the Job does.
      componentType: 'datastore',
      cacheMs: 10,
      check: async () => {
        if (this.#state === 'done') return;
        const reason = this.#lastError === undefined ? 'pending' : 'failed, retrying';
        throw new HealthCheckError(`migrations ${reason}`);
      },
    };
  }

  /**
   * For a service that does not migrate itself (MIGRATE_ON_START=false: the
   * migration Job does): fails readiness until the database has every
   * migration this code ships, so a new version takes no traffic on the old
   * schema. Once up to date it stops asking: a schema does not go back.
   */
  appliedChecker(): HealthChecker {
    let upToDate = false;
    return {
      name: 'migrations',
      componentType: 'datastore',
      check: async () => {
        if (upToDate) return;
        const pending = await this.pending();
        if (pending.length > 0) {
          throw new HealthCheckError(`${pending.length} migration(s) not applied yet: waiting for npm run migrate`);
        }
        upToDate = true;
      },
    };
  }

  /**
   * Whether the service ships migrations and the database has them all: a
   * restart on a migrated database, the usual start, then only reads what is
   * applied, where knex's latest() checks its tables and takes and frees its
   * lock every time. A service that ships none still runs latest(), which
   * proves the database reachable and writable before it is ready.
   */
  async #allApplied(): Promise<boolean> {
    const names = await this.#shipped();
    return names.length > 0 && (await this.#pendingOf(names)).length === 0;
  }

  async #retry(): Promise<void> {
    this.#state = 'running';
    // An embedded database that is still starting would fail each attempt and
    // back off past the moment it is ready; one that cannot start has said why.
    const stopped = new Promise<boolean>((resolve) =>
      this.#stopped.signal.addEventListener('abort', () => resolve(false), { once: true }),
    );
    if (!(await Promise.race([databaseStarted(this.#db).then(() => true), stopped]).catch(() => false))) return;
    let delayMs = this.#options.initialDelayMs;
    for (let attempt = 1; !this.#stopped.signal.aborted; attempt++) {
      try {
        const applied = (await this.#allApplied()) ? [] : await this.latest();
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
