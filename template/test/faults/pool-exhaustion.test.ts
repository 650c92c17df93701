import test, { type ExecutionContext } from 'ava';
import type { Knex } from 'knex';
import pg from 'pg';
import { SETTLE_MS, SLACK_MS } from '../helpers/bounds.js';
import { usingPostgres } from '../helpers/database.js';
import {
  checkEntry,
  createFaultApp,
  get,
  getUntil,
  leaks,
  metricValue,
  PG_ONLY,
  pool,
  scrape,
  waitUntil,
  type FaultApp,
} from './support.js';

/**
 * Every connection of the pool held by the service's own work: readiness must
 * still answer at once, report `warn` with the pool as its observed value (a
 * saturated pool is load, not an outage), and pass again once the work ends.
 * The checker's test holds connections it acquired itself; here the service's
 * queries hold them, an app request waits behind them, and it goes through HTTP.
 */
const pgTest = usingPostgres() ? test.serial : test.serial.skip;

const POOL_MAX = 2;
/** Long: a check that queued for a connection would show as slow, not be cut short. */
const TIMEOUT_MS = 10_000;

const opened: FaultApp[] = [];
test.after.always(async () => {
  for (const app of opened) await app.close().catch(() => {});
});

async function start(): Promise<FaultApp> {
  const app = await createFaultApp({
    DB_POOL_MAX: String(POOL_MAX),
    HEALTH_TIMEOUT_MS: String(TIMEOUT_MS),
    HEALTH_CACHE_MS: '0',
  });
  opened.push(app);
  return app;
}

/** `max` of the pool: DB_POOL_MAX on PostgreSQL, 1 on PGlite. */
const poolMax = (db: Knex) => pool(db).max;

/**
 * With every connection held by `hold` (which resolves once they are taken)
 * and an app request queued behind them: /ready is 200 `warn`, in time, and
 * shows the pool; after `release`, the queued request and the check pass.
 */
async function saturate(t: ExecutionContext, app: FaultApp, hold: () => Promise<void>, release: () => Promise<void>) {
  const max = poolMax(app.db);
  t.is((await get(app.callback, '/ready')).status, 200);
  await hold();
  t.truthy(await waitUntil(() => pool(app.db).used === max, SETTLE_MS), `used ${pool(app.db).used} of ${max}`);

  // An app request that needs a connection waits in the pool's queue.
  const queued = get(app.callback, '/faults/query');
  t.truthy(await waitUntil(() => pool(app.db).pending === 1, SETTLE_MS), 'the app request waits for a connection');

  const answers = [];
  for (const path of ['/ready', '/ready/database', '/ready']) {
    const answer = await get(app.callback, path);
    answers.push(answer);
    t.is(answer.status, 200, `${path}: ${answer.text}`);
    // At once: queued behind the held connections, it would wait until they are released.
    t.true(answer.ms < SLACK_MS, `${path} answered in ${answer.ms.toFixed(0)} ms`);
    t.is(answer.type, 'application/health+json');
    t.like(checkEntry(answer.body, 'database'), {
      status: 'warn',
      output: 'connection pool saturated',
      observedValue: { used: max, free: 0, pending: 1, max },
    });
  }
  t.is((answers[0]!.body as { status: string }).status, 'warn');
  for (const answer of answers) t.deepEqual(leaks(answer.text, app.databaseUrl), [], answer.text);
  t.log(`saturated: /ready ${answers.map((a) => a.ms.toFixed(0)).join(', ')} ms`);

  const samples = await scrape(app.callback);
  t.is(metricValue(samples, 'db_client_connections', { state: 'used' }), max);
  t.is(metricValue(samples, 'db_client_connection_pending_requests'), 1);
  t.is(metricValue(samples, 'health_check_status', { check: 'database' }), 0.5);

  await release();
  const served = await queued;
  t.is(served.status, 200, `the queued request is served once a connection is free: ${served.text}`);
  const back = await getUntil(
    app.callback,
    '/ready',
    (a) => a.status === 200 && checkEntry(a.body, 'database').status === 'pass',
    SETTLE_MS,
  );
  t.like(checkEntry(back.answer.body, 'database'), { status: 'pass', observedValue: { used: 0, pending: 0, max } });
  t.like(pool(app.db), { used: 0, pending: 0 });
}

pgTest(`long queries hold every connection: /ready 200 warn in time, pass after${PG_ONLY}`, async (t) => {
  const app = await start();
  t.is(poolMax(app.db), POOL_MAX);
  // Queries that last until the test lets them go: each waits for an advisory lock the test holds.
  const locker = new pg.Client({ connectionString: app.databaseUrl });
  await locker.connect();
  t.teardown(() => locker.end());
  await locker.query('select pg_advisory_lock(4711)');
  let waiting: Promise<unknown> | undefined;
  await saturate(
    t,
    app,
    async () => {
      waiting = Promise.all(Array.from({ length: POOL_MAX }, () => app.db.raw('select pg_advisory_xact_lock(4711)')));
    },
    async () => {
      await locker.query('select pg_advisory_unlock(4711)');
      await waiting;
    },
  );
});

test.serial('long-held transactions hold every connection: /ready 200 warn in time, pass after', async (t) => {
  // On PGlite (one connection) a pg_sleep would block the event loop: a transaction holds it instead.
  const app = await start();
  const max = poolMax(app.db);
  t.is(max, usingPostgres() ? POOL_MAX : 1);
  const transactions: Knex.Transaction[] = [];
  t.teardown(async () => {
    for (const trx of transactions) if (!trx.isCompleted()) await trx.rollback().catch(() => {});
  });
  await saturate(
    t,
    app,
    async () => {
      for (let i = 0; i < max; i++) {
        const trx = await app.db.transaction();
        await trx.raw('select 1');
        transactions.push(trx);
      }
    },
    async () => {
      for (const trx of transactions) await trx.commit();
    },
  );
});
