import Router from '@koa/router';
import test from 'ava';
import Koa from 'koa';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import request from 'supertest';
import { z } from 'zod';
import { errorHandler } from '../../src/http/error-handler.js';
import { jsonBody } from '../../src/http/json-body.js';
import { validate } from '../../src/http/validate.js';
import { createErrorMetrics } from '../../src/metrics/error-metrics.js';

const Input = z.strictObject({
  name: z.string().min(1),
  address: z.object({ city: z.string() }),
  tags: z.array(z.string()).max(2).optional(),
});

function app(): Koa {
  const koa = new Koa();
  koa.use(errorHandler(pino({ level: 'silent' }), createErrorMetrics(new Registry())));
  const router = new Router();
  router.post('/things', jsonBody(), (ctx) => {
    ctx.body = validate(ctx, Input, ctx.request.body);
  });
  koa.use(router.routes());
  return koa;
}

test('a valid input is parsed', async (t) => {
  const res = await request(app().callback())
    .post('/things')
    .send({ name: 'a', address: { city: 'Oslo' } })
    .expect(200);
  t.deepEqual(res.body, { name: 'a', address: { city: 'Oslo' } });
});

test('an invalid input is a 400 problem+json naming each wrong field', async (t) => {
  const res = await request(app().callback())
    .post('/things')
    .send({ name: '', address: { city: 7 }, tags: ['a', 'b', 'c'], extra: true })
    .expect(400);
  t.is(res.type, 'application/problem+json');
  const fields = (res.body as { errors: { field: string; message: string }[] }).errors.map((error) => error.field);
  t.deepEqual(fields.sort(), ['(input)', 'address.city', 'name', 'tags']);
  t.regex(res.body.detail as string, /^(.+: .+)(; .+: .+)*$/);
  t.regex(res.body.detail as string, /address\.city: /);
});

test('a body that is not an object names the input as a whole', async (t) => {
  const res = await request(app().callback()).post('/things').send([1, 2]).expect(400);
  t.deepEqual(
    (res.body as { errors: { field: string }[] }).errors.map((error) => error.field),
    ['(input)'],
  );
});

test('at most 10 fields are named, each message bounded', async (t) => {
  const Many = z.object(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, z.string()])));
  const koa = new Koa();
  koa.use(errorHandler(pino({ level: 'silent' }), createErrorMetrics(new Registry())));
  koa.use((ctx) => {
    ctx.body = validate(ctx, Many, {});
  });
  const res = await request(koa.callback()).get('/').expect(400);
  t.is((res.body as { errors: unknown[] }).errors.length, 10);
  t.true((res.body.detail as string).length < 10 * 220);
});
