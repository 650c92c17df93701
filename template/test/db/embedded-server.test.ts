import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import anyTest, { type TestFn } from 'ava';
import {
  CONTROL_QUIET_MS,
  LIVENESS_ANSWER_BUSY_MS,
  LIVENESS_ANSWER_MS,
  SETTLE_MS,
  SHUTDOWN_DURING_START_MS,
  SLACK_MS,
} from '../helpers/bounds.js';
import { usingPostgres } from '../helpers/database.js';
import { START_TIMEOUT_MS, startService, status, waitFor, type ServiceProcess } from '../helpers/service-process.js';

/**
 * The embedded database (DATABASE_URL unset) behaves as a database server
 * would: its start never holds the service's event loop, SIGTERM at any
 * moment of the service's start ends it cleanly and keeps the data, it dies
 * with the service, and a database that cannot open is one log line and a
 * failing readiness, not a crash. The PGlite pass runs these; the
 * PostgreSQL pass has no embedded database to test.
 */
// One at a time: each starts PGlite (seconds of CPU), and starts competing for the CPU would
// only lengthen one another.
const test = (usingPostgres() ? anyTest.serial.skip : anyTest.serial) as TestFn;

function newDataDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'embedded-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'pglite');
}

async function start(t: { teardown(fn: () => void): void }, dataDir: string): Promise<ServiceProcess> {
  const service = await startService({ PGLITE_DATA_DIR: dataDir, LOG_LEVEL: 'info' });
  t.teardown(() => void service.child.kill('SIGKILL'));
  return service;
}

/** One GET on a new connection, as a kubelet probes: its status and how long it took (status 0: refused). */
function timedGet(url: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const done = (status: number) => resolve({ status, ms: performance.now() - started });
    const request = http.get(url, { agent: false, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => done(0));
  });
}

/** A bare HTTP server in a process of its own: how slow the machine itself answers. */
async function startControl(t: { teardown(fn: () => void): void }): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "const s=require('http').createServer((q,r)=>r.end('ok')).listen(0,'127.0.0.1',()=>console.log(s.address().port))",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.teardown(() => void child.kill('SIGKILL'));
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (chunk: Buffer) => resolve(String(chunk).trim())),
  );
  return `http://127.0.0.1:${port}/`;
}

/** Waits for the log line the service writes once its embedded database has taken its first connection. */
const until = (service: ServiceProcess, pattern: RegExp, what: string) =>
  waitFor(async () => pattern.test(service.output()) || service.child.exitCode !== null, START_TIMEOUT_MS, what);

