import Router from '@koa/router';
import test from 'ava';
import Koa from 'koa';
import request from 'supertest';
import { decodablePath } from '../../src/http/decodable-path.js';

function buildApp() {
  const app = new Koa();
  const router = new Router();
  router.get('/greetings/:name', (ctx) => {
    ctx.body = { name: ctx.params.name };
  });
  app.use(decodablePath());
  app.use(router.routes());
  return app.callback();
}

for (const path of ['/greetings/%E0%A4%A', '/greetings/%ZZ', '/%', '/greetings/%C3']) {
  test(`a path that does not decode (${path}) is a 400 and reaches no route`, async (t) => {
    const res = await request(buildApp()).get(path);
    t.is(res.status, 400);
    t.notRegex(res.text, /name/);
  });
}

test('a well-encoded path reaches its route, decoded', async (t) => {
  const res = await request(buildApp()).get('/greetings/caf%C3%A9%20au%20lait');
  t.is(res.status, 200);
  t.deepEqual(res.body, { name: 'café au lait' });
});
