import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import type { Knex } from 'knex';
import pino from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { databaseStarted } from '../../src/db/embedded-client.js';
import { poolOf, type ConnectionPool } from '../../src/db/pool.js';
import { registerPoolMetrics } from '../../src/metrics/db-pool-metrics.js';
import { SETTLE_MS } from '../helpers/bounds.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../helpers/database.js';

/** DB_POOL_MAX's default on PostgreSQL; PGlite has a single connection. */
const POOL_MAX = usingPostgres() ? 10 : 1;

let testDatabase: TestDatabase;
let db: Knex;
let registry: Registry;

test.before(async () => {
  testDatabase = await createTestDatabase();
  db = createDatabase(loadConfig({ ...testDatabase.env, LOG_LEVEL: 'silent' }), pino({ level: 'silent' }));
  await databaseStarted(db);
  registry = new Registry();
  registerPoolMetrics(db, registry);
  await db.raw('select 1');
});

test.after.always(async () => {
  await db?.destroy();
  await testDatabase?.drop();
});

function pool(): ConnectionPool {
  const found = poolOf(db);
  if (!found) throw new Error('the database is destroyed');
  return found;
}

interface Scrape {
  used: number;
  idle: number;
  max: number;
  pending: number;
}

/** Reads the gauges as a scrape does: through the registry's collect(). */
async function scrape(): Promise<Scrape> {
  const json = await registry.getMetricsAsJSON();
  const byName = new Map(json.map((metric) => [metric.name, metric]));
  const value = (name: string, state?: string): number => {
    const metric = byName.get(name);
    if (!metric) throw new Error(`${name} is not registered`);
    const found = metric.values.find((entry) => state === undefined || entry.labels.state === state);
    if (!found) throw new Error(`${name}${state ? `{state="${state}"}` : ''} has no value`);
    return found.value;
  };
  return {
    used: value('db_client_connections', 'used'),
    idle: value('db_client_connections', 'idle'),
    max: value('db_client_connection_max'),
    pending: value('db_client_connection_pending_requests'),
  };
}

async function waitFor(condition: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (!(await condition())) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

test.serial('the three gauges are exposed as gauges, connections by state', async (t) => {
  const text = await registry.metrics();
  t.true(text.includes('# TYPE db_client_connections gauge'));
  t.true(text.includes('# TYPE db_client_connection_max gauge'));
  t.true(text.includes('# TYPE db_client_connection_pending_requests gauge'));
  t.regex(text, /^db_client_connections\{state="idle"\} \d+$/m);
  t.regex(text, /^db_client_connections\{state="used"\} \d+$/m);
});

test.serial('db_client_connection_max is the pool size', async (t) => {
  t.is((await scrape()).max, POOL_MAX);
  t.is(pool().max, POOL_MAX);
});

test.serial('used connections go up while held and back down after', async (t) => {
  const idle = await scrape();
  t.is(idle.used, 0);
  t.true(idle.idle >= 1, 'the connection opened in before() is idle');

  const connection = await pool().acquire().promise;
  const holding = await scrape();
  t.is(holding.used, 1);
  t.is(holding.idle, idle.idle - 1);

  pool().release(connection);
  const released = await scrape();
  t.is(released.used, 0);
  t.is(released.idle, idle.idle);
});

test.serial('a query waiting for a connection is a pending request', async (t) => {
  const connections = await Promise.all(Array.from({ length: POOL_MAX }, () => pool().acquire().promise));
  let released = false;
  const release = () => {
    if (!released) for (const connection of connections) pool().release(connection);
    released = true;
  };
  t.teardown(release);

  const full = await scrape();
  t.like(full, { used: POOL_MAX, idle: 0, pending: 0 });

  // A thenable: `then` runs the query, which queues for a connection.
  const waitingResult = db.raw('select 1 as waited').then((result: unknown) => result);
  t.true(
    await waitFor(async () => (await scrape()).pending === 1, SETTLE_MS),
    `pending never reached 1: ${JSON.stringify(await scrape())}`,
  );

  release();
  await waitingResult;
  t.true(await waitFor(async () => (await scrape()).pending === 0, SETTLE_MS), 'the waiting query got its connection');
  t.is((await scrape()).used, 0);
});

test.serial('after db.destroy() a scrape still works and reads zero', async (t) => {
  await db.destroy();
  t.is(poolOf(db), undefined);
  await t.notThrowsAsync(registry.metrics());
  t.deepEqual(await scrape(), { used: 0, idle: 0, max: 0, pending: 0 });
  const text = await registry.metrics();
  t.regex(text, /^db_client_connection_max 0$/m);
  t.regex(text, /^db_client_connections\{state="used"\} 0$/m);
});
