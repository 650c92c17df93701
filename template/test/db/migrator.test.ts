import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import type { Knex } from 'knex';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { databaseStarted } from '../../src/db/embedded-client.js';
import { DirectoryMigrationSource } from '../../src/db/migration-source.js';
import { Migrator } from '../../src/db/migrator.js';
import { HealthCheckError } from '../../src/health/check-error.js';
import { HealthRegistry } from '../../src/health/registry.js';
import { SETTLE_MS, SLACK_MS } from '../helpers/bounds.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const logger = pino({ level: 'silent' });
/** Nothing listens on port 1: every connection is refused at once. */
const REFUSING_URL = 'postgres://postgres@127.0.0.1:1/nothing';
/** The temporary migrations record themselves apart from the service's own `knex_migrations`. */
const TEMP_TABLE = 'temp_dir_migrations';

const MIGRATIONS: Record<string, string> = {
  // Written out of order: the source sorts them.
  '20260102000000_add_column.js': `
export async function up(knex) {
  await knex.schema.alterTable('things', (table) => table.string('color'));
}
export async function down(knex) {
  await knex.schema.alterTable('things', (table) => table.dropColumn('color'));
}
`,
  '20260101000000_create_things.ts': `
interface Things { id: number }
export async function up(knex: any): Promise<void> {
  await knex.schema.createTable('things', (table: any) => {
    table.increments('id');
  });
}
export async function down(knex: any): Promise<void> {
  await knex.schema.dropTable('things');
}
export type { Things };
`,
  '20260103000000_seed_things.ts': `
export async function up(knex: any): Promise<void> {
  await knex('things').insert({ color: 'teal' });
}
export async function down(knex: any): Promise<void> {
  await knex('things').del();
}
`,
  // Not migrations: each would break the run if it were imported or applied.
  'README.md': '# Migrations\n\nNot a migration.\n',
  '20260104000000_types.d.ts': 'export declare function up(): never;\nthrow new Error("a .d.ts was imported");\n',
  'helpers.ts': 'throw new Error("a helper without a timestamp was imported");\n',
  '2026_short_stamp.ts': 'throw new Error("a short timestamp was imported");\n',
  '20260105000000_notes.txt': 'not a migration\n',
  '20260106000000_compiled.js.map': '{}\n',
};

const EXPECTED = ['20260101000000_create_things.ts', '20260102000000_add_column.js', '20260103000000_seed_things.ts'];

let testDatabase: TestDatabase;
let db: Knex;
let tmpDir: string;
const opened: Knex[] = [];
const migrators: Migrator[] = [];

test.before(async () => {
  tmpDir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  for (const [file, source] of Object.entries(MIGRATIONS)) await writeFile(path.join(tmpDir, file), source);
  testDatabase = await createTestDatabase();
  db = createDatabase(loadConfig({ ...testDatabase.env, LOG_LEVEL: 'silent' }), logger);
  await databaseStarted(db);
});

test.after.always(async () => {
  for (const migrator of migrators) await migrator.stop().catch(() => {});
  for (const instance of opened) await instance.destroy().catch(() => {});
  await db?.destroy();
  await testDatabase?.drop();
  if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
});

function refusingDatabase(): Knex {
  const instance = createDatabase(loadConfig({ DATABASE_URL: REFUSING_URL, LOG_LEVEL: 'silent' }), logger);
  opened.push(instance);
  return instance;
}

function track(migrator: Migrator): Migrator {
  migrators.push(migrator);
  return migrator;
}

