import test from 'ava';
import type { Knex } from 'knex';
import pino from 'pino';
import { Registry, type Histogram } from 'prom-client';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { databaseStarted } from '../../src/db/embedded-client.js';
import { instrumentQueries } from '../../src/metrics/db-query-metrics.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const METRIC = 'db_client_operation_duration_seconds';
const SECRET = 'secret-value-123';
const ROW_VALUE = 'distinctive-row-value-987';

let testDatabase: TestDatabase;
let db: Knex;
let registry: Registry;

test.before(async () => {
  testDatabase = await createTestDatabase();
  db = createDatabase(loadConfig({ ...testDatabase.env, LOG_LEVEL: 'silent' }), pino({ level: 'silent' }));
  await databaseStarted(db);
  registry = new Registry();
  instrumentQueries(db, registry);
  await db.schema.createTable('widgets', (table) => {
    table.increments('id');
    table.string('name').notNullable();
  });
  await db.schema.createTable('gadgets', (table) => {
    table.increments('id');
    table.string('label');
  });
});

test.after.always(async () => {
  await db?.destroy();
  await testDatabase?.drop();
});

type Counts = Record<string, number>;

/** Observations by `operation|collection|error_type`, from the histogram's `_count` series. */
async function counts(): Promise<Counts> {
  const metric = registry.getSingleMetric(METRIC) as Histogram | undefined;
  if (!metric) throw new Error(`${METRIC} is not registered`);
  const result: Counts = {};
  for (const value of (await metric.get()).values) {
    if (!value.metricName?.endsWith('_count')) continue;
    const { db_operation_name, db_collection_name, error_type } = value.labels;
    result[`${db_operation_name}|${db_collection_name}|${error_type}`] = value.value;
  }
  return result;
}

/** Runs `work` and returns the observations it added, series by series. */
async function recorded(work: () => Promise<unknown>): Promise<Counts> {
  const before = await counts();
  await work();
  const after = await counts();
  const delta: Counts = {};
  for (const [key, value] of Object.entries(after)) {
    const added = value - (before[key] ?? 0);
    if (added !== 0) delta[key] = added;
  }
  return delta;
}

async function sumOf(key: string): Promise<number> {
  const metric = registry.getSingleMetric(METRIC) as Histogram;
  const found = (await metric.get()).values.find(
    (value) =>
      value.metricName === `${METRIC}_sum` &&
      `${value.labels.db_operation_name}|${value.labels.db_collection_name}|${value.labels.error_type}` === key,
  );
  return found?.value ?? 0;
}

test.serial('the histogram is registered with its labels and OpenTelemetry buckets', async (t) => {
  const text = await registry.metrics();
  t.true(text.includes(`# TYPE ${METRIC} histogram`));
  await db('widgets').select();
  const exposition = await registry.metrics();
  for (const le of ['0.001', '0.005', '0.01', '0.05', '0.1', '0.5', '1', '5', '10', '+Inf']) {
    t.true(
      exposition.includes(
        `${METRIC}_bucket{le="${le}",db_operation_name="select",db_collection_name="widgets",error_type=""}`,
      ),
      `bucket le=${le}`,
    );
  }
});

test.serial('a select is recorded with its table and no error', async (t) => {
  t.deepEqual(await recorded(() => db('widgets').select('id')), { 'select|widgets|': 1 });
  t.deepEqual(await recorded(() => db('widgets').first()), { 'select|widgets|': 1 }, 'first() is a select');
  t.deepEqual(await recorded(() => db('widgets').pluck('id')), { 'select|widgets|': 1 }, 'pluck() is a select');
  t.deepEqual(
    await recorded(() => db('widgets as w').where('w.id', '>', 0).select()),
    { 'select|widgets|': 1 },
    'an alias is not part of the table name',
  );
});

test.serial('insert, update and delete are recorded with their table', async (t) => {
  t.deepEqual(await recorded(() => db('widgets').insert({ name: ROW_VALUE })), { 'insert|widgets|': 1 });
  t.deepEqual(
    await recorded(() =>
      db('widgets')
        .where({ name: ROW_VALUE })
        .update({ name: `${ROW_VALUE}-2` }),
    ),
    {
      'update|widgets|': 1,
    },
  );
  t.deepEqual(await recorded(() => db('widgets').where({ name: 'nobody' }).del()), { 'delete|widgets|': 1 });
  // Leave the distinctive row in place for the leak test below.
  await db('widgets')
    .where({ name: `${ROW_VALUE}-2` })
    .update({ name: ROW_VALUE });
});

test.serial('db.raw is recorded as raw with no table', async (t) => {
  t.deepEqual(await recorded(() => db.raw('select ? as answer', [42])), { 'raw||': 1 });
});

