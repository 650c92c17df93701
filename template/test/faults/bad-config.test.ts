import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import test from 'ava';
import pg from 'pg';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../helpers/database.js';
import { START_TIMEOUT_MS, startService, waitFor, type ServiceProcess } from '../helpers/service-process.js';

/**
 * Each invalid value makes the process exit 1 with one line naming the
 * variable, before it touches the database: with every other variable valid
 * (DATABASE_URL on a fresh database, or PGLITE_DATA_DIR on a fresh directory),
 * nothing is created there afterwards, not even knex_migrations.
 */

const BAD_VALUES: readonly (readonly [string, string])[] = [
  ['PORT', 'abc'],
  ['PORT', '0'],
  ['HOST', ''],
  ['HEALTH_TIMEOUT_MS', '-1'],
  ['HEALTH_CACHE_MS', 'x'],
  ['SHUTDOWN_TIMEOUT_MS', '0'],
  ['LOG_LEVEL', 'loud'],
  ['DB_POOL_MAX', '0'],
  ['MIGRATE_ON_START', 'maybe'],
  ['DATABASE_URL', 'mysql://u:pw-mysql-secret@h/d'],
];
const VARIABLES = [...new Set(BAD_VALUES.map(([variable]) => variable))];
/** Each start costs 2–4 s of tsx: a few at a time on a shared 2-core machine. */
const PARALLEL = 3;

let database: TestDatabase | undefined;
let dataDir: string | undefined;
const running = new Set<ServiceProcess>();

test.before(async () => {
  database = await createTestDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), 'bad-config-'));
});

test.after.always(async () => {
  for (const service of running) service.child.kill('SIGKILL');
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A valid environment on the fresh database, migrations on: only the bad value can stop it. */
function validEnv(): Record<string, string> {
  return usingPostgres()
    ? { DATABASE_URL: database!.env.DATABASE_URL!, MIGRATE_ON_START: 'true' }
    : { PGLITE_DATA_DIR: path.join(dataDir!, 'pglite'), MIGRATE_ON_START: 'true' };
}

async function run(variable: string, value: string): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now();
  const service = await startService({ ...validEnv(), [variable]: value });
  running.add(service);
  // A guard against a process that never exits, not a bound on how fast it fails: tsx starts slowly when busy.
  const timer = setTimeout(() => service.child.kill('SIGKILL'), START_TIMEOUT_MS);
  const code = await service.exited;
  clearTimeout(timer);
  running.delete(service);
  return { code, output: service.output(), ms: performance.now() - started };
}

async function tablesIn(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `select table_schema || '.' || table_name as name from information_schema.tables
       where table_schema not in ('pg_catalog', 'information_schema')`,
    );
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

test('every invalid value exits 1 with one line naming it, and nothing reaches the database', async (t) => {
  const results: { variable: string; value: string; code: number | null; output: string; ms: number }[] = [];
  const queue = [...BAD_VALUES];
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [variable, value] = next;
        results.push({ variable, value, ...(await run(variable, value)) });
      }
    }),
  );
  t.is(results.length, BAD_VALUES.length);

  for (const { variable, value, code, output, ms } of results) {
    const what = `${variable}=${JSON.stringify(value)}`;
    t.log(`${what}: exit ${code} in ${ms.toFixed(0)} ms: ${output.trim()}`);
    t.is(code, 1, `${what}: ${output}`);
    const lines = output.trim().split('\n');
    t.is(lines.length, 1, `${what} printed ${lines.length} lines: ${output}`);
    t.regex(lines[0]!, new RegExp(`^Invalid configuration: ${variable} `), what);
    for (const other of VARIABLES) {
      if (other !== variable) t.false(lines[0]!.includes(other), `${what} also names ${other}: ${lines[0]}`);
    }
    t.notRegex(output, /pw-mysql-secret|\n\s+at /, `${what} shows a secret or a stack`);
  }

  if (usingPostgres()) {
    t.deepEqual(await tablesIn(database!.env.DATABASE_URL!), [], 'no table, not even knex_migrations');
  } else {
    const pglite = path.join(dataDir!, 'pglite');
    t.false(
      existsSync(pglite),
      `PGlite files were written: ${existsSync(pglite) ? readdirSync(pglite).join(', ') : ''}`,
    );
  }
});

test('the same environment with valid values does migrate (the check above can see a write)', async (t) => {
  // A control: without it, "no tables" could mean the service never reached this database at all.
  const control = await createTestDatabase();
  t.teardown(() => control.drop());
  const dir = mkdtempSync(path.join(tmpdir(), 'good-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const env = usingPostgres() ? control.env : { PGLITE_DATA_DIR: path.join(dir, 'pglite') };
  const service = await startService({ ...env, MIGRATE_ON_START: 'true', LOG_LEVEL: 'info' });
  running.add(service);
  t.teardown(() => void service.child.kill('SIGKILL'));
  await waitFor(
    async () => /migrations up to date/.test(service.output()) || service.child.exitCode !== null,
    START_TIMEOUT_MS,
    'migrations up to date',
  ).catch(() => {});
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0, service.output());
  running.delete(service);
  t.regex(service.output(), /migrations up to date/);
  if (usingPostgres()) {
    t.true((await tablesIn(control.env.DATABASE_URL!)).includes('public.knex_migrations'));
  } else {
    t.true(existsSync(path.join(dir, 'pglite')));
  }
});
