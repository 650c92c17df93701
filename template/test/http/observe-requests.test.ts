import test from 'ava';
import Koa from 'koa';
import request from 'supertest';
import { observeRequests, type RequestObserver } from '../../src/http/observe-requests.js';

/** An observer that notes what it is told, in one list shared with the others. */
function recorder(name: string, seen: string[], withStart = true): RequestObserver {
  return {
    ...(withStart && { started: (ctx) => seen.push(`${name} started ${ctx.path}`) }),
    answered: (ctx, status, durationMs) => {
      seen.push(`${name} answered ${ctx.path} ${status}`);
      if (!(durationMs >= 0)) seen.push(`${name}: bad duration ${durationMs}`);
    },
  };
}

function app(seen: string[], handler: Koa.Middleware) {
  const koa = new Koa();
  koa.silent = true;
  koa.use(observeRequests([recorder('a', seen), recorder('b', seen, false)]));
  koa.use(async (ctx, next) => {
    seen.push('handler');
    await handler(ctx, next);
  });
  return koa.callback();
}

test('each observer hears of the start before the request goes on, and of its end, in order', async (t) => {
  const seen: string[] = [];
  await request(app(seen, (ctx) => void (ctx.body = 'ok')))
    .get('/x')
    .expect(200);
  t.deepEqual(seen, ['a started /x', 'handler', 'a answered /x 200', 'b answered /x 200']);
});

test('a status set below is the status they hear', async (t) => {
  const seen: string[] = [];
  await request(app(seen, (ctx) => void (ctx.status = 204)))
    .get('/x')
    .expect(204);
  t.deepEqual(seen.slice(-2), ['a answered /x 204', 'b answered /x 204']);
});

test('an error no handler took is heard with the status Koa answers, and still reaches Koa', async (t) => {
  const seen: string[] = [];
  await request(
    app(seen, (ctx) => {
      ctx.throw(409, 'taken');
    }),
  )
    .get('/x')
    .expect(409);
  const crashed: string[] = [];
  await request(
    app(crashed, () => {
      throw new Error('boom');
    }),
  )
    .get('/y')
    .expect(500);
  t.deepEqual(seen.slice(-2), ['a answered /x 409', 'b answered /x 409']);
  t.deepEqual(crashed.slice(-2), ['a answered /y 500', 'b answered /y 500']);
});
