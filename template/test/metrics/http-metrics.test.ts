import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import test from 'ava';
import Koa from 'koa';
import { Registry } from 'prom-client';
import request from 'supertest';
import { observeRequests } from '../../src/http/observe-requests.js';
import { httpMetrics, UNMATCHED_ROUTE } from '../../src/metrics/http-metrics.js';

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

function buildApp() {
  const metrics = new Registry();
  const app = new Koa();
  const router = new Router();
  // /slow waits for release(); `entered` resolves once a request has reached it.
  let release: () => void = () => {};
  let entered: () => void = () => {};
  const reached = new Promise<void>((resolve) => (entered = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  router.get('/items/:id', (ctx) => {
    ctx.body = { id: ctx.params.id };
  });
  router.get('/conflict', (ctx) => ctx.throw(409, 'taken'));
  router.get('/broken', () => {
    throw new Error('boom');
  });
  router.get('/slow', async (ctx) => {
    entered();
    await released;
    ctx.body = 'done';
  });
  app.use(observeRequests([httpMetrics(metrics)]));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.silent = true;
  return { metrics, callback: app.callback(), reached, release: () => release() };
}

async function samples(metrics: Registry, name: string): Promise<Sample[]> {
  const metric = metrics.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values as Sample[];
}

async function requestCount(metrics: Registry, labels: Record<string, string>): Promise<number> {
  const found = (await samples(metrics, 'http_server_requests_total')).filter((sample) =>
    Object.entries(labels).every(([key, value]) => String(sample.labels[key]) === value),
  );
  return found.reduce((sum, sample) => sum + sample.value, 0);
}

test('labels requests by route template, never by raw path', async (t) => {
  const { metrics, callback } = buildApp();
  await request(callback).get('/items/1').expect(200);
  await request(callback).get('/items/2').expect(200);
  await request(callback).head('/items/3').expect(200);

  const series = await samples(metrics, 'http_server_requests_total');
  t.deepEqual(
    series.map((s) => [
      s.labels.http_request_method,
      s.labels.http_route,
      String(s.labels.http_response_status_code),
      s.value,
    ]),
    [
      ['GET', '/items/:id', '200', 2],
      ['HEAD', '/items/:id', '200', 1],
    ],
  );
  const durations = (await samples(metrics, 'http_server_request_duration_seconds')).filter(
    (s) => s.metricName === 'http_server_request_duration_seconds_count' && s.labels.http_request_method === 'GET',
  );
  t.is(durations[0]?.value, 2);
});

test('every unmatched request shares one route value', async (t) => {
  const { metrics, callback } = buildApp();
  for (let i = 0; i < 20; i++) await request(callback).get(`/random/${i}/${Math.random()}`).expect(404);

  const series = await samples(metrics, 'http_server_requests_total');
  t.is(series.length, 1);
  t.is(series[0]?.labels.http_route, UNMATCHED_ROUTE);
  t.is(series[0]?.value, 20);
});

test('records the status the client received when a handler throws', async (t) => {
  const { metrics, callback } = buildApp();
  await request(callback).get('/conflict').expect(409);
  await request(callback).get('/broken').expect(500);

  t.is(await requestCount(metrics, { http_route: '/conflict', http_response_status_code: '409' }), 1);
  t.is(await requestCount(metrics, { http_route: '/broken', http_response_status_code: '500' }), 1);
});

test('a method outside the standard ones becomes _OTHER', async (t) => {
  const { metrics, callback } = buildApp();
  const server = http.createServer(callback);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const status = await new Promise<number | undefined>((resolve, reject) => {
    http
      .request({ port, host: '127.0.0.1', method: 'PROPFIND', path: '/items/1' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
      .on('error', reject)
      .end();
  });
  await new Promise((resolve) => server.close(resolve));

  t.is(status, 501); // the router's answer to a method it does not implement
  t.is(await requestCount(metrics, { http_request_method: '_OTHER' }), 1);
  t.is(await requestCount(metrics, { http_request_method: 'PROPFIND' }), 0);
});

test('counts requests in flight', async (t) => {
  const { metrics, callback, reached, release } = buildApp();
  // However the test ends, the slow request is let go, so nothing holds the file open.
  t.teardown(release);
  const active = async () => (await samples(metrics, 'http_server_active_requests'))[0]?.value;
  const slow = request(callback)
    .get('/slow')
    .then((res) => res.status);
  await reached;
  t.is(await active(), 1);
  release();
  t.is(await slow, 200);
  t.is(await active(), 0);
});
