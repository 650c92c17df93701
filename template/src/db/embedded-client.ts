import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import type { EmbeddedServer } from './embedded-server.js';

// knex's PostgreSQL dialect, the one `client: 'pg'` names: the embedded
// database is reached exactly as PostgreSQL is, through pg.
const PgClient = createRequire(import.meta.url)('knex/lib/dialects/postgres/index.js') as typeof Knex.Client;

export interface EmbeddedClientConfig extends Knex.Config {
  embeddedServer: EmbeddedServer;
}

/**
 * knex's pg client, bound to the embedded database's process: destroying the
 * knex instance (the service's shutdown, the end of `npm run migrate`)
 * closes the pool first, then stops the database.
 */
export class EmbeddedClient extends PgClient {
  readonly server: EmbeddedServer;

  constructor(config: EmbeddedClientConfig) {
    super(config);
    this.server = config.embeddedServer;
  }

  override async destroy(callback?: (error?: unknown) => void): Promise<void> {
    try {
      await super.destroy(undefined);
    } finally {
      await this.server.stop();
    }
    callback?.();
  }
}

/**
 * Resolves once the database can take connections: at once for PostgreSQL
 * (whose availability the pool finds out on use), when the embedded one has
 * started for PGlite; rejects if the embedded one cannot start.
 */
export function databaseStarted(db: Knex): Promise<void> {
  return db.client instanceof EmbeddedClient ? db.client.server.started : Promise.resolve();
}
