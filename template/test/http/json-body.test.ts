import { Writable } from 'node:stream';
import test from 'ava';
import { asValue } from 'awilix';
import { pino } from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createAppContainer, disposeContainer } from '../../src/container.js';
import { createTestDatabase } from '../helpers/database.js';
import { parseMetrics, metricValue } from '../faults/support.js';

/**
 * A JSON body is parsed once the request has reached its route: a malformed
 * body is that route's 400, counted and logged under it, not `unmatched`.
 */
async function buildApp(t: { teardown(fn: () => Promise<void>): void }) {
  const database = await createTestDatabase();
  const container = createAppContainer(loadConfig({ LOG_LEVEL: 'info', ...database.env }));
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  container.register({ logger: asValue(pino({ level: 'info' }, sink)) });
  const app = createApp(container);
  t.teardown(async () => {
    await disposeContainer(container);
    await database.drop();
  });
  return { callback: app.callback(), lines };
}

test('malformed JSON on POST /greetings is a 400 counted and logged under /greetings', async (t) => {
  const { callback, lines } = await buildApp(t);
  const res = await request(callback)
    .post('/greetings')
    .set('content-type', 'application/json')
    .set('x-request-id', 'bad-json')
    .send('{"name": "Ada"');
  t.is(res.status, 400);
  t.is(res.body.detail, 'request body is not valid JSON');

  const samples = parseMetrics((await request(callback).get('/metrics').expect(200)).text);
  const labels = { http_request_method: 'POST', http_response_status_code: '400' };
  t.is(metricValue(samples, 'http_server_requests_total', { ...labels, http_route: '/greetings' }), 1);
  t.is(metricValue(samples, 'http_server_requests_total', { ...labels, http_route: 'unmatched' }), 0);

  const logged = lines.find((line) => line.requestId === 'bad-json' && line.msg === 'request');
  t.like(logged, { route: '/greetings', status: 400 });
});

test('a body sent to a route that takes none, or to no route, is never parsed', async (t) => {
  const { callback } = await buildApp(t);
  // Were it parsed, the broken JSON would be a 400; unparsed, each route answers as it always does.
  const broken = '{"name": ';
  const greeting = await request(callback).get('/greetings/Ada').set('content-type', 'application/json').send(broken);
  t.is(greeting.status, 200);
  const missing = await request(callback).post('/nowhere').set('content-type', 'application/json').send(broken);
  t.is(missing.status, 404);
});
