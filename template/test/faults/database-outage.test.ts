import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
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
  poll,
  scrape,
  waitUntil,
  type Answer,
  type FaultApp,
} from './support.js';

/**
 * The database fails under the running service (createApp in process, its
 * PostgreSQL behind a TcpProxy): refused, hung, lost in the middle of a query.
 * The checker's own tests stop at the registry; these go through HTTP: the
 * probes, the error responses and the metrics a scrape would see.
 */
const pgTest = usingPostgres() ? test.serial : test.serial.skip;

const opened: FaultApp[] = [];
test.after.always(async () => {
  for (const app of opened) await app.close().catch(() => {});
});

async function start(env: Record<string, string> = {}): Promise<FaultApp & { proxy: NonNullable<FaultApp['proxy']> }> {
  const app = await createFaultApp(env);
  opened.push(app);
  if (!app.proxy) throw new Error('a proxy needs PostgreSQL');
  return app as FaultApp & { proxy: NonNullable<FaultApp['proxy']> };
}

function assertClean(t: ExecutionContext, answers: Answer[], url?: string) {
  for (const answer of answers) t.deepEqual(leaks(answer.text, url), [], `leak in ${answer.status} ${answer.text}`);
}

pgTest(
  `refused: /ready 503, /healthz 200 throughout, /ready 200 again once the database returns${PG_ONLY}`,
  async (t) => {
    // The defaults: HEALTH_TIMEOUT_MS 800, HEALTH_CACHE_MS 1000 (a cached pass may be served meanwhile).
    const app = await start();
    const ready = await getUntil(app.callback, '/ready', (a) => a.status === 200, SETTLE_MS);
    t.is(ready.answer.status, 200, ready.answer.text);

    const liveness = poll(
      async () => ({ refused: app.proxy.mode === 'refuse', ...(await get(app.callback, '/healthz')) }),
      100,
    );
    try {
      await app.proxy.setMode('refuse');
      // No cached pass outlives the outage; how soon it turns is the benchmark's to measure.
      const down = await getUntil(app.callback, '/ready', (a) => a.status === 503, SETTLE_MS);
      t.is(down.answer.status, 503, down.answer.text);
      t.is(down.answer.type, 'application/health+json');
      t.like(checkEntry(down.answer.body, 'database'), { status: 'fail', output: 'connection refused (ECONNREFUSED)' });
      t.log(`refused: /ready 503 after ${down.ms.toFixed(0)} ms (${down.answers.length} probes)`);

      // Still down a while later: every probe fails, fast (refused is immediate).
      await sleep(1200);
      const again = await get(app.callback, '/ready');
      t.is(again.status, 503);
      const one = await get(app.callback, '/ready/database');
      t.is(one.status, 503);
      assertClean(t, [...down.answers, again, one], app.databaseUrl);

      await app.proxy.setMode('forward');
      const back = await getUntil(app.callback, '/ready', (a) => a.status === 200, SETTLE_MS);
      t.is(back.answer.status, 200, back.answer.text);
      t.log(`forward: /ready 200 after ${back.ms.toFixed(0)} ms`);
    } finally {
      const probes = await liveness.stop();
      t.true(probes.filter((p) => p.refused).length >= 2, `${probes.length} liveness probes, too few while refused`);
      t.deepEqual(
        probes.filter((p) => p.status !== 200).map((p) => p.status),
        [],
        '/healthz 200 on every probe',
      );
      // Not held by the database (a refused connection fails at once, a hung one in 5 s or more).
      t.true(
        probes.every((p) => p.ms < SLACK_MS),
        `slowest /healthz ${Math.max(...probes.map((p) => p.ms)).toFixed(0)} ms`,
      );
    }
  },
);

