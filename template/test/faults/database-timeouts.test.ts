import test, { type ExecutionContext } from 'ava';
import request from 'supertest';
import { usingPostgres } from '../helpers/database.js';
import {
  checkEntry,
  createFaultApp,
  get,
  getUntil,
  leaks,
  REQUEST_ID,
  metricValue,
  PG_ONLY,
  scrape,
  type Answer,
  type FaultApp,
} from './support.js';

/**
 * A database that hangs must not hold requests: connection attempts, the
 * wait for a pooled connection and statements are bounded by configuration,
 * and a request that fails because the database is unavailable or too slow
 * is a 503 with Retry-After (the client may try again), not a 500. Once a
 * partition heals, readiness returns within two cache windows, whatever the
 * connection attempts it left hanging.
 */
const pgTest = usingPostgres() ? test.serial : test.serial.skip;

/** Bounds a request by what it must not reach: the old 5 s connect and 10 s acquire timeouts. */
const HELD_TOO_LONG_MS = 5000;

async function start(
  t: ExecutionContext,
  env: Record<string, string>,
): Promise<FaultApp & { proxy: NonNullable<FaultApp['proxy']> }> {
  const app = await createFaultApp(env);
  t.teardown(() => app.close());
  if (!app.proxy) throw new Error('a proxy needs PostgreSQL');
  return app as FaultApp & { proxy: NonNullable<FaultApp['proxy']> };
}

/** One GET, timed, with its Retry-After header. */
async function fetch(app: FaultApp, path: string): Promise<Answer & { retryAfter: string | undefined }> {
  const started = performance.now();
  const res = await request(app.callback).get(path).set('x-request-id', REQUEST_ID).timeout(30_000);
  const ms = performance.now() - started;
  return {
    status: res.status,
    type: res.type,
    text: res.text,
    body: res.body,
    ms,
    retryAfter: res.headers['retry-after'],
  };
}

function assertUnavailable(t: ExecutionContext, answer: Answer & { retryAfter: string | undefined }, app: FaultApp) {
  t.is(answer.status, 503, answer.text);
  t.regex(answer.retryAfter ?? '', /^[1-9]\d*$/, 'Retry-After in seconds');
  t.is(answer.type, 'application/problem+json');
  t.like(answer.body, { type: 'about:blank', title: 'Service Unavailable', status: 503, requestId: 'fault-test' });
  t.deepEqual(leaks(answer.text, app.databaseUrl), [], answer.text);
}

pgTest(`a database that accepts and never answers: a 503 with Retry-After, in bounded time${PG_ONLY}`, async (t) => {
  const app = await start(t, { DB_CONNECT_TIMEOUT_MS: '1000', DB_ACQUIRE_TIMEOUT_MS: '3000', HEALTH_CACHE_MS: '0' });
  t.is((await get(app.callback, '/faults/query')).status, 200);

  await app.proxy.setMode('blackhole');
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push(await fetch(app, '/faults/query'));
  t.log(`hung database: ${answers.map((a) => `${a.status} in ${a.ms.toFixed(0)} ms`).join(', ')}`);
  for (const answer of answers) {
    assertUnavailable(t, answer, app);
    t.true(answer.ms < HELD_TOO_LONG_MS, `answered after ${answer.ms.toFixed(0)} ms`);
  }

  const samples = await scrape(app.callback);
  t.is(
    metricValue(samples, 'http_server_requests_total', {
      http_route: '/faults/query',
      http_response_status_code: '503',
    }),
    3,
  );
  t.is((await get(app.callback, '/healthz')).status, 200);
});

pgTest(`a statement over DB_STATEMENT_TIMEOUT_MS is cancelled: a 503, the connection reused${PG_ONLY}`, async (t) => {
  const app = await start(t, { DB_STATEMENT_TIMEOUT_MS: '500', HEALTH_CACHE_MS: '0' });
  const answer = await fetch(app, '/faults/sleep/4');
  t.log(`pg_sleep(4) with a 500 ms statement timeout: ${answer.status} in ${answer.ms.toFixed(0)} ms`);
  assertUnavailable(t, answer, app);
  t.true(answer.ms < 4000, `answered after ${answer.ms.toFixed(0)} ms, before the statement would have ended`);

  const samples = await scrape(app.callback);
  t.is(metricValue(samples, 'db_client_operation_duration_seconds_count', { error_type: '57014' }), 1);
  t.is((await get(app.callback, '/faults/query')).status, 200, 'the database still serves');
});

pgTest(
  `after a partition heals (hung connection attempts stay hung), /ready 200 within two cache windows${PG_ONLY}`,
  async (t) => {
    const cacheMs = 2000;
    const app = await start(t, { HEALTH_CACHE_MS: String(cacheMs), DB_CONNECT_TIMEOUT_MS: '1000' });
    const ready = await getUntil(app.callback, '/ready', (a) => a.status === 200, 30_000);
    t.is(ready.answer.status, 200, ready.answer.text);

    // The partition: a probe's check starts a connection attempt that hangs.
    await app.proxy.setMode('blackhole');
    const down = await getUntil(app.callback, '/ready', (a) => a.status === 503, 30_000);
    t.is(checkEntry(down.answer.body, 'database').status, 'fail');

    // It heals: new connections work, the attempt already made stays hung.
    await app.proxy.setMode('forward', { cut: false });
    const back = await getUntil(app.callback, '/ready', (a) => a.status === 200, 30_000);
    t.is(back.answer.status, 200, back.answer.text);
    t.true(back.ms <= 2 * cacheMs, `/ready 200 ${back.ms.toFixed(0)} ms after the database returned`);
    t.log(`healed: /ready 200 after ${back.ms.toFixed(0)} ms (cache window ${cacheMs} ms)`);
  },
);
