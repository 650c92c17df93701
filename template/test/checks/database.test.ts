import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import type { Knex } from 'knex';
import pg from 'pg';
import pino from 'pino';
import { createDatabaseChecker } from '../../src/checks/database.js';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { databaseStarted } from '../../src/db/embedded-client.js';
import { poolOf, poolStats, type ConnectionPool, type PoolStats } from '../../src/db/pool.js';
import { HealthRegistry } from '../../src/health/registry.js';
import type { CheckResult, HealthReport } from '../../src/health/types.js';
import { SETTLE_MS, SLACK_MS } from '../helpers/bounds.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../helpers/database.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Tests that need a PostgreSQL server: a TCP proxy in front of it, or
 * `pg_sleep` (PGlite runs in-process, where it would block the event loop).
 */
const pgTest = usingPostgres() ? test.serial : test.serial.skip;
const PG_ONLY = ' [PostgreSQL only: skipped without DATABASE_URL]';

const logger = pino({ level: 'silent' });
/** The health timeout of the tests about a database that hangs. */
const TIMEOUT_MS = 500;
/** The others': long enough that only a hang reaches it, however busy the machine. */
const PATIENT_TIMEOUT_MS = 10_000;
/** Knex's pool size: DB_POOL_MAX's default on PostgreSQL; PGlite has one connection. */
const POOL_MAX = usingPostgres() ? 10 : 1;

let testDatabase: TestDatabase;
let db: Knex;
const opened: Knex[] = [];
const proxies: { stop(): Promise<void> }[] = [];

test.before(async () => {
  testDatabase = await createTestDatabase();
  db = createDatabase(loadConfig({ ...testDatabase.env, LOG_LEVEL: 'silent' }), logger);
  await databaseStarted(db);
  await db.raw('select 1');
});

test.after.always(async () => {
  for (const instance of opened) await instance.destroy().catch(() => {});
  for (const proxy of proxies) await proxy.stop().catch(() => {});
  await db?.destroy();
  await testDatabase?.drop();
});

function pool(instance: Knex): ConnectionPool {
  const found = poolOf(instance);
  if (!found) throw new Error('the knex instance has no pool');
  return found;
}

function registryFor(instance: Knex, timeoutMs = PATIENT_TIMEOUT_MS): HealthRegistry {
  const registry = new HealthRegistry({ timeoutMs, cacheMs: 0 });
  registry.register(createDatabaseChecker(instance));
  return registry;
}

async function timedReport(
  registry: HealthRegistry,
): Promise<{ report: HealthReport; result: CheckResult; ms: number }> {
  const started = performance.now();
  const report = await registry.report();
  return { report, result: report.checks.database!, ms: performance.now() - started };
}

/** Reports until the check passes or `withinMs` is over; returns the last report. */
async function reportUntilPass(registry: HealthRegistry, withinMs: number) {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const timed = await timedReport(registry);
    if (timed.result.status === 'pass' || performance.now() > deadline) return timed;
    await sleep(100);
  }
}

async function waitFor(condition: () => boolean, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** A database URL on the same server through another host port, with a password that must never be shown. */
function proxiedUrl(port: number): string {
  const url = new URL(testDatabase.env.DATABASE_URL!);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  url.username = 'postgres';
  url.password = 'pw-secret-4711';
  return url.toString();
}

function upstream(): { host: string; port: number } {
  const url = new URL(process.env.DATABASE_URL!);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

function proxiedDatabase(port: number): Knex {
  const instance = createDatabase(loadConfig({ DATABASE_URL: proxiedUrl(port), LOG_LEVEL: 'silent' }), logger);
  opened.push(instance);
  return instance;
}

function assertSafeOutput(t: { false(actual: boolean, message?: string): void }, output: string, port: number) {
  for (const secret of [
    '127.0.0.1',
    'localhost',
    `:${port}`,
    String(port),
    'pw-secret-4711',
    'postgres://',
    'postgres@',
  ]) {
    t.false(output.includes(secret), `output ${JSON.stringify(output)} reveals ${secret}`);
  }
}

const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);

test.serial('passes on the test database, observing the pool in connections', async (t) => {
  const checker = createDatabaseChecker(db);
  t.is(checker.name, 'database');
  const outcome = await checker.check(new AbortController().signal);
  t.truthy(outcome);
  t.is(outcome!.status, undefined, 'no status means pass');
  t.is(outcome!.observedUnit, 'connections');
  const observed = outcome!.observedValue as PoolStats;
  t.deepEqual(Object.keys(observed).sort(), ['free', 'max', 'pending', 'used']);
  for (const key of ['used', 'free', 'pending', 'max'] as const) t.true(isNumber(observed[key]), `${key} is a number`);
  t.is(observed.max, POOL_MAX);
  t.is(observed.pending, 0);

  const { report, result } = await timedReport(registryFor(db));
  t.is(report.status, 'pass', JSON.stringify(report));
  t.is(result.status, 'pass');
  t.is(result.observedUnit, 'connections');
  t.is((result.observedValue as PoolStats).max, POOL_MAX);
  // The check gives its connection back.
  t.is(poolStats(pool(db)).used, 0);
});

test.serial('warns at once when every connection is busy, and passes once they are released', async (t) => {
  const connections = await Promise.all(Array.from({ length: POOL_MAX }, () => pool(db).acquire().promise));
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    for (const connection of connections) pool(db).release(connection);
  };
  t.teardown(release);
  t.is(poolStats(pool(db)).used, POOL_MAX);

  const checker = createDatabaseChecker(db);
  const started = performance.now();
  const outcome = await checker.check(new AbortController().signal);
  const ms = performance.now() - started;
  t.is(outcome?.status, 'warn');
  t.is(outcome?.output, 'connection pool saturated');
  t.is(outcome?.observedUnit, 'connections');
  t.like(outcome?.observedValue, { used: POOL_MAX, free: 0, max: POOL_MAX });
  // Queued for a connection, it would wait until the test releases them (after this).
  t.true(ms < SLACK_MS, `answered in ${ms.toFixed(0)} ms: it must not queue for a connection`);
  // It did not leave an acquire behind in the pool's queue.
  t.is(poolStats(pool(db)).pending, 0);

  const registry = registryFor(db);
  const saturated = await timedReport(registry);
  t.is(saturated.report.status, 'warn', 'a saturated pool warns: readiness stays up');
  t.is(saturated.result.status, 'warn');
  t.true(saturated.ms < SLACK_MS, `report took ${saturated.ms.toFixed(0)} ms`);

  release();
  const after = await timedReport(registry);
  t.is(after.result.status, 'pass', JSON.stringify(after.result));
  t.is(poolStats(pool(db)).used, 0);
});

