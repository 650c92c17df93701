import { ConfigError, loadConfig } from '../config.js';
import { readServiceIdentity } from '../service.js';
import { createLogger } from '../logger.js';
import { createDatabase, describeDatabase } from './database.js';
import { databaseStarted } from './embedded-client.js';
import { Migrator } from './migrator.js';

/**
 * `npm run migrate` (and the Kubernetes Job): applies every pending migration
 * once and exits 0, or 1 on failure, with the same configuration as the service.
 */
async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const logger = createLogger(config, readServiceIdentity());
  // A migration may rightly run longer than any request's statement (an index on a large table).
  const db = createDatabase({ ...config, dbStatementTimeoutMs: 0 }, logger);
  try {
    logger.info(`migrating ${describeDatabase(config)}`);
    await databaseStarted(db);
    const applied = await new Migrator(db, logger).latest();
    logger.info({ applied }, `migrations up to date (${applied.length} applied)`);
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'migrations failed');
    return 1;
  } finally {
    await db.destroy();
  }
}

process.exitCode = await main();
