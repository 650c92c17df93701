import { Writable } from 'node:stream';
import Router from '@koa/router';
import test from 'ava';
import Koa from 'koa';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import { errorHandler } from '../../src/http/error-handler.js';
import { requestId } from '../../src/http/request-id.js';
import { createErrorMetrics } from '../../src/metrics/error-metrics.js';

function buildApp() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  const metrics = new Registry();
  const app = new Koa();
  const router = new Router();
  router.get('/leaky', () => {
    throw new Error('select * from users where password = $1 - postgres://app:hunter2@db.internal/app');
  });
  router.get('/teapot', (ctx) => ctx.throw(418, 'short and stout'));
  router.get('/hidden', (ctx) => ctx.throw(400, 'internal detail', { expose: false }));
  router.get('/async', async () => {
    await Promise.resolve();
    throw Object.assign(new Error('db gone'), { name: 'KnexTimeoutError' });
  });
  app.use(requestId());
  app.use(errorHandler(logger, createErrorMetrics(metrics)));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return { callback: app.callback(), lines, metrics };
}

test('a 5xx answers problem+json with no internal message, and logs the error', async (t) => {
  const { callback, lines } = buildApp();
  const res = await request(callback).get('/leaky').set('x-request-id', 'req-42').expect(500);
  t.is(res.type, 'application/problem+json');
  t.deepEqual(res.body, { type: 'about:blank', title: 'Internal Server Error', status: 500, requestId: 'req-42' });
  t.notRegex(res.text, /hunter2|password|db\.internal|at \w+ \(/);

  const logged = lines.find((line) => line.msg === 'request failed');
  t.is(logged?.requestId, 'req-42');
  t.regex(JSON.stringify(logged?.err), /hunter2/, 'the full error goes to the log');
});

test('a 4xx shows an exposed message as its detail, and only then', async (t) => {
  const { callback } = buildApp();
  const teapot = await request(callback).get('/teapot').expect(418);
  t.like(teapot.body, { title: "I'm a Teapot", status: 418, detail: 'short and stout' });
  const hidden = await request(callback).get('/hidden').expect(400);
  t.is(hidden.body.detail, undefined);
});

test('unmatched routes and wrong methods get problem responses', async (t) => {
  const { callback } = buildApp();
  const missing = await request(callback).get('/nowhere').expect(404);
  t.is(missing.type, 'application/problem+json');
  t.is(missing.body.title, 'Not Found');
  const wrong = await request(callback).delete('/teapot').expect(405);
  t.is(wrong.type, 'application/problem+json');
  t.is(wrong.headers.allow, 'HEAD, GET');
});

test('errors are counted by type', async (t) => {
  const { callback, metrics } = buildApp();
  await request(callback).get('/leaky').expect(500);
  // A pool timeout is a database unavailable for now: a 503 the client may retry.
  const unavailable = await request(callback).get('/async').expect(503);
  t.is(unavailable.headers['retry-after'], '5');
  await request(callback).get('/teapot').expect(418);
  const values = (await metrics.getSingleMetric('service_errors_total')!.get()).values;
  const counts = Object.fromEntries(values.map((v) => [v.labels.error_type, v.value]));
  t.deepEqual(counts, { _OTHER: 1, KnexTimeoutError: 1, '418': 1 });
});