/** Rejects instead of hanging the test when `promise` does not settle in time. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms, undefined, { ref: false }).then(() => {
      throw new Error(`${what} did not settle within ${ms} ms`);
    }),
  ]);
}

async function checkOutput(migrator: Migrator): Promise<string | undefined> {
  const error = await migrator
    .checker()
    .check(new AbortController().signal)
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  if (error === undefined) return undefined;
  if (!(error instanceof HealthCheckError)) throw new Error('the checker threw something else', { cause: error });
  return error.message;
}

test('the source lists only timestamped .ts and .js files, in order', async (t) => {
  const source = new DirectoryMigrationSource(tmpDir);
  t.deepEqual(await source.getMigrations(), EXPECTED);
});

test('a migration is named by its file name without extension', (t) => {
  const source = new DirectoryMigrationSource(tmpDir);
  t.is(source.getMigrationName('20260101000000_create_things.ts'), '20260101000000_create_things');
  t.is(source.getMigrationName('20260102000000_add_column.js'), '20260102000000_add_column');
});

test('the source imports .ts and .js migrations', async (t) => {
  const source = new DirectoryMigrationSource(tmpDir);
  for (const file of EXPECTED) {
    const migration = await source.getMigration(file);
    t.is(typeof migration.up, 'function', `${file} has up()`);
    t.is(typeof migration.down, 'function', `${file} has down()`);
  }
});

test('a missing directory has no migrations', async (t) => {
  const source = new DirectoryMigrationSource(path.join(tmpDir, 'does-not-exist'));
  t.deepEqual(await source.getMigrations(), []);
});

test.serial('knex applies the directory’s migrations in order, once', async (t) => {
  const migrationSource = new DirectoryMigrationSource(tmpDir);
  const [batch, applied] = (await db.migrate.latest({ migrationSource, tableName: TEMP_TABLE })) as [number, string[]];
  t.is(batch, 1);
  t.deepEqual(applied, ['20260101000000_create_things', '20260102000000_add_column', '20260103000000_seed_things']);
  t.true(await db.schema.hasTable('things'));
  t.true(await db.schema.hasColumn('things', 'color'));
  t.deepEqual(await db('things').select('color'), [{ color: 'teal' }]);
  const recorded = await db(TEMP_TABLE).orderBy('id').pluck('name');
  t.deepEqual(recorded, applied);

  const [, again] = (await db.migrate.latest({ migrationSource, tableName: TEMP_TABLE })) as [number, string[]];
  t.deepEqual(again, [], 'nothing is applied twice');
});

test.serial('the migrator fails readiness until its migrations have run, then passes', async (t) => {
  const migrator = track(new Migrator(db, logger));
  const checker = migrator.checker();
  t.is(checker.name, 'migrations');
  t.is(checker.componentType, 'datastore');
  t.false(migrator.done);
  t.is(await checkOutput(migrator), 'migrations pending');

  const registry = new HealthRegistry({ timeoutMs: 1000, cacheMs: 0 });
  registry.register(checker);
  const before = await registry.report();
  t.is(before.status, 'fail');
  t.is(before.checks.migrations?.output, 'migrations pending');

  await within(migrator.start(), SETTLE_MS, 'start()');
  t.true(migrator.done);
  t.is(await checkOutput(migrator), undefined);
  const after = await registry.report();
  t.is(after.status, 'pass', JSON.stringify(after));
  t.true(await db.schema.hasTable('knex_migrations'), 'the service’s own migrations table exists');
  t.deepEqual(await migrator.latest(), [], 'latest() after start() applies nothing');
  await within(migrator.stop(), SLACK_MS, 'stop() after success');
});

// The registry caches a result for HEALTH_CACHE_MS: a 'pending' cached just
// before the migrations succeeded would hold readiness back that long.
test.serial('the migrations result is cached 10 ms only: readiness passes soon after they succeed', async (t) => {
  const migrator = track(new Migrator(db, logger));
  const registry = new HealthRegistry({ timeoutMs: 5000, cacheMs: 60_000 });
  registry.register(migrator.checker());
  t.is((await registry.report()).status, 'fail');
  await within(migrator.start(), SETTLE_MS, 'start()');
  await sleep(20);
  const report = await registry.report();
  t.is(report.status, 'pass', JSON.stringify(report));
});

// A restart on a migrated database only reads what is applied: even a lock
// left taken (a replica killed mid-migration) does not hold it back.
test('a start with nothing pending takes no lock', async (t) => {
  const directory = await mkdtemp(path.join(tmpdir(), 'migrations-applied-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  await writeFile(
    path.join(directory, '20260101000000_noop.js'),
    'export async function up() {}\nexport async function down() {}\n',
  );
  const options = { directory, tableName: 'applied_migrations' };
  t.deepEqual(await new Migrator(db, logger, options).latest(), ['20260101000000_noop']);
  await db('applied_migrations_lock').update({ is_locked: 1 });

  const lines: LogLine[] = [];
  const capturing = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  const migrator = track(new Migrator(db, capturing, { ...options, initialDelayMs: 50 }));
  await within(migrator.start(), SETTLE_MS, 'start() on a migrated database with its lock taken');
  t.true(migrator.done);
  t.deepEqual(lines, [], 'no attempt failed on the lock');
});

interface LogLine {
  msg?: string;
  attempt?: number;
  retryInMs?: number;
}

test('against a refusing database the migrator retries, says so, and stops promptly', async (t) => {
  const lines: LogLine[] = [];
  const capturing = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  const migrator = track(
    new Migrator(refusingDatabase(), capturing, { directory: tmpDir, tableName: TEMP_TABLE, initialDelayMs: 50 }),
  );
  t.is(await checkOutput(migrator), 'migrations pending');

  let settled = false;
  const run = migrator.start();
  void run.then(() => (settled = true));
  t.is(migrator.start(), run, 'start() twice is the same run');

  // Fails, then keeps retrying with a growing delay. The delays are read from
  // the log; the deadline only bounds the wait on a busy machine, where the
  // first attempt also loads the migration files through tsx.
  const deadline = performance.now() + SETTLE_MS;
  while (lines.length < 3 && performance.now() < deadline) await sleep(20);
  t.true(lines.length >= 3, `expected 3 failed attempts, saw ${lines.length}`);
  t.deepEqual(
    lines.slice(0, 3).map((line) => [line.msg, line.attempt, line.retryInMs]),
    [
      ['migrations failed; retrying', 1, 50],
      ['migrations failed; retrying', 2, 100],
      ['migrations failed; retrying', 3, 200],
    ],
  );
  t.is(await checkOutput(migrator), 'migrations failed, retrying');
  t.false(migrator.done);
  t.false(settled, 'start() waits while the migrations keep failing');

  // Now sleeping up to 400 ms before attempt 4 (the next test covers a long sleep).
  await within(migrator.stop(), SLACK_MS, 'stop()');
  await within(run, SLACK_MS, 'start() after stop()');
  t.true(settled);
  t.false(migrator.done);
  const attempts = lines.length;
  // Longer than the next retry's delay (400 ms) would have been.
  await sleep(1000);
  t.is(lines.length, attempts, 'no attempt after stop()');
  t.is(await checkOutput(migrator), 'migrations failed, retrying', 'readiness stays failed');
});

test('stop() right after start() on a refusing database resolves at once, and so does start()', async (t) => {
  const migrator = track(
    new Migrator(refusingDatabase(), logger, { directory: tmpDir, tableName: TEMP_TABLE, initialDelayMs: 5000 }),
  );
  const run = migrator.start();
  const started = performance.now();
  await within(migrator.stop(), SLACK_MS, 'stop()');
  await within(run, SLACK_MS, 'start()');
  const ms = performance.now() - started;
  t.true(ms < SLACK_MS, `stop() took ${ms.toFixed(0)} ms though the next retry was 5 s away`);
  t.false(migrator.done);
});

// MIGRATE_ON_START=false: the migration Job migrates, and a pod of the new
// version must not take traffic on the old schema.
test.serial('without migrating itself, the service is ready once the Job has applied every migration', async (t) => {
  const jobDatabase = await createTestDatabase();
  const jobDb = createDatabase(loadConfig({ ...jobDatabase.env, LOG_LEVEL: 'silent' }), logger);
  opened.push(jobDb);
  t.teardown(() => jobDatabase.drop());
  // An embedded database takes seconds to start, which can outlast the check's timeout.
  await databaseStarted(jobDb);
  const options = { directory: tmpDir, tableName: 'job_migrations' };
  const service = new Migrator(jobDb, logger, options);
  const checker = service.appliedChecker();
  t.is(checker.name, 'migrations');
  t.is(checker.componentType, 'datastore');

  const registry = new HealthRegistry({ timeoutMs: 30_000, cacheMs: 0 });
  registry.register(checker);
  const before = await registry.report();
  t.is(before.status, 'fail');
  t.is(before.checks.migrations?.output, '3 migration(s) not applied yet: waiting for npm run migrate');
  t.false(await jobDb.schema.hasTable('job_migrations'), 'the check only reads');

  t.is((await new Migrator(jobDb, logger, options).latest()).length, 3, 'the Job applies them');
  t.is((await registry.report()).status, 'pass');
  t.deepEqual(await service.pending(), []);
});

test('a service without migrations is ready at once without migrating itself', async (t) => {
  const service = new Migrator(refusingDatabase(), logger, { directory: path.join(tmpDir, 'does-not-exist') });
  t.deepEqual(await service.pending(), [], 'no migration, no query');
  await t.notThrowsAsync(service.appliedChecker().check(new AbortController().signal));
});

// knex creates its lock table and then inserts the lock row if the table is
// empty: replicas migrating a fresh database together could insert one row
// each, and every later lock attempt then failed ("Migration table is
// already locked") forever.
test.serial('replicas migrating a fresh database at once all get there, with one lock row', async (t) => {
  const fresh = await createTestDatabase();
  t.teardown(() => fresh.drop());
  if (!fresh.env.DATABASE_URL) {
    t.pass('PGlite is one process: nothing to race');
    return;
  }
  const replicas = Array.from({ length: 20 }, () => {
    const instance = createDatabase(loadConfig({ ...fresh.env, LOG_LEVEL: 'silent' }), logger);
    opened.push(instance);
    return track(new Migrator(instance, logger, { directory: tmpDir, initialDelayMs: 50, maxDelayMs: 200 }));
  });
  await within(Promise.all(replicas.map((replica) => replica.start())), 2 * SETTLE_MS, 'every replica migrated');
  t.true(replicas.every((replica) => replica.done));
  const check = opened.at(-1)!;
  t.is((await check('knex_migrations_lock').count<{ count: string }[]>('* as count'))[0]?.count, '1');
  t.deepEqual(await check('knex_migrations').orderBy('id').pluck('name'), [
    '20260101000000_create_things',
    '20260102000000_add_column',
    '20260103000000_seed_things',
  ]);
});