test.serial('queries running at once are each labelled with their own table', async (t) => {
  const delta = await recorded(() =>
    Promise.all([
      ...Array.from({ length: 5 }, () => db('widgets').select()),
      ...Array.from({ length: 5 }, () => db('gadgets').insert({ label: 'x' })),
      ...Array.from({ length: 5 }, () => db.raw('select 1')),
    ]),
  );
  t.deepEqual(delta, { 'select|widgets|': 5, 'insert|gadgets|': 5, 'raw||': 5 });
});

test.serial('the recorded duration is the query time', async (t) => {
  const before = await sumOf('raw||');
  await db.raw('select pg_sleep(0.05)');
  const seconds = (await sumOf('raw||')) - before;
  t.true(seconds >= 0.045, `recorded ${seconds} s for a 50 ms sleep`);
  t.true(seconds < 5, `recorded ${seconds} s for a 50 ms sleep`);
});

test.serial('a failing query is recorded with its SQLSTATE, and no SQL or value appears in the metrics', async (t) => {
  t.true((await db('widgets').where({ name: ROW_VALUE }).select()).length > 0, 'the distinctive row exists');

  const delta = await recorded(async () => {
    const error = await t.throwsAsync(db('missing_table').where({ name: SECRET }).select());
    t.is((error as { code?: string } | undefined)?.code, '42P01');
  });
  t.deepEqual(delta, { 'select|missing_table|42P01': 1 });

  const rawDelta = await recorded(() => t.throwsAsync(db.raw('select * from missing_table where name = ?', [SECRET])));
  t.deepEqual(rawDelta, { 'raw||42P01': 1 });

  const syntaxDelta = await recorded(() => t.throwsAsync(db.raw(`select '${SECRET}' frm widgets`)));
  t.deepEqual(syntaxDelta, { 'raw||42601': 1 }, 'a syntax error is recorded by its SQLSTATE');

  const text = await registry.metrics();
  for (const leaked of [SECRET, ROW_VALUE, 'select *', 'missing_table where', 'frm', '$1']) {
    t.false(text.includes(leaked), `the exposition contains ${JSON.stringify(leaked)}`);
  }
  // Every label value is an operation, a table name or an error code.
  const metric = registry.getSingleMetric(METRIC) as Histogram;
  for (const { labels } of (await metric.get()).values) {
    t.regex(String(labels.db_operation_name), /^(select|insert|update|delete|raw|other)$/);
    t.regex(String(labels.db_collection_name), /^[A-Za-z_][\w.]*$|^$/);
    t.regex(String(labels.error_type), /^$|^[0-9A-Z]{5}$/);
  }
});

test.serial('a transaction records its inner queries, committed or rolled back, but not BEGIN or COMMIT', async (t) => {
  const committed = await recorded(() =>
    db.transaction(async (trx) => {
      await trx('gadgets').insert({ label: 'in-trx' });
      await trx('gadgets').where({ label: 'in-trx' }).select();
    }),
  );
  t.deepEqual(committed, { 'insert|gadgets|': 1, 'select|gadgets|': 1 });

  const rolledBack = await recorded(() =>
    t.throwsAsync(
      db.transaction(async (trx) => {
        await trx('gadgets').insert({ label: 'rolled-back' });
        throw new Error('roll back');
      }),
      { message: 'roll back' },
    ),
  );
  t.deepEqual(rolledBack, { 'insert|gadgets|': 1 });
  t.is((await db('gadgets').where({ label: 'rolled-back' })).length, 0);
});

test.serial('500 transactions and 500 schema queries record exactly the 500 timed queries', async (t) => {
  const delta = await recorded(async () => {
    for (let i = 0; i < 500; i++) {
      await db.transaction(async (trx) => {
        await trx('widgets').where({ id: -1 }).select();
      });
      t.true(await db.schema.hasTable('widgets'));
    }
  });
  // BEGIN, COMMIT and the information_schema lookups are not timed: had they
  // been, they would show up here (as other operations) or pile up in flight.
  t.deepEqual(delta, { 'select|widgets|': 500 });

  // Every series' bucket +Inf equals its count: nothing observed twice or half-way.
  const metric = registry.getSingleMetric(METRIC) as Histogram;
  const values = (await metric.get()).values;
  const series = values.filter((value) => value.metricName === `${METRIC}_count`);
  for (const count of series) {
    const inf = values.find(
      (value) =>
        value.metricName === `${METRIC}_bucket` &&
        value.labels.le === '+Inf' &&
        value.labels.db_operation_name === count.labels.db_operation_name &&
        value.labels.db_collection_name === count.labels.db_collection_name &&
        value.labels.error_type === count.labels.error_type,
    );
    t.is(inf?.value, count.value);
  }

  // A query after all that is still timed, under its own table.
  t.deepEqual(await recorded(() => db('gadgets').select()), { 'select|gadgets|': 1 });
});
