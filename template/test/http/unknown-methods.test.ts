import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import test from 'ava';
import Koa from 'koa';
import { unknownMethods } from '../../src/http/unknown-methods.js';

/** Two routers, as the template has one per module. */
function buildApp(): Koa {
  const items = new Router();
  items.get('/items/:id', (ctx) => {
    ctx.body = 'item';
  });
  items.delete('/items/:id', (ctx) => {
    ctx.status = 204;
  });
  const health = new Router();
  health.get('/healthz', (ctx) => {
    ctx.body = 'ok';
  });
  const app = new Koa();
  app.use(unknownMethods([items, health]));
  for (const router of [items, health]) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}

/** supertest knows only the methods Node lists; send any method through node:http. */
async function send(method: string, path: string): Promise<{ status?: number; allow?: string }> {
  const server = http.createServer(buildApp().callback()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      http
        .request({ port, host: '127.0.0.1', method, path }, (res) => {
          res.resume();
          resolve({ status: res.statusCode, allow: res.headers.allow });
        })
        .on('error', reject)
        .end();
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

test('an unknown method on a known path is a 405 listing what the path allows', async (t) => {
  const res = await send('PROPFIND', '/items/1');
  t.is(res.status, 405);
  t.deepEqual(res.allow?.split(', ').sort(), ['DELETE', 'GET', 'HEAD']);
});

test('an unknown method on a path of another router is a 405 with that router’s methods', async (t) => {
  const res = await send('PURGE', '/healthz');
  t.is(res.status, 405);
  t.deepEqual(res.allow?.split(', ').sort(), ['GET', 'HEAD']);
});

test('an unknown method on an unknown path is a 404, not a 501', async (t) => {
  t.is((await send('MKCOL', '/nowhere')).status, 404);
});

test('known methods still reach the routers and their allowedMethods', async (t) => {
  t.is((await send('GET', '/items/1')).status, 200);
  t.is((await send('DELETE', '/items/1')).status, 204);
  const notAllowed = await send('POST', '/items/1');
  t.is(notAllowed.status, 405);
  t.deepEqual(notAllowed.allow?.split(', ').sort(), ['DELETE', 'GET', 'HEAD']);
  t.is((await send('GET', '/nowhere')).status, 404);
});
