import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import pg from 'pg';

/**
 * End to end, as a platform team would: generate a service with the real
 * plop command and standard input closed, install it, type-check, lint and
 * test it on the local PostgreSQL, start it and probe it; then extend it with
 * a checker and a model and test it again.
 */

const test = anyTest as TestFn<{ root: string; service: string }>;
const REPO = path.resolve(import.meta.dirname, '..');
const PLOP = path.join(REPO, 'node_modules/plop/bin/plop.js');
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/**
 * A database of this run's own: the service migrates it (the model adds a
 * table), and a later run's service, without that migration, would find the
 * database newer than its code and never be ready.
 */
const DATABASE_NAME = `e2e_${process.pid}_${Date.now()}`;
const DATABASE_URL = Object.assign(new URL(SERVER_URL), { pathname: `/${DATABASE_NAME}` }).href;

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const plop = (root: string, ...args: string[]) => run(process.execPath, [PLOP, '--dest', root, ...args], REPO);
const npm = (service: string, script: string, env: Record<string, string> = {}) =>
  run('npm', ['run', script], service, { DATABASE_URL, ...env });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * How long the built service may take to listen and be ready: under a second
 * when idle; on a busy CI machine, many times that. Start-up time is the
 * benchmark's to measure.
 */
const START_TIMEOUT_MS = 90_000;

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the built service on PostgreSQL, checks its probes and metrics, stops it with SIGTERM. */
async function startAndProbe(t: ExecutionContext<unknown>, service: string): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/server.js'], {
    cwd: service,
    env: { ...process.env, DATABASE_URL, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const base = `http://127.0.0.1:${port}`;
    const live = await until(
      async () => ((await get(`${base}/healthz`)).status === 200 ? true : undefined),
      START_TIMEOUT_MS,
    );
    t.true(live);
    const ready = await until(async () => {
      const res = await get(`${base}/ready`);
      return res.status === 200 ? res.text : undefined;
    }, START_TIMEOUT_MS);
    const metrics = await get(`${base}/metrics`);
    t.is(metrics.status, 200);
    const check = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let findings = '';
    check.stdout.on('data', (chunk: Buffer) => (findings += chunk.toString()));
    check.stderr.on('data', (chunk: Buffer) => (findings += chunk.toString()));
    check.stdin.end(metrics.text);
    t.is(await new Promise((resolve) => check.on('close', resolve)), 0, findings);
    t.regex(metrics.text, /service_build_info\{service_name="demo",service_version="0\.1\.0"/);
    return ready;
  } finally {
    child.kill('SIGTERM');
    t.is(await exited, 0);
  }
}

test.before(async (t) => {
  await onServer(`create database ${DATABASE_NAME}`);
  // The test owns this directory; nothing in the repository is touched.
  t.context.root = mkdtempSync(path.join(tmpdir(), 'generated-'));
  t.context.service = path.join(t.context.root, 'services/demo');
});

test.after.always(async (t) => {
  rmSync(t.context.root, { recursive: true, force: true });
  await onServer(`drop database if exists ${DATABASE_NAME} with (force)`);
});

test.serial('plop service demo writes and installs a service, with standard input closed', async (t) => {
  const result = await plop(t.context.root, 'service', 'demo');
  t.is(result.code, 0, result.output);
  t.regex(result.output, /dependencies installed in demo/);
  t.true(existsSync(path.join(t.context.service, 'node_modules/koa')));
});

test.serial('the service type-checks, lints and passes its tests on PostgreSQL', async (t) => {
  for (const script of ['typecheck', 'lint', 'test']) {
    const result = await npm(t.context.service, script);
    t.is(result.code, 0, `npm run ${script}:\n${result.output}`);
  }
});

test.serial('the built service answers its probes and a clean /metrics', async (t) => {
  const build = await npm(t.context.service, 'build');
  t.is(build.code, 0, build.output);
  const ready = await startAndProbe(t, t.context.service);
  t.regex(ready, /"database"/);
});

test.serial('checker and model extend it, and it still passes its tests', async (t) => {
  const checker = await plop(t.context.root, 'checker', 'demo', 'payments-api');
  t.is(checker.code, 0, checker.output);
  const model = await plop(t.context.root, 'model', 'demo', 'Order');
  t.is(model.code, 0, model.output);

  for (const script of ['typecheck', 'lint', 'test', 'build']) {
    const result = await npm(t.context.service, script);
    t.is(result.code, 0, `npm run ${script}:\n${result.output}`);
  }
  const pglite = await run('npm', ['test', '--', 'test/models'], t.context.service, { DATABASE_URL: '' });
  t.is(pglite.code, 0, `the model's test on PGlite:\n${pglite.output}`);

  const ready = await startAndProbe(t, t.context.service);
  t.regex(ready, /"payments-api"/);
});