test('/healthz answers at once through a first start on a new data directory, and /ready turns 200', async (t) => {
  const control = await startControl(t);
  const service = await start(t, newDataDir(t));
  const answers: number[] = [];
  const controlAnswers: number[] = [];
  const started = Date.now();
  let ready = false;
  for (let poll = 0; !ready && Date.now() - started < START_TIMEOUT_MS; poll++) {
    if (service.child.exitCode !== null) break;
    const healthz = await timedGet(`${service.url}/healthz`);
    if (healthz.status !== 0 || answers.length > 0) answers.push(healthz.status === 200 ? healthz.ms : Infinity);
    controlAnswers.push((await timedGet(control)).ms);
    if (answers.length > 0 && poll % 5 === 0) ready = (await timedGet(`${service.url}/ready`)).status === 200;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.true(ready, `never ready:\n${service.output()}`);
  // Logs are buffered for up to 200 ms: wait for the line rather than expect it already out.
  await until(service, /embedded database ready/, 'its log line');
  t.regex(service.output(), /embedded database ready/);

  const slowest = Math.max(...answers);
  const controlSlowest = Math.max(...controlAnswers);
  const busy = controlSlowest > CONTROL_QUIET_MS;
  // On a machine so busy that the bare control itself is slow, twice its slowest: a held event loop is seconds.
  const bound = busy ? Math.max(LIVENESS_ANSWER_BUSY_MS, 2 * controlSlowest) : LIVENESS_ANSWER_MS;
  t.log(
    `${answers.length} answers from listening to ready, slowest ${slowest.toFixed(0)} ms; ` +
      `control's slowest ${controlSlowest.toFixed(0)} ms (${busy ? 'busy' : 'quiet'} machine: bound ${bound.toFixed(0)} ms)`,
  );
  t.true(answers.length >= 3, 'polled while the database started');
  t.true(slowest <= bound, `a /healthz answer took ${slowest.toFixed(0)} ms (bound ${bound} ms)`);
});

test('SIGTERM during start-up exits 0 at once, and later starts keep the data', async (t) => {
  const dataDir = newDataDir(t);
  const bound = SHUTDOWN_DURING_START_MS + SLACK_MS;
  const sigtermAtListening = async (what: string) => {
    const service = await start(t, dataDir);
    await waitFor(async () => (await status(`${service.url}/healthz`)) === 200, START_TIMEOUT_MS, 'listening');
    const sent = Date.now();
    service.child.kill('SIGTERM');
    const code = await service.exited;
    const ms = Date.now() - sent;
    t.log(`${what}: exit ${code} ${ms} ms after SIGTERM`);
    t.is(code, 0, `${what}:\n${service.output()}`);
    t.true(ms <= bound, `${what}: exited ${ms} ms after SIGTERM (bound ${bound} ms)`);
  };
  const runToReady = async () => {
    const service = await start(t, dataDir);
    await until(service, /migrations up to date/, 'migrations up to date');
    await waitFor(async () => (await status(`${service.url}/ready`)) === 200, SETTLE_MS, 'ready');
    service.child.kill('SIGTERM');
    t.is(await service.exited, 0, service.output());
  };
  /** Opens the data directory directly, as the service's database process does, while no service runs. */
  const withDatabase = async <T>(use: (db: PGlite) => Promise<T>): Promise<T> => {
    const db = await PGlite.create(dataDir);
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  };

  // While the new data directory is being written: the next start must not find half a database.
  await sigtermAtListening('first start, new data directory');
  await runToReady();
  await withDatabase((db) => db.exec("create table kept (v text); insert into kept values ('before')"));
  // While the existing database opens.
  await sigtermAtListening('start on the existing data directory');
  await runToReady();
  const rows = await withDatabase((db) => db.query<{ v: string }>('select v from kept'));
  t.deepEqual(rows.rows, [{ v: 'before' }]);
});

test('the embedded database process ends when the service is killed', async (t) => {
  const service = await start(t, 'memory://');
  await until(service, /embedded database ready/, 'embedded database ready');
  const pid = Number(
    /"pid":(\d+)/.exec(
      service
        .output()
        .split('\n')
        .find((l) => l.includes('embedded database ready'))!,
    )?.[1],
  );
  t.true(pid > 0, service.output());
  service.child.kill('SIGKILL');
  await service.exited;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  await t.notThrowsAsync(waitFor(async () => !alive(), SETTLE_MS, 'the embedded database process to end'));
});

test('a data directory PGlite cannot open is one log line and a failing readiness, not a crash', async (t) => {
  const dataDir = newDataDir(t);
  mkdirSync(dataDir);
  writeFileSync(path.join(dataDir, 'PG_VERSION'), '18\n');
  const service = await start(t, dataDir);
  await until(service, /embedded database could not start/, 'the start to fail');
  t.is(service.child.exitCode, null, `the service exited:\n${service.output()}`);
  t.is(await status(`${service.url}/healthz`), 200);
  t.is(await status(`${service.url}/ready`), 503);
  const output = service.output();
  t.is(output.split('\n').filter((line) => line.includes('embedded database could not start')).length, 1, output);
  t.notRegex(output, /\n\s+at /, 'no stack trace');
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0, service.output());
});

test('a database process that dies once ready is started again on its data, and readiness follows it', async (t) => {
  const dataDir = newDataDir(t);
  const service = await start(t, dataDir);
  await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'ready');
  await until(service, /embedded database ready/, 'its log line');
  /** The pid of each start of the database process, from its log line. */
  const pids = () =>
    service
      .output()
      .split('\n')
      .filter((line) => line.includes('embedded database ready'))
      .map((line) => Number(/"pid":(\d+)/.exec(line)?.[1]));
  const [first] = pids();
  t.true(first! > 0, service.output());

  process.kill(first!, 'SIGKILL');
  await waitFor(async () => (await status(`${service.url}/ready`)) === 503, SETTLE_MS, 'readiness to fail');
  t.is(await status(`${service.url}/healthz`), 200, 'liveness stays up: restarting the pod would not help');
  await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'ready again');
  await until(service, /embedded database ready[\s\S]*embedded database ready/, 'the second ready line');
  const second = pids()[1];
  t.true(second! > 0 && second !== first, service.output());
  t.regex(service.output(), /embedded database exited \(SIGKILL\); starting it again in \d+ ms/);
  t.is(service.child.exitCode, null);
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0, service.output());

  // What the first process wrote (the migrator's table) is still there: the restart opened the same database.
  const db = await PGlite.create(dataDir);
  try {
    const found = await db.query<{ name: string | null }>("select to_regclass('knex_migrations')::text as name");
    t.deepEqual(found.rows, [{ name: 'knex_migrations' }]);
  } finally {
    await db.close();
  }
});
