import test from 'ava';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { MIN_PERIOD_MS, startBackgroundRuns, type BackgroundRuns } from '../../src/health/background-runs.js';
import { HealthRegistry } from '../../src/health/registry.js';
import type { CheckOutcome, HealthChecker } from '../../src/health/types.js';
import { registerHealthMetrics } from '../../src/metrics/health-metrics.js';
import { SETTLE_MS, SLACK_MS } from '../helpers/bounds.js';
import { waitFor } from '../helpers/service-process.js';

interface CountingChecker extends HealthChecker {
  calls: number;
  /** How many runs were in progress at once, at most. */
  mostRunning: number;
}

/** A checker that counts its runs and runs `run` (by default it passes at once). */
function counting(
  name: string,
  run: () => Promise<void | CheckOutcome> | void = () => {},
  options: { timeoutMs?: number; cacheMs?: number } = {},
): CountingChecker {
  let running = 0;
  const checker: CountingChecker = {
    name,
    ...options,
    calls: 0,
    mostRunning: 0,
    async check() {
      checker.calls += 1;
      checker.mostRunning = Math.max(checker.mostRunning, ++running);
      try {
        return await run();
      } finally {
        running--;
      }
    },
  };
  return checker;
}

function registryWith(checkers: HealthChecker[]): HealthRegistry {
  const registry = new HealthRegistry({ timeoutMs: 2000, cacheMs: 0 });
  for (const checker of checkers) registry.register(checker);
  return registry;
}

/** Starts background runs that the test stops in its teardown, whatever happens. */
function start(t: { teardown(fn: () => Promise<void>): void }, health: HealthRegistry, intervalMs: number) {
  const runs: BackgroundRuns = startBackgroundRuns(health, intervalMs);
  t.teardown(() => runs.stop());
  return runs;
}

const until = (condition: () => boolean, what: string) => waitFor(async () => condition(), SETTLE_MS, what);

test('every check runs at once on start, then again after each interval, with no probe', async (t) => {
  const db = counting('db');
  const cache = counting('cache');
  const health = registryWith([db, cache]);
  start(t, health, MIN_PERIOD_MS);
  t.is(db.calls, 1, 'the first runs start with the schedule');
  t.is(cache.calls, 1);
  await until(() => db.calls >= 3 && cache.calls >= 3, 'three runs of each check');
  t.deepEqual([...health.lastResults().keys()], ['db', 'cache']);
});

test('health_check_status is current without a probe and follows a failing dependency', async (t) => {
  let up = true;
  const health = registryWith([
    counting('db', () => {
      if (!up) throw new Error('connection refused');
    }),
    counting('cache'),
  ]);
  const metrics = new Registry();
  registerHealthMetrics(metrics, health);
  const status = async (check: string) =>
    (await metrics.getSingleMetric('health_check_status')!.get()).values.find((v) => v.labels.check === check)?.value;

  t.is(await status('db'), undefined, 'nothing has run yet');
  start(t, health, MIN_PERIOD_MS);
  await waitFor(async () => (await status('db')) === 1 && (await status('cache')) === 1, SETTLE_MS, 'both pass');
  up = false;
  await waitFor(async () => (await status('db')) === 0, SETTLE_MS, 'db fails');
  t.is(await status('cache'), 1);
  up = true;
  await waitFor(async () => (await status('db')) === 1, SETTLE_MS, 'db passes again');
  t.pass();
});

test('probes read the latest results and run no check; before the first result they share its run', async (t) => {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let first = true;
  const db = counting('db', async () => {
    if (first) await released;
    first = false;
  });
  const health = registryWith([db]);
  // An interval no test outlasts: every run after the first would be a probe's.
  start(t, health, 600_000);
  const early = health.report();
  t.is(db.calls, 1, 'a probe before the first result joins the run in flight');
  release();
  t.is((await early).status, 'pass');

  for (let probe = 0; probe < 100; probe++) {
    t.is((await health.report()).status, 'pass');
    t.is((await health.reportOne('db'))?.status, 'pass');
  }
  t.is(db.calls, 1);
});

test("a check's own shorter cacheMs is its period; others keep the interval", async (t) => {
  const memory = counting('memory', undefined, { cacheMs: MIN_PERIOD_MS });
  const db = counting('db');
  const health = registryWith([memory, db]);
  start(t, health, 600_000);
  await until(() => memory.calls >= 3, 'three runs of the memory check');
  t.is(db.calls, 1);
});

