import type Koa from 'koa';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createAppContainer, disposeContainer, type AppContainer } from '../../src/container.js';
import { databaseStarted } from '../../src/db/embedded-client.js';
import { createTestDatabase } from './database.js';

export interface TestApp {
  container: AppContainer;
  app: Koa;
  /** The server callback, for supertest. */
  callback: ReturnType<Koa['callback']>;
  close(): Promise<void>;
}

/**
 * The whole service on a database of its own (PostgreSQL when DATABASE_URL is
 * set, else in-memory PGlite), with logs off. `env` overrides variables.
 */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent', ...database.env, ...env });
  const container = createAppContainer(config);
  const app = createApp(container);
  // Tests use the database at once; the embedded one takes seconds to start.
  await databaseStarted(container.cradle.db);
  return {
    container,
    app,
    callback: app.callback(),
    async close() {
      await disposeContainer(container);
      await database.drop();
    },
  };
}

/** Resolves once migrations have run, so `/ready` can pass. */
export async function migrated(testApp: TestApp): Promise<TestApp> {
  await testApp.container.cradle.migrator.start();
  return testApp;
}
