import {
  asFunction,
  asValue,
  createContainer,
  InjectionMode,
  type AwilixContainer,
  type BuildResolverOptions,
} from 'awilix';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { registerCheckers } from './checks/index.js';
import type { Config } from './config.js';
import { createDatabase } from './db/database.js';
import { Migrator } from './db/migrator.js';
import { bindModels } from './db/models.js';
import { HealthRegistry } from './health/registry.js';
import { createLogger } from './logger.js';
import { RepeatedFailures } from './logging/repeated-failures.js';
import { registerPoolMetrics } from './metrics/db-pool-metrics.js';
import { instrumentQueries } from './metrics/db-query-metrics.js';
import { createErrorMetrics, type ErrorMetrics } from './metrics/error-metrics.js';
import { registerHealthMetrics } from './metrics/health-metrics.js';
import { createMetricsRegistry } from './metrics/registry.js';
import { createGreetingMetrics, type GreetingMetrics } from './modules/greetings/metrics.js';
import { readServiceIdentity, type ServiceIdentity } from './service.js';

/** Everything the container holds, by name: what a provider or a route may ask for. */
export interface Cradle {
  config: Config;
  service: ServiceIdentity;
  logger: Logger;
  /** The app's own Prometheus registry; modules add their metrics to it. */
  metrics: Registry;
  errorMetrics: ErrorMetrics;
  db: Knex;
  migrator: Migrator;
  health: HealthRegistry;
  greetingMetrics: GreetingMetrics;
}

export type AppContainer = AwilixContainer<Cradle>;

const singleton = { lifetime: 'SINGLETON' } as const satisfies BuildResolverOptions<unknown>;

/**
 * Registers every provider of the service. Nothing is built here: each
 * provider runs on first use, so tests can replace one before that.
 */
export function createAppContainer(config: Config): AppContainer {
  const container = createContainer<Cradle>({ injectionMode: InjectionMode.PROXY, strict: true });
  container.register({
    config: asValue(config),
    service: asValue(readServiceIdentity()),
    logger: asFunction(({ config, service }: Cradle) => createLogger(config, service), singleton),
    metrics: asFunction(({ service }: Cradle) => createMetricsRegistry(service), singleton),
    errorMetrics: asFunction(({ metrics }: Cradle) => createErrorMetrics(metrics), singleton),
    db: asFunction(({ config, logger, metrics }: Cradle) => {
      const db = createDatabase(config, logger);
      instrumentQueries(db, metrics);
      registerPoolMetrics(db, metrics);
      bindModels(db);
      return db;
    }, singleton).disposer((db) => db.destroy()),
    migrator: asFunction(({ db, logger }: Cradle) => new Migrator(db, logger), singleton).disposer((migrator) =>
      migrator.stop(),
    ),
    health: asFunction((cradle: Cradle) => {
      // A dependency that is down fails every run: log it once, then once a minute with the count.
      const failures = new RepeatedFailures(cradle.logger);
      // Until the start-up migrations have succeeded, failing is the expected state (migrations
      // pending, an embedded database still starting): an info line per kind, without a stack.
      // A real cause, such as a database that is down, is the migrator's warning meanwhile.
      const starting = new RepeatedFailures(cradle.logger);
      const isStarting = () => cradle.config.migrateOnStart && !cradle.migrator.done;
      const health = new HealthRegistry({
        timeoutMs: cradle.config.healthTimeoutMs,
        cacheMs: cradle.config.healthCacheMs,
        onFailure: (check, err) =>
          isStarting()
            ? starting.log('info', check, { check, err }, 'health check not passing yet: starting')
            : failures.log('warn', check, { check, err }, 'health check failed'),
      });
      registerHealthMetrics(cradle.metrics, health);
      registerCheckers(health, cradle);
      return health;
    }, singleton),
    greetingMetrics: asFunction(createGreetingMetrics, singleton),
  });
  return container;
}

/**
 * Disposes the built providers in the reverse of the order they were built
 * (awilix's own `dispose()` runs them all at once): the migrator stops before
 * the database it uses is closed.
 */
export async function disposeContainer(container: AppContainer): Promise<void> {
  const built = [...container.cache.values()].reverse();
  container.cache.clear();
  for (const { resolver, value } of built) {
    const { dispose } = resolver as { dispose?: (value: unknown) => unknown };
    if (dispose) await dispose(value);
  }
}
