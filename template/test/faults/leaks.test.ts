import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import pg from 'pg';
import request from 'supertest';
import { SETTLE_MS } from '../helpers/bounds.js';
import { usingPostgres } from '../helpers/database.js';
import {
  createFaultApp,
  get,
  getUntil,
  leaks,
  PG_ONLY,
  pool,
  REQUEST_ID,
  SECRET_PASSWORD,
  waitUntil,
  type Answer,
  type FaultApp,
} from './support.js';

/**
 * Nothing leaks: through every failure of the database (refused, hung, pool
 * saturated, lost during a request), no probe body and no error response shows
 * any part of DATABASE_URL (`postgres://postgres:s3cr3t-pw@127.0.0.1:<port>/<db>`),
 * the word password, SQL or a stack trace. /metrics shows no part of the URL either.
 */
const pgTest = usingPostgres() ? test.serial : test.serial.skip;

let app: FaultApp | undefined;
test.after.always(async () => {
  await app?.close().catch(() => {});
});

pgTest(`no answer shows the database URL, SQL or a stack, whatever the failure${PG_ONLY}`, async (t) => {
  app = await createFaultApp({ DB_POOL_MAX: '2', HEALTH_TIMEOUT_MS: '500', HEALTH_CACHE_MS: '0' });
  const { callback, proxy, db } = app;
  const collected: { phase: string; answer: Answer }[] = [];
  const probe = async (phase: string, path: string) => {
    const answer = await get(callback, path);
    collected.push({ phase, answer });
    return answer;
  };
  const probes = (phase: string) => Promise.all(['/ready', '/ready/database'].map((path) => probe(phase, path)));

  // Refused: probes and a request that needs the database.
  await proxy!.setMode('refuse');
  await probes('refused');
  t.is((await probe('refused', '/faults/query')).status, 503);

  // Hung: probes time out; a request waits for a connection that never comes (DB_CONNECT_TIMEOUT_MS).
  await proxy!.setMode('forward');
  await getUntil(callback, '/ready', (a) => a.status === 200, SETTLE_MS);
  await proxy!.setMode('blackhole');
  const hungRequest = probe('blackhole', '/faults/query');
  for (let i = 0; i < 3; i++) await probes('blackhole');
  const hung = await hungRequest;
  t.true(hung.status >= 500, `hung request: ${hung.status}`);

  // Saturated: two long queries hold the pool.
  await proxy!.setMode('forward');
  await getUntil(callback, '/ready', (a) => a.status === 200, SETTLE_MS);
  // Until the test lets them go: each waits for an advisory lock the test holds.
  const locker = new pg.Client({ connectionString: app.databaseUrl });
  await locker.connect();
  t.teardown(() => locker.end().catch(() => {}));
  await locker.query('select pg_advisory_lock(4711)');
  const waiting = Promise.all([1, 2].map(() => db.raw('select pg_advisory_xact_lock(4711)')));
  await waitUntil(() => pool(db).used === 2, SETTLE_MS);
  await probes('saturated');
  await locker.end();
  await waiting;

  // Lost during a request: the proxy cuts the connection under a query.
  await getUntil(callback, '/ready', (a) => a.status === 200, SETTLE_MS);
  // A query longer than a busy machine may need to see it hold its connection.
  const lost = probe('lost', '/faults/sleep/5');
  await waitUntil(() => pool(db).used === 1, SETTLE_MS);
  await sleep(200);
  await proxy!.setMode('refuse');
  t.is((await lost).status, 503);
  await probes('lost');
  await proxy!.setMode('forward');

  const statuses = collected.map(({ phase, answer }) => `${phase}:${answer.status}`);
  t.log(statuses.join(' '));
  t.true(collected.some(({ answer }) => answer.status === 503));
  t.true(collected.some(({ answer }) => answer.type === 'application/problem+json'));
  for (const { phase, answer } of collected) {
    t.deepEqual(leaks(answer.text, app.databaseUrl), [], `${phase}: ${answer.status} ${answer.text}`);
    t.notRegex(answer.text, /Knex|Connection terminated|timeout exceeded|ECONNREFUSED 127/i);
  }

  // The scrape shows operations and errors, never where the database is.
  const metrics = await request(callback).get('/metrics').set('x-request-id', REQUEST_ID).expect(200);
  const url = new URL(app.databaseUrl!);
  for (const secret of [SECRET_PASSWORD, url.pathname.slice(1), `${url.hostname}:${url.port}`, 'postgres://']) {
    t.false(metrics.text.includes(secret), `/metrics shows ${secret}`);
  }
});