test('after stop() no check runs, and probes run the checks again', async (t) => {
  const db = counting('db');
  const health = registryWith([db]);
  const runs = startBackgroundRuns(health, MIN_PERIOD_MS);
  await until(() => db.calls >= 2, 'a second run');
  await runs.stop();
  const stoppedAt = db.calls;
  await sleep(MIN_PERIOD_MS * 5);
  t.is(db.calls, stoppedAt, 'no run after stop()');
  await health.report();
  t.is(db.calls, stoppedAt + 1, 'the probe ran it');
});

test('stop() waits for a run in progress, and no run follows it', async (t) => {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const db = counting('db', () => released);
  const health = registryWith([db]);
  const runs = startBackgroundRuns(health, MIN_PERIOD_MS);
  let stopped = false;
  const stopping = runs.stop().then(() => (stopped = true));
  await sleep(50);
  t.false(stopped, 'the run is still in progress');
  release();
  await stopping;
  t.is(health.lastResults().get('db')?.status, 'pass');
  await sleep(MIN_PERIOD_MS * 3);
  t.is(db.calls, 1);
});

test('a hung check holds one run, never a pile of them, and the schedule resumes once it returns', async (t) => {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let hung = true;
  // Ignores its signal, as a client without cancellation does.
  const stuck = counting('stuck', () => (hung ? released : undefined), { timeoutMs: 20 });
  const health = registryWith([stuck, counting('fine')]);
  start(t, health, MIN_PERIOD_MS);

  await until(
    () => health.lastResults().get('stuck')?.output === 'previous run still pending after its timeout',
    'the pending rule',
  );
  // Ten more periods than it took to get here: still the one run.
  await sleep(MIN_PERIOD_MS * 10);
  t.is(stuck.calls, 1);
  t.is(stuck.mostRunning, 1);
  t.is(health.lastResults().get('stuck')?.status, 'fail');
  t.is(health.lastResults().get('fine')?.status, 'pass', 'a hung check holds up no other');

  hung = false;
  release();
  await until(() => health.lastResults().get('stuck')?.status === 'pass', 'the check passes again');
  t.is(stuck.mostRunning, 1);
});

test('runs of a slow check never overlap', async (t) => {
  const slow = counting('slow', () => sleep(MIN_PERIOD_MS * 3), { timeoutMs: 10_000 });
  start(t, registryWith([slow]), MIN_PERIOD_MS);
  await until(() => slow.calls >= 3, 'three runs');
  t.is(slow.mostRunning, 1);
});

test('a check that throws, rejects or throws a non-Error never stops the schedule', async (t) => {
  const throwing: HealthChecker & { calls: number } = {
    name: 'throws',
    calls: 0,
    // Throws before returning a promise at all.
    check: () => {
      throwing.calls++;
      throw new Error('thrown');
    },
  };
  const rejecting = counting('rejects', () => Promise.reject(new Error('rejected')));
  const odd = counting('odd', () => {
    throw 'a string'; // eslint-disable-line @typescript-eslint/only-throw-error
  });
  const health = registryWith([throwing, rejecting, odd]);
  start(t, health, MIN_PERIOD_MS);
  await until(() => throwing.calls >= 3 && rejecting.calls >= 3 && odd.calls >= 3, 'three runs of each');
  for (const name of ['throws', 'rejects', 'odd']) t.is(health.lastResults().get(name)?.status, 'fail');
});

test('start refuses an interval that is not a positive integer', (t) => {
  const health = registryWith([counting('db')]);
  for (const interval of [0, -1, 1.5, Number.NaN]) {
    t.throws(() => startBackgroundRuns(health, interval), { instanceOf: TypeError });
  }
  t.deepEqual([...health.lastResults().keys()], [], 'nothing ran');
});

test('the schedule does not keep the process alive', async (t) => {
  const script = [
    "import { HealthRegistry } from './src/health/registry.ts';",
    "import { startBackgroundRuns } from './src/health/background-runs.ts';",
    'const health = new HealthRegistry({ timeoutMs: 60000, cacheMs: 0 });',
    "health.register({ name: 'db', async check() {} });",
    "health.register({ name: 'hung', timeoutMs: 50, check: () => new Promise(() => {}) });",
    'startBackgroundRuns(health, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', script], {
    cwd: path.resolve(import.meta.dirname, '../..'),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  // tsx compiles first: a generous bound, far under what a kept-alive process would take (forever).
  const code = await Promise.race([exited, sleep(SETTLE_MS * 2 + SLACK_MS).then(() => 'still running')]);
  if (code === 'still running') child.kill('SIGKILL');
  t.is(code, 0, stderr);
});
