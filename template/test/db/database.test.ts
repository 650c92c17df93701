import Router from '@koa/router';
import anyTest, { type TestFn } from 'ava';
import request from 'supertest';
import { metricValue, parseMetrics } from '../faults/support.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The service's database errors are the same whichever database it runs on:
 * both passes (the embedded PGlite and PostgreSQL) expect the same statuses
 * and the same `service_errors_total{error_type}` series, since both are
 * reached through pg.
 */
const test = anyTest as TestFn<{ testApp: TestApp }>;

test.before(async (t) => {
  const testApp = await createTestApp();
  const { db } = testApp.container.cradle;
  await db.schema.createTable('database_test_codes', (table) => {
    table.string('code').primary();
  });
  const router = new Router();
  router.post('/codes/:code', async (ctx) => {
    await db('database_test_codes').insert({ code: ctx.params.code });
    ctx.status = 201;
  });
  router.get('/broken', async (ctx) => {
    ctx.body = await db.raw('selec 1');
  });
  testApp.app.use(router.routes());
  t.context = { testApp };
});

test.after.always(async (t) => {
  await t.context.testApp?.close();
});

test('a duplicate is a 409 and an SQL error a 500, both counted as DatabaseError', async (t) => {
  const callback = t.context.testApp.app.callback();
  await request(callback).post('/codes/a').expect(201);
  await request(callback).post('/codes/a').expect(409);
  await request(callback).get('/broken').expect(500);

  const samples = parseMetrics((await request(callback).get('/metrics').expect(200)).text);
  t.is(metricValue(samples, 'service_errors_total', { error_type: 'DatabaseError' }), 2);
  t.is(metricValue(samples, 'service_errors_total', { error_type: '_OTHER' }), 0);
});
