import Router from '@koa/router';
import anyTest, { type TestFn } from 'ava';
import type { Knex } from 'knex';
import { Model } from 'objection';
import request from 'supertest';
import { jsonBody } from '../../src/http/json-body.js';
import { metricValue, parseMetrics } from '../faults/support.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A constraint violation is the client's mistake, not the server's: the same
 * 409 or 422 problem+json on PGlite and on PostgreSQL, through knex or
 * through an Objection model, with a detail that shows no value, column,
 * table or constraint name, and never counted as a 5xx.
 */
interface Context {
  testApp: TestApp;
  callback: TestApp['callback'];
}
const test = anyTest as TestFn<Context>;

class Team extends Model {
  static override tableName = 'db_errors_teams';
  id!: number;
  code!: string;
}

async function createTables(db: Knex): Promise<void> {
  await db.schema.createTable('db_errors_teams', (table) => {
    table.increments('id');
    table.string('code').notNullable().unique();
    table.check('length(??) <= 8', ['code'], 'db_errors_teams_code_length');
  });
  await db.schema.createTable('db_errors_members', (table) => {
    table.increments('id');
    table.integer('team_id').notNullable().references('id').inTable('db_errors_teams');
  });
}

/** Routes that insert what the client sent, validating nothing: the database is the only judge. */
function routes(db: Knex): Router {
  const router = new Router();
  router.post('/teams', jsonBody(), async (ctx) => {
    const { code } = ctx.request.body as { code?: string };
    const [row] = await db('db_errors_teams').insert({ code }).returning('id');
    ctx.status = 201;
    ctx.body = row;
  });
  router.post('/model/teams', jsonBody(), async (ctx) => {
    const { code } = ctx.request.body as { code: string };
    ctx.status = 201;
    ctx.body = await Team.query(db).insert({ code });
  });
  router.post('/members', jsonBody(), async (ctx) => {
    const { teamId } = ctx.request.body as { teamId?: number };
    await db('db_errors_members').insert({ team_id: teamId });
    ctx.status = 201;
  });
  router.delete('/teams/:code', async (ctx) => {
    await db('db_errors_teams').where({ code: ctx.params.code }).delete();
    ctx.status = 204;
  });
  return router;
}

test.before(async (t) => {
  const testApp = await createTestApp();
  const { db } = testApp.container.cradle;
  await createTables(db);
  // Koa composes its middleware at callback(): these routes come after the app's own.
  testApp.app.use(routes(db).routes());
  t.context = { testApp, callback: testApp.app.callback() };
});

test.after.always(async (t) => {
  await t.context.testApp?.close();
});

const SECRET_CODE = 'zq-secret';

async function post(t: { context: Context }, path: string, body: unknown) {
  return request(t.context.callback)
    .post(path)
    .set('x-request-id', 'db-errors')
    .send(body as object);
}

/** What no answer may show: the value sent, a table, a column, a constraint, SQL. */
function assertSafe(t: { deepEqual(a: unknown, b: unknown, m?: string): void }, text: string) {
  const shown = [SECRET_CODE, 'db_errors', 'team_id', 'code', 'insert', 'constraint', 'violates', 'key'].filter(
    (word) => text.toLowerCase().includes(word),
  );
  t.deepEqual(shown, [], text);
}

test.serial('a unique violation is a 409, through knex and through a model', async (t) => {
  t.is((await post(t, '/teams', { code: SECRET_CODE.slice(0, 8) })).status, 201);
  for (const path of ['/teams', '/model/teams']) {
    const res = await post(t, path, { code: SECRET_CODE.slice(0, 8) });
    t.is(res.status, 409, `${path}: ${res.text}`);
    t.is(res.type, 'application/problem+json');
    t.like(res.body, { type: 'about:blank', title: 'Conflict', status: 409, requestId: 'db-errors' });
    t.is(typeof res.body.detail, 'string');
    assertSafe(t, res.text);
  }
});

test.serial('a foreign-key, not-null or check violation is a 422', async (t) => {
  const cases: [string, string, unknown][] = [
    ['foreign key', '/members', { teamId: 424242 }],
    ['not null', '/teams', {}],
    ['not null (model)', '/model/teams', {}],
    ['check', '/teams', { code: 'far-too-long-a-code' }],
    ['check (model)', '/model/teams', { code: 'far-too-long-a-code' }],
  ];
  const details = new Set<string>();
  for (const [what, path, body] of cases) {
    const res = await post(t, path, body);
    t.is(res.status, 422, `${what}: ${res.text}`);
    t.is(res.type, 'application/problem+json');
    t.like(res.body, { title: 'Unprocessable Entity', status: 422 });
    details.add(String(res.body.detail));
    assertSafe(t, res.text);
  }
  t.is(details.size, 3, `one sentence per kind: ${[...details].join(' | ')}`);

  // Deleting a team that members still refer to is the same foreign key, the other way round.
  t.is((await post(t, '/teams', { code: 'in-use' })).status, 201);
  const [team] = await t.context.testApp.container.cradle
    .db('db_errors_teams')
    .where({ code: 'in-use' })
    .select<{ id: number }[]>('id');
  t.is((await post(t, '/members', { teamId: team!.id })).status, 201);
  const res = await request(t.context.callback).delete('/teams/in-use');
  t.is(res.status, 422, res.text);
  assertSafe(t, res.text);
});

test.serial('constraint violations are not server errors in the metrics', async (t) => {
  const samples = parseMetrics((await request(t.context.callback).get('/metrics').expect(200)).text);
  const fivexx = samples
    .filter((s) => s.name === 'http_server_requests_total' && s.labels.http_response_status_code?.startsWith('5'))
    .map((s) => `${s.labels.http_route} ${s.labels.http_response_status_code}`);
  t.deepEqual(fivexx, []);
  t.true(metricValue(samples, 'http_server_requests_total', { http_response_status_code: '409' }) >= 2);
  t.true(metricValue(samples, 'http_server_requests_total', { http_response_status_code: '422' }) >= 6);
});
