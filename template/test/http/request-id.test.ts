import test from 'ava';
import Koa from 'koa';
import request from 'supertest';
import { requestId, requestIdOf } from '../../src/http/request-id.js';

function buildApp() {
  const app = new Koa();
  app.use(requestId());
  app.use((ctx) => {
    ctx.body = { seen: requestIdOf(ctx) };
  });
  return app.callback();
}

test('keeps a well-formed x-request-id and returns it', async (t) => {
  const res = await request(buildApp()).get('/').set('x-request-id', 'abc-123.DEF:9').expect(200);
  t.is(res.headers['x-request-id'], 'abc-123.DEF:9');
  t.is(res.body.seen, 'abc-123.DEF:9');
});

test('makes a new id when none is given or the given one is unsafe', async (t) => {
  const callback = buildApp();
  for (const given of [undefined, 'has spaces', '{"json":1}', 'x'.repeat(129)]) {
    const req = request(callback).get('/');
    const res = await (given === undefined ? req : req.set('x-request-id', given)).expect(200);
    t.regex(res.headers['x-request-id'] as string, /^[0-9a-f-]{36}$/);
    t.is(res.body.seen, res.headers['x-request-id']);
  }
});