pgTest(
  `blackhole: every /ready 503 at HEALTH_TIMEOUT_MS, not the database's timeouts; after healing 200, pool idle${PG_ONLY}`,
  async (t) => {
    const timeoutMs = 600;
    const app = await start({ HEALTH_TIMEOUT_MS: String(timeoutMs), HEALTH_CACHE_MS: '0' });
    t.is((await get(app.callback, '/ready')).status, 200);

    await app.proxy.setMode('blackhole');
    const answers: Answer[] = [];
    for (const path of ['/ready', '/ready', '/ready/database', '/ready', '/ready']) {
      const answer = await get(app.callback, path);
      answers.push(answer);
      t.is(answer.status, 503, `${path}: ${answer.text}`);
      t.true(answer.ms <= timeoutMs + SLACK_MS, `${path} answered in ${answer.ms.toFixed(0)} ms`);
      t.is(checkEntry(answer.body, 'database').status, 'fail');
    }
    // Concurrent probes share one run of the check: all answered within the bound too.
    const concurrent = await Promise.all([1, 2, 3].map(() => get(app.callback, '/ready')));
    for (const answer of concurrent) {
      t.is(answer.status, 503);
      t.true(answer.ms <= timeoutMs + SLACK_MS, `concurrent /ready answered in ${answer.ms.toFixed(0)} ms`);
    }
    const outputs = [...answers, ...concurrent].map((a) => checkEntry(a.body, 'database').output);
    t.true(outputs.includes(`timed out after ${timeoutMs} ms`), JSON.stringify(outputs));
    t.log(`blackhole outputs: ${JSON.stringify([...new Set(outputs)])}`);
    t.log(`blackhole times: ${[...answers, ...concurrent].map((a) => a.ms.toFixed(0)).join(', ')} ms`);
    t.is((await get(app.callback, '/healthz')).status, 200);
    assertClean(t, [...answers, ...concurrent], app.databaseUrl);

    await app.proxy.setMode('forward');
    const back = await getUntil(app.callback, '/ready', (a) => a.status === 200, SETTLE_MS);
    t.is(back.answer.status, 200, back.answer.text);
    t.log(`healed: /ready 200 after ${back.ms.toFixed(0)} ms`);

    const samples = await scrape(app.callback);
    t.is(metricValue(samples, 'db_client_connections', { state: 'used' }), 0, 'no connection left used');
    t.is(metricValue(samples, 'db_client_connection_pending_requests'), 0, 'no acquire left pending');
    t.like(pool(app.db), { used: 0, pending: 0 });
  },
);

/** The `db_client_operation_duration_seconds` counts of `raw` operations, by error_type. */
function rawOperationsByError(samples: Awaited<ReturnType<typeof scrape>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) {
    if (s.name === 'db_client_operation_duration_seconds_count' && s.labels.db_operation_name === 'raw') {
      counts[s.labels.error_type ?? ''] = s.value;
    }
  }
  return counts;
}

function serviceErrors(samples: Awaited<ReturnType<typeof scrape>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of samples) if (s.name === 'service_errors_total') counts[s.labels.error_type ?? ''] = s.value;
  return counts;
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    if (value !== (before[key] ?? 0)) changed[key] = value - (before[key] ?? 0);
  }
  return changed;
}

/**
 * Runs `/faults/sleep/5` (a `select pg_sleep(5)` through the container's knex),
 * calls `cut` once the query holds its connection, and checks what the client
 * and the metrics got. Returns the new error types, for the test to judge.
 */
async function lostDuringRequest(
  t: ExecutionContext,
  app: FaultApp,
  cut: () => Promise<void>,
): Promise<{ serviceErrorTypes: Record<string, number>; dbErrorTypes: Record<string, number> }> {
  t.is((await get(app.callback, '/faults/query')).status, 200);
  const before = await scrape(app.callback);

  const pending = get(app.callback, '/faults/sleep/5');
  t.truthy(await waitUntil(() => pool(app.db).used === 1, SETTLE_MS), 'the sleep holds a connection');
  await sleep(200);
  const cutAt = performance.now();
  await cut();
  const answer = await pending;
  const afterCutMs = performance.now() - cutAt;

  t.true(answer.status >= 500 && answer.status < 600, `status ${answer.status}: ${answer.text}`);
  t.true(afterCutMs < 3000, `failed ${afterCutMs.toFixed(0)} ms after the cut: the query would have ended after 5 s`);
  t.is(answer.type, 'application/problem+json');
  t.deepEqual(answer.body, {
    type: 'about:blank',
    title: 'Service Unavailable',
    status: 503,
    detail: 'the database is unavailable; try again later',
    requestId: 'fault-test',
  });
  assertClean(t, [answer], app.databaseUrl);

  const after = await scrape(app.callback);
  const serviceErrorTypes = delta(serviceErrors(before), serviceErrors(after));
  const dbErrorTypes = delta(rawOperationsByError(before), rawOperationsByError(after));
  t.is(
    Object.values(serviceErrorTypes).reduce((a, b) => a + b, 0),
    1,
    `service_errors_total: ${JSON.stringify(serviceErrorTypes)}`,
  );
  t.is(
    metricValue(after, 'http_server_requests_total', {
      http_route: '/faults/sleep/:seconds',
      http_response_status_code: '503',
    }) -
      metricValue(before, 'http_server_requests_total', {
        http_route: '/faults/sleep/:seconds',
        http_response_status_code: '503',
      }),
    1,
    'counted as a 503 on its route',
  );
  const failedOps = Object.entries(dbErrorTypes).filter(([type]) => type !== '');
  t.is(failedOps.length, 1, `db operations: ${JSON.stringify(dbErrorTypes)}`);
  t.regex(failedOps[0]?.[0] ?? '', /^\S+$/, 'a non-empty error_type');
  t.log(`service_errors_total: ${JSON.stringify(serviceErrorTypes)}; db error_type: ${JSON.stringify(dbErrorTypes)}`);
  return { serviceErrorTypes, dbErrorTypes };
}

