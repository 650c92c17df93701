import knex, { type Knex } from 'knex';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { RepeatedFailures } from '../logging/repeated-failures.js';
import { safeText } from '../safe-text.js';
import { EmbeddedClient, type EmbeddedClientConfig } from './embedded-client.js';
import { EmbeddedServer } from './embedded-server.js';

/**
 * The knex instance, through pg either way: PostgreSQL when DATABASE_URL is
 * set, else an embedded PostgreSQL (PGlite), started here in a process of its
 * own (embedded-server.ts), so the service runs with no database server.
 * Building it opens no connection: the pool connects on first use.
 */
export function createDatabase(config: Config, logger: Logger): Knex {
  // In an outage knex warns on every failed acquire: each kind once, then once a minute with the count.
  const failures = new RepeatedFailures(logger);
  const knexLog = (level: 'warn' | 'error', msg: string) => (message: unknown) => {
    const line = safeText(String(message).split('\n')[0] ?? '', 1024);
    failures.log(level, line, { knex: line }, msg);
  };
  const common = {
    // Errors carry the SQL but not its bound values, which may be personal data.
    compileSqlOnError: false,
    // knex writes its warnings (a failed acquire, with a stack) to the console otherwise.
    log: {
      warn: knexLog('warn', 'knex warning'),
      error: knexLog('error', 'knex error'),
      deprecate: (method: unknown, alternative: unknown) => logger.warn({ method, alternative }, 'knex deprecation'),
      debug: (message: unknown) => logger.debug({ knex: message }, 'knex debug'),
    },
  };
  if (config.databaseUrl) {
    return knex({
      ...common,
      client: 'pg',
      connection: {
        connectionString: config.databaseUrl,
        // A server that accepts and never answers must not hold a pool slot for long.
        connectionTimeoutMillis: config.dbConnectTimeoutMs,
        // Server side, so the connection stays usable: the statement fails with 57014.
        ...(config.dbStatementTimeoutMs > 0 && { statement_timeout: config.dbStatementTimeoutMs }),
      },
      pool: {
        // min 0: a database that is down at start is a readiness failure, not a crash.
        min: 0,
        max: config.dbPoolMax,
        // The pool makes no new attempt while one is pending: an attempt left
        // hanging by a partition delays every acquire after the network heals
        // until it times out. Bounding it by the connect timeout bounds that.
        createTimeoutMillis: config.dbConnectTimeoutMs,
      },
      acquireConnectionTimeout: config.dbAcquireTimeoutMs,
    });
  }
  // PGlite is a single backend: one connection, which migrations and checks share.
  const server = new EmbeddedServer(config.pgliteDataDir, logger);
  const embedded: EmbeddedClientConfig = {
    ...common,
    client: EmbeddedClient,
    embeddedServer: server,
    connection: () => server.connection(config.dbConnectTimeoutMs),
    pool: { min: 0, max: 1, createTimeoutMillis: config.dbConnectTimeoutMs },
    acquireConnectionTimeout: config.dbAcquireTimeoutMs,
  };
  return knex(embedded);
}

/** One line for the log that says which database is in use, without credentials. */
export function describeDatabase(config: Config): string {
  if (!config.databaseUrl) return `PGlite (embedded) at ${config.pgliteDataDir}`;
  const url = new URL(config.databaseUrl);
  return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}