pgTest(`warns while long queries hold every connection, and passes after they finish${PG_ONLY}`, async (t) => {
  // Queries that last until the test lets them go: each waits for an advisory lock the test holds.
  const locker = new pg.Client({ connectionString: testDatabase.env.DATABASE_URL });
  await locker.connect();
  t.teardown(() => locker.end());
  await locker.query('select pg_advisory_lock(4711)');
  const sleeping = Promise.all(Array.from({ length: POOL_MAX }, () => db.raw('select pg_advisory_xact_lock(4711)')));
  t.true(await waitFor(() => poolStats(pool(db)).used === POOL_MAX, SETTLE_MS), 'the queries hold every connection');

  const registry = registryFor(db);
  const busy = await timedReport(registry);
  t.is(busy.result.status, 'warn', JSON.stringify(busy.result));
  t.is(busy.result.output, 'connection pool saturated');
  t.true(busy.ms < SLACK_MS, `report took ${busy.ms.toFixed(0)} ms`);

  await locker.query('select pg_advisory_unlock(4711)');
  await sleeping;
  const after = await timedReport(registry);
  t.is(after.result.status, 'pass', JSON.stringify(after.result));
});

test('fails with a safe message when the database refuses connections', async (t) => {
  // Nothing listens on port 1: the pg driver is refused at once, with or without a server.
  const url = 'postgres://postgres:pw-secret-4711@127.0.0.1:1/nothing';
  const refused = createDatabase(loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent' }), logger);
  opened.push(refused);
  const { report, result, ms } = await timedReport(registryFor(refused));
  t.is(report.status, 'fail');
  t.is(result.status, 'fail');
  t.is(result.output, 'connection refused (ECONNREFUSED)');
  assertSafeOutput(t, result.output ?? '', 1);
  t.true(ms < PATIENT_TIMEOUT_MS, `refused in ${ms.toFixed(0)} ms, before the timeout`);
  t.like(poolStats(pool(refused)), { used: 0, pending: 0 });
});

test('fails, without throwing from the registry, once the database is destroyed', async (t) => {
  const closed = createDatabase(
    loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing', LOG_LEVEL: 'silent' }),
    logger,
  );
  await closed.destroy();
  const { result } = await timedReport(registryFor(closed));
  t.is(result.status, 'fail');
  t.is(result.output, 'database connection closed');
});

pgTest(
  `through a proxy: refused, back, hung, back — each answered in time, no connection left busy${PG_ONLY}`,
  async (t) => {
    const proxy = await new TcpProxy(upstream()).start('forward');
    proxies.push(proxy);
    const proxied = proxiedDatabase(proxy.port);
    const registry = registryFor(proxied);
    const hungRegistry = registryFor(proxied, TIMEOUT_MS);

    // Refused: the driver's ECONNREFUSED, told without host, port or password.
    await proxy.setMode('refuse');
    const refused = await timedReport(registry);
    t.is(refused.report.status, 'fail');
    t.is(refused.result.status, 'fail');
    t.regex(refused.result.output ?? '', /connection refused|ECONNREFUSED/);
    assertSafeOutput(t, refused.result.output ?? '', proxy.port);
    t.true(refused.ms < PATIENT_TIMEOUT_MS, `refused reported in ${refused.ms.toFixed(0)} ms, before the timeout`);
    t.log(`refused: ${refused.result.output} in ${refused.ms.toFixed(0)} ms`);

    // Back: passes again.
    await proxy.setMode('forward');
    const back = await reportUntilPass(registry, SETTLE_MS);
    t.is(back.result.status, 'pass', `after forward: ${JSON.stringify(back.result)}`);

    // Hung (accepts, never answers): every report fails at the timeout, not later.
    await proxy.setMode('blackhole');
    const outputs: string[] = [];
    for (let run = 1; run <= 3; run++) {
      const hung = await timedReport(hungRegistry);
      t.is(hung.result.status, 'fail', `blackhole report ${run}: ${JSON.stringify(hung.result)}`);
      t.true(hung.ms <= TIMEOUT_MS + SLACK_MS, `blackhole report ${run} took ${hung.ms.toFixed(0)} ms`);
      t.true(
        hung.result.durationMs <= TIMEOUT_MS + SLACK_MS,
        `blackhole check ${run} ran ${hung.result.durationMs} ms`,
      );
      assertSafeOutput(t, hung.result.output ?? '', proxy.port);
      t.log(`blackhole report ${run}: ${hung.result.output} in ${hung.ms.toFixed(0)} ms`);
      outputs.push(hung.result.output ?? '');
    }
    // The first report may meet the connection the proxy just cut; the next ones hang until the timeout.
    t.true(outputs.includes(`timed out after ${TIMEOUT_MS} ms`), `outputs: ${JSON.stringify(outputs)}`);

    // Back again: passes, and the aborted checks left no connection busy nor queued.
    await proxy.setMode('forward');
    const recovered = await reportUntilPass(registry, SETTLE_MS);
    t.is(recovered.result.status, 'pass', `after blackhole: ${JSON.stringify(recovered.result)}`);
    const stats = poolStats(pool(proxied));
    t.is(stats.used, 0, `pool after recovery: ${JSON.stringify(stats)}`);
    t.is(stats.pending, 0, `pool after recovery: ${JSON.stringify(stats)}`);
  },
);

/**
 * Forwards like TcpProxy, but `freeze()` keeps every connection open while
 * swallowing its bytes, so a connection already idle in the pool hangs on its
 * next query. (TcpProxy's `setMode('blackhole')` cuts existing connections,
 * which the pool notices before the check runs.)
 */
class FreezingProxy {
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<[net.Socket, net.Socket]>();
  readonly #server = net.createServer((client) => this.#accept(client));
  #frozen = false;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.#server.address() as net.AddressInfo).port;
    return this;
  }

  /** Client connections still open. */
  get openConnections(): number {
    return [...this.#pairs].filter(([client]) => !client.destroyed).length;
  }

  freeze(): void {
    this.#frozen = true;
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.resume();
      upstream.resume();
    }
  }

  /** Forwards again; connections that were frozen are cut. */
  thaw(): void {
    this.#frozen = false;
    for (const [client, upstream] of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  async stop(): Promise<void> {
    this.thaw();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    const upstream = net.connect(this.#target.port, this.#target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.#pairs.add(pair);
    for (const socket of pair) socket.on('error', () => socket.destroy());
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.#pairs.delete(pair);
    };
    client.on('close', end);
    upstream.on('close', end);
    if (this.#frozen) {
      client.resume();
      upstream.resume();
      return;
    }
    client.pipe(upstream).pipe(client);
  }
}

pgTest(
  `a select 1 stuck on an idle pooled connection is aborted at the timeout and its connection closed${PG_ONLY}`,
  async (t) => {
    const proxy = await new FreezingProxy(upstream()).start();
    proxies.push(proxy);
    const proxied = proxiedDatabase(proxy.port);
    const registry = registryFor(proxied, TIMEOUT_MS);

    const first = await timedReport(registryFor(proxied));
    t.is(first.result.status, 'pass', JSON.stringify(first.result));
    t.like(poolStats(pool(proxied)), { used: 0, free: 1 });
    t.is(proxy.openConnections, 1, 'one connection idle in the pool');

    proxy.freeze();
    const stuck = await timedReport(registry);
    t.is(stuck.result.status, 'fail', JSON.stringify(stuck.result));
    t.is(stuck.result.output, `timed out after ${TIMEOUT_MS} ms`);
    t.true(stuck.ms <= TIMEOUT_MS + SLACK_MS, `stuck report took ${stuck.ms.toFixed(0)} ms`);
    // The check closed the connection instead of leaving it busy on a query that never ends.
    t.true(await waitFor(() => proxy.openConnections === 0, SETTLE_MS), 'the stuck connection is closed');
    t.true(
      await waitFor(() => poolStats(pool(proxied)).used === 0, SETTLE_MS),
      'the stuck connection is not counted as used',
    );

    proxy.thaw();
    const recovered = await reportUntilPass(registryFor(proxied), SETTLE_MS);
    t.is(recovered.result.status, 'pass', JSON.stringify(recovered.result));
    t.like(poolStats(pool(proxied)), { used: 0, pending: 0 });
  },
);