pgTest(
  `lost during a request (proxy cut): a clean 503, counted by type, and the app keeps serving${PG_ONLY}`,
  async (t) => {
    const app = await start({ HEALTH_CACHE_MS: '0' });
    const { serviceErrorTypes } = await lostDuringRequest(t, app, () => app.proxy.setMode('refuse'));
    // pg reports a connection closed under a query as a plain Error
    // ("Connection terminated unexpectedly"): no code, no class of its own.
    t.log(`proxy cut classified as ${Object.keys(serviceErrorTypes).join(', ')}`);

    // The app keeps serving: liveness at once, readiness 503 while refused, and everything back with the database.
    t.is((await get(app.callback, '/healthz')).status, 200);
    t.is((await get(app.callback, '/greetings/x')).status, 200);
    t.is((await get(app.callback, '/ready')).status, 503);
    await app.proxy.setMode('forward');
    const back = await getUntil(app.callback, '/faults/query', (a) => a.status === 200, SETTLE_MS);
    t.is(back.answer.status, 200, back.answer.text);
    t.is((await getUntil(app.callback, '/ready', (a) => a.status === 200, SETTLE_MS)).answer.status, 200);
    t.like(pool(app.db), { used: 0, pending: 0 });
  },
);

pgTest(`lost during a request (backend terminated): a clean 503, DatabaseError / 57P01${PG_ONLY}`, async (t) => {
  const app = await start({ HEALTH_CACHE_MS: '0' });
  const database = new URL(app.databaseUrl!).pathname.slice(1);
  const { serviceErrorTypes, dbErrorTypes } = await lostDuringRequest(t, app, async () => {
    // As an administrator or a failover does: the server ends the session.
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and query like '%pg_sleep%' and pid <> pg_backend_pid()`,
        [database],
      );
    } finally {
      await admin.end();
    }
  });
  t.deepEqual(serviceErrorTypes, { DatabaseError: 1 });
  t.deepEqual(
    Object.keys(dbErrorTypes).filter((type) => type !== ''),
    ['57P01'],
  );
  t.is((await get(app.callback, '/healthz')).status, 200);
  const back = await getUntil(app.callback, '/faults/query', (a) => a.status === 200, SETTLE_MS);
  t.is(back.answer.status, 200, back.answer.text);
  t.is((await getUntil(app.callback, '/ready', (a) => a.status === 200, SETTLE_MS)).answer.status, 200);
});

// pg reports a connection closed under a running query as a plain
// `Error('Connection terminated unexpectedly')`, without a code or a class of its own; counted
// as _OTHER, a database outage would look like any unexpected bug on the errors-by-type panel.
pgTest(`a connection lost under a query is counted by a type of its own, not _OTHER${PG_ONLY}`, async (t) => {
  const app = await start({ HEALTH_CACHE_MS: '0' });
  const { serviceErrorTypes, dbErrorTypes } = await lostDuringRequest(t, app, () => app.proxy.setMode('refuse'));
  t.deepEqual(
    Object.keys(serviceErrorTypes).filter((type) => type === '_OTHER'),
    [],
    `service_errors_total: ${JSON.stringify(serviceErrorTypes)}`,
  );
  t.deepEqual(
    Object.keys(dbErrorTypes).filter((type) => type === '_OTHER'),
    [],
    `db_client_operation_duration_seconds: ${JSON.stringify(dbErrorTypes)}`,
  );
});
