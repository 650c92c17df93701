import test from 'ava';
import Koa from 'koa';
import request from 'supertest';
import { accessLog } from '../../src/http/access-log.js';
import { observeRequests } from '../../src/http/observe-requests.js';
import { createLogger } from '../../src/logger.js';
import { logLines } from '../helpers/log-lines.js';

function app() {
  const { stream, lines } = logLines();
  const koa = new Koa();
  koa.use(observeRequests([accessLog(createLogger({ logLevel: 'info' }, { name: 'svc', version: '1.0.0' }, stream))]));
  return { callback: koa.callback(), lines };
}

test('one line per request, with its method, path, status and duration', async (t) => {
  const { callback, lines } = app();
  await request(callback).get('/nowhere').expect(404);
  t.is(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  t.like(line, { msg: 'request', method: 'GET', path: '/nowhere', status: 404 });
  t.is(typeof line.durationMs, 'number');
});

// A scanner's 15 KB path was once logged whole on every 404.
test('a 15 KB path is logged cut to 1 KB, saying how long it was', async (t) => {
  const { callback, lines } = app();
  const path = `/${'a'.repeat(15 * 1024)}`;
  await request(callback).get(path).expect(404);
  t.log(`line of ${lines[0]?.length} characters`);
  t.true(lines[0]!.length < 2048, `${lines[0]!.length} characters`);
  const logged = String((JSON.parse(lines[0]!) as { path: unknown }).path);
  t.true(logged.startsWith(path.slice(0, 1024)));
  t.true(logged.endsWith(`[${path.length} characters, cut]`));
});
