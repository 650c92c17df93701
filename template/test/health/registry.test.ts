import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { CheckTimeoutError, HealthCheckError } from '../../src/health/check-error.js';
import { HealthRegistry, type HealthRegistryOptions } from '../../src/health/registry.js';
import type { CheckOutcome, HealthChecker, HealthStatus } from '../../src/health/types.js';
import { SLACK_MS } from '../helpers/bounds.js';

interface FakeChecker extends HealthChecker {
  calls: number;
}

/** A checker that counts its calls and runs `run` (by default it passes at once). */
function fake(
  name: string,
  run: (signal: AbortSignal) => Promise<void | CheckOutcome> | void | CheckOutcome = () => {},
  options: { critical?: boolean; timeoutMs?: number; cacheMs?: number } = {},
): FakeChecker {
  const checker: FakeChecker = {
    name,
    ...options,
    calls: 0,
    async check(signal) {
      checker.calls += 1;
      return run(signal);
    },
  };
  return checker;
}

const failing = (name: string, options: { critical?: boolean } = {}) =>
  fake(name, () => Promise.reject(new Error('down')), options);

const never = () => new Promise<never>(() => {});

function registryWith(checkers: HealthChecker[], options: Partial<HealthRegistryOptions> = {}): HealthRegistry {
  const registry = new HealthRegistry({ timeoutMs: 2000, cacheMs: 0, ...options });
  for (const checker of checkers) registry.register(checker);
  return registry;
}

test('register() rejects a duplicate name', (t) => {
  const registry = registryWith([fake('db')]);
  t.throws(() => registry.register(fake('db')), { message: 'Health check "db" is already registered' });
  t.deepEqual(registry.names(), ['db']);
});

const malformedName = test.macro({
  exec(t, name: unknown) {
    const registry = registryWith([]);
    const error = t.throws(() => registry.register({ name, check: async () => {} } as unknown as HealthChecker), {
      instanceOf: TypeError,
    });
    t.is(
      error?.message,
      `Health check name ${JSON.stringify(name)} is invalid: use kebab-case (a-z, 0-9 and single dashes, 63 characters at most)`,
    );
    t.deepEqual(registry.names(), []);
  },
  title: (label = '') => `register() rejects a malformed name: ${label}`,
});

test('upper case', malformedName, 'Upper');
test('trailing dash', malformedName, 'db-');
test('double dash', malformedName, 'db--main');
test('leading digit', malformedName, '2db');
test('empty', malformedName, '');
test('64 characters', malformedName, 'a'.repeat(64));
test('a number', malformedName, 42);

test('register() accepts kebab-case names up to 63 characters', (t) => {
  const names = ['db', 'event-loop', 'cache2-eu-west', 'a'.repeat(63)];
  const registry = registryWith(names.map((name) => fake(name)));
  t.deepEqual(registry.names(), names);
});

test('register() rejects a timeoutMs that is not a positive integer', (t) => {
  const registry = registryWith([]);
  t.throws(() => registry.register(fake('zero', undefined, { timeoutMs: 0 })), { message: /"zero".*timeoutMs: 0/ });
  t.throws(() => registry.register(fake('half', undefined, { timeoutMs: 1.5 })), { message: /"half".*timeoutMs: 1.5/ });
});

test('checks run in parallel', async (t) => {
  // Each check ends only once all three have started: one after another, the first would time out.
  let started = 0;
  let allStarted: () => void = () => {};
  const gate = new Promise<void>((resolve) => (allStarted = resolve));
  const gated = (name: string) =>
    fake(name, async () => {
      if (++started === 3) allStarted();
      await gate;
    });
  const registry = registryWith(['a', 'b', 'c'].map(gated), { timeoutMs: 5000 });
  const report = await registry.report();
  t.is(report.status, 'pass', JSON.stringify(report));
  t.is(started, 3);
});

test('a check that ignores its signal fails at its timeout, and its signal aborts with a TimeoutError', async (t) => {
  let seen: AbortSignal | undefined;
  const stuck = fake(
    'stuck',
    (signal) => {
      seen = signal;
      return never();
    },
    { timeoutMs: 100 },
  );
  const registry = registryWith([stuck, fake('fine')]);
  const started = performance.now();
  const report = await registry.report();
  t.true(performance.now() - started < 100 + SLACK_MS, 'not waiting for the stuck check');
  t.is(report.status, 'fail');
  t.like(report.checks.stuck, { status: 'fail', output: 'timed out after 100 ms', critical: true });
  t.is(report.checks.fine?.status, 'pass');
  t.true(seen?.aborted);
  t.true(seen?.reason instanceof CheckTimeoutError);
  t.is((seen?.reason as Error).name, 'TimeoutError');
});

test("a check without its own timeoutMs gets the registry's", async (t) => {
  const registry = registryWith([fake('stuck', never)], { timeoutMs: 60 });
  const report = await registry.report();
  t.is(report.checks.stuck?.output, 'timed out after 60 ms');
});

test('the signal of a check that finishes in time never aborts', async (t) => {
  let seen: AbortSignal | undefined;
  const registry = registryWith([fake('quick', (signal) => void (seen = signal), { timeoutMs: 50 })]);
  await registry.report();
  await sleep(120);
  t.false(seen?.aborted);
});

test('a check that throws, rejects or throws a non-Error fails on its own', async (t) => {
  const registry = registryWith([
    {
      name: 'throws',
      check() {
        throw new Error('sync');
      },
    },
    fake('rejects', () => Promise.reject(new Error('async'))),
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    fake('throws-string', () => Promise.reject('just a string')),
    fake('fine'),
  ]);
  const report = await registry.report();
  t.is(report.status, 'fail');
  t.like(report.checks, {
    throws: { status: 'fail', output: 'check failed (Error)' },
    rejects: { status: 'fail', output: 'check failed (Error)' },
    'throws-string': { status: 'fail', output: 'check failed' },
    fine: { status: 'pass' },
  });
});

test('50 concurrent reports share one run of a slow check', async (t) => {
  const slow = fake('slow', () => sleep(150));
  const registry = registryWith([slow], { cacheMs: 1000 });
  const reports = await Promise.all(
    Array.from({ length: 50 }, (_, i) => (i % 2 ? registry.report() : registry.reportOne('slow'))),
  );
  t.is(slow.calls, 1);
  t.is(new Set(reports.map((report) => report?.checks.slow?.time)).size, 1);
});

test('a result is reused within cacheMs and refreshed after it', async (t) => {
  const check = fake('db');
  // Long enough that a busy machine cannot let it expire between two consecutive reports.
  const registry = registryWith([check], { cacheMs: 3000 });
  const first = await registry.report();
  await sleep(20);
  const second = await registry.report();
  t.is(check.calls, 1);
  t.is(second.checks.db?.time, first.checks.db?.time);

  await sleep(3050);
  const third = await registry.report();
  t.is(check.calls, 2);
  t.not(third.checks.db?.time, first.checks.db?.time);
});

test('with cacheMs 0 every report runs the check, but concurrent ones still share a run', async (t) => {
  const check = fake('db', () => sleep(50));
  const registry = registryWith([check], { cacheMs: 0 });
  await registry.report();
  await registry.report();
  t.is(check.calls, 2);
  await Promise.all([registry.report(), registry.report(), registry.reportOne('db')]);
  t.is(check.calls, 3);
});

test('register() rejects a cacheMs that is not a non-negative integer', (t) => {
  const registry = registryWith([]);
  t.throws(() => registry.register(fake('negative', undefined, { cacheMs: -1 })), {
    message: /"negative".*cacheMs: -1/,
  });
  t.throws(() => registry.register(fake('half', undefined, { cacheMs: 0.5 })), { message: /"half".*cacheMs: 0.5/ });
});

test("a check's own cacheMs shortens the registry's, for that check only, and never lengthens it", async (t) => {
  const memory = fake('memory', undefined, { cacheMs: 0 });
  const db = fake('db');
  const registry = registryWith([memory, db], { cacheMs: 60_000 });
  await registry.report();
  await registry.report();
  await registry.reportOne('memory');
  t.is(memory.calls, 3, 'never reused');
  t.is(db.calls, 1, 'reused for the registry’s window');

  const slow = fake('slow', undefined, { cacheMs: 60_000 });
  const short = registryWith([slow], { cacheMs: 0 });
  await short.report();
  await short.report();
  t.is(slow.calls, 2, 'HEALTH_CACHE_MS bounds every check');
});

test('report() is the same object while every result is reused, and a new one when one is not', async (t) => {
  const cached = fake('db');
  const live = fake('memory', undefined, { cacheMs: 0 });
  const registry = registryWith([cached], { cacheMs: 60_000 });
  const first = await registry.report();
  t.is(await registry.report(), first, 'a probe storm gets one report, serialised once by the route');
  registry.register(live);
  const second = await registry.report();
  t.not(second, first);
  t.deepEqual(Object.keys(second.checks), ['db', 'memory']);
  t.not(await registry.report(), second, 'an uncached check gives a new result, hence a new report');
});

const aggregation = test.macro({
  async exec(t, checks: HealthChecker[], expected: HealthStatus) {
    t.is((await registryWith(checks).report()).status, expected);
  },
  title: (label = '') => `aggregation: ${label}`,
});

const warning = (name: string) => fake(name, () => ({ status: 'warn' }));

test('all pass -> pass', aggregation, [fake('a'), fake('b')], 'pass');
test('a critical fail -> fail', aggregation, [fake('a'), failing('b')], 'fail');
test('a non-critical fail -> warn', aggregation, [fake('a'), failing('b', { critical: false })], 'warn');
test('a warn -> warn', aggregation, [fake('a'), warning('b')], 'warn');
test('a warn then a critical fail -> fail', aggregation, [warning('a'), failing('b')], 'fail');
test(
  'a non-critical fail then a critical fail -> fail',
  aggregation,
  [failing('a', { critical: false }), failing('b')],
  'fail',
);

test('observedValue, observedUnit and output pass through from the outcome', async (t) => {
  const registry = registryWith([
    fake(
      'queue',
      () => ({ status: 'warn', observedValue: 1200, observedUnit: 'messages', output: 'depth over 1000' }),
      {
        critical: false,
      },
    ),
    fake('lag', () => ({ observedValue: 0, observedUnit: 'ms' })),
    fake('plain'),
  ]);
  const { checks } = await registry.report();
  t.like(checks.queue, {
    status: 'warn',
    observedValue: 1200,
    observedUnit: 'messages',
    output: 'depth over 1000',
    critical: false,
  });
  // An observed value of 0 is still a value.
  t.like(checks.lag, { status: 'pass', observedValue: 0, observedUnit: 'ms', critical: true });
  t.deepEqual(Object.keys(checks.plain ?? {}).sort(), ['critical', 'durationMs', 'status', 'time']);
});

test('every result has an ISO 8601 time taken during the run', async (t) => {
  const before = Date.now();
  const registry = registryWith([
    fake('pass'),
    warning('warn'),
    failing('fail'),
    fake('slow', never, { timeoutMs: 50 }),
  ]);
  const { checks } = await registry.report();
  const after = Date.now();
  t.is(Object.keys(checks).length, 4);
  for (const [name, { time }] of Object.entries(checks)) {
    t.is(new Date(time).toISOString(), time, name);
    t.true(Date.parse(time) >= before && Date.parse(time) <= after, name);
  }
});

test('reportOne() runs only the named check, and returns undefined for an unknown name', async (t) => {
  const a = fake('a');
  const b = failing('b');
  const registry = registryWith([a, b]);
  t.is(await registry.reportOne('nope'), undefined);
  const report = await registry.reportOne('b');
  t.is(report?.status, 'fail');
  t.deepEqual(Object.keys(report?.checks ?? {}), ['b']);
  t.is(report?.checks.b?.output, 'check failed (Error)');
  t.is(a.calls, 0);
  t.is(b.calls, 1);
});

test('drain() fails readiness for good without running a check', async (t) => {
  const check = fake('db');
  const registry = registryWith([check], { cacheMs: 60_000 });
  t.is((await registry.report()).status, 'pass');
  t.false(registry.draining);

  registry.drain();
  const drained = { status: 'fail', output: 'shutting down', checks: {} };
  t.true(registry.draining);
  t.deepEqual(await registry.report(), drained);
  t.deepEqual(await registry.reportOne('db'), drained);
  // A later drain() keeps the first reason; nothing turns draining off.
  registry.drain('something else');
  t.deepEqual(await registry.report(), drained);
  t.true(registry.draining);
  t.is(check.calls, 1);
});

test('lastResults() never runs a check', async (t) => {
  const check = fake('db');
  const other = fake('other');
  const registry = registryWith([check, other], { cacheMs: 0 });
  t.is(registry.lastResults().size, 0);
  t.is(check.calls, 0);

  const report = await registry.reportOne('db');
  const last = registry.lastResults();
  t.deepEqual([...last.keys()], ['db']);
  t.deepEqual(last.get('db'), report?.checks.db);
  registry.lastResults();
  t.is(check.calls, 1);
  t.is(other.calls, 0);
});

test('onFailure receives the full error of each failed check', async (t) => {
  const error = new Error('password=hunter2');
  const failures = new Map<string, unknown>();
  const registry = registryWith(
    [fake('db', () => Promise.reject(error)), fake('slow', never, { timeoutMs: 50 }), fake('fine')],
    { onFailure: (name, failure) => failures.set(name, failure) },
  );
  await registry.report();
  t.deepEqual([...failures.keys()].sort(), ['db', 'slow']);
  t.is(failures.get('db'), error);
  t.true(failures.get('slow') instanceof CheckTimeoutError);
  t.is((failures.get('slow') as Error).name, 'TimeoutError');
});

test("a failed check's output shows no error message but a HealthCheckError's", async (t) => {
  const registry = registryWith([
    fake('db', () => Promise.reject(new Error('password=hunter2 host=db.internal'))),
    fake('queue', () => Promise.reject(new HealthCheckError('queue depth 1200 over 1000'))),
  ]);
  const report = await registry.report();
  const body = JSON.stringify(report);
  t.false(body.includes('hunter2'));
  t.false(body.includes('db.internal'));
  t.is(report.checks.db?.output, 'check failed (Error)');
  t.is(report.checks.queue?.output, 'queue depth 1200 over 1000');
});

// A throwing onFailure once left the run in flight for good: every later
// report() rejected without running the check again.
test('a throwing onFailure neither rejects the report nor wedges the check', async (t) => {
  const check = failing('db');
  const registry = registryWith([check], {
    cacheMs: 0,
    onFailure: () => {
      throw new Error('logger down');
    },
  });
  await t.notThrowsAsync(registry.report());
  await t.notThrowsAsync(registry.report());
  t.is(check.calls, 2);
});

// A checker's own words are served as they are: they must be as safe and as
// small as an error's (a checker once served 100 KB holding a password).
test("a checker's output loses the credentials it holds and is cut to 200 characters", async (t) => {
  const url = 'postgres://app:hunter2@db.internal:5432/app';
  const registry = registryWith([
    fake('warns', () => ({ status: 'warn', output: `pool of ${url} saturated ${'x'.repeat(100_000)}` })),
    fake('fails', () => Promise.reject(new HealthCheckError(`cannot reach ${url} (password=hunter2)`))),
  ]);
  const { checks } = await registry.report();
  for (const name of ['warns', 'fails']) {
    const output = checks[name]?.output ?? '';
    t.true(output.length <= 200, `${name}: ${output.length} characters`);
    t.false(output.includes('hunter2'), `${name}: ${output}`);
  }
  t.true(checks.warns?.output?.startsWith('pool of postgres://app:'));
});

test('an observedValue JSON cannot hold is made safe, or dropped with a note, and the report always serialises', async (t) => {
  const cycle: Record<string, unknown> = { depth: 3 };
  cycle.self = cycle;
  const registry = registryWith([
    fake('bigint', () => ({ observedValue: 12n })),
    fake('huge-bigint', () => ({ observedValue: 2n ** 80n })),
    fake('cycle', () => ({ observedValue: cycle })),
    fake('function', () => ({ observedValue: { count: 2, sample: () => 1, note: 'url postgres://u:hunter2@h/d' } })),
    fake('huge', () => ({ observedValue: Array.from({ length: 100_000 }, (_, i) => ({ i })) })),
    fake('throws-on-json', () => ({
      observedValue: {
        toJSON() {
          throw new Error('no');
        },
      },
    })),
    fake('fine', () => ({ observedValue: { used: 1, max: 10 }, observedUnit: 'connections' })),
  ]);
  const report = await registry.report();
  const body = JSON.stringify(report);
  t.true(body.length < 8 * 1024, `${body.length} characters`);
  t.false(body.includes('hunter2'));
  const { checks } = report;
  t.is(checks.bigint?.observedValue, 12);
  t.is(checks['huge-bigint']?.observedValue, (2n ** 80n).toString());
  t.deepEqual(checks.cycle?.observedValue, { depth: 3, self: '[Circular]' });
  t.like(checks.function?.observedValue, { count: 2 });
  t.is((checks.function?.observedValue as Record<string, unknown>).sample, undefined);
  for (const name of ['huge', 'throws-on-json']) {
    t.is(checks[name]?.observedValue, undefined, name);
    t.regex(checks[name]?.output ?? '', /observedValue dropped/, name);
    t.is(checks[name]?.status, 'pass', `${name}: a value that cannot be shown does not fail the check`);
  }
  t.like(checks.fine, { status: 'pass', observedValue: { used: 1, max: 10 }, observedUnit: 'connections' });
});

test('an outcome with a status, unit or output of the wrong kind cannot break or bloat the report', async (t) => {
  const registry = registryWith([
    fake('odd-status', () => ({ status: 'x'.repeat(10_000) }) as unknown as CheckOutcome),
    fake('odd-output', () => ({ status: 'warn', output: { text: 'x'.repeat(10_000) } }) as unknown as CheckOutcome),
    fake('long-unit', () => ({ observedValue: 1, observedUnit: 'u'.repeat(10_000) })),
  ]);
  const report = await registry.report();
  t.true(JSON.stringify(report).length < 2048);
  t.like(report.checks['odd-status'], { status: 'fail', output: 'check returned an invalid status' });
  t.is(report.checks['odd-output']?.status, 'warn');
  t.is(typeof report.checks['odd-output']?.output, 'string');
  t.true((report.checks['long-unit']?.observedUnit ?? '').length <= 64);
});

// A check that ignored its signal once kept running after its timeout while
// each probe started another: memory grew without bound while a dependency hung.
test('a check whose previous run has not settled is not started again: it fails, saying why', async (t) => {
  let running = 0;
  let mostRunning = 0;
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const hung = fake(
    'hung',
    async () => {
      mostRunning = Math.max(mostRunning, ++running);
      await released.finally(() => running--);
    },
    { timeoutMs: 20 },
  );
  const failures: unknown[] = [];
  const registry = registryWith([hung, fake('fine')], { cacheMs: 0, onFailure: (_, error) => failures.push(error) });

  t.like((await registry.report()).checks.hung, { status: 'fail', output: 'timed out after 20 ms' });
  for (let probe = 0; probe < 50; probe++) {
    const { checks } = await registry.report();
    t.like(checks.hung, { status: 'fail', output: 'previous run still pending after its timeout' });
    t.is(checks.fine?.status, 'pass');
  }
  t.is(hung.calls, 1);
  t.is(mostRunning, 1);
  t.is(failures.length, 51, 'each refusal is a failure the log can count');

  release();
  await sleep(10);
  t.is((await registry.report()).checks.hung?.status, 'pass', 'once it settles, the check runs again');
  t.is(hung.calls, 2);
});

test('report(exclude) neither runs nor reports the excluded checks, and ignores unknown names', async (t) => {
  const kept = fake('kept');
  const skipped = failing('skipped');
  const registry = registryWith([kept, skipped]);
  const report = await registry.report(new Set(['skipped', 'unknown']));
  t.deepEqual(Object.keys(report.checks), ['kept']);
  t.is(report.status, 'pass', 'the excluded critical failure does not count');
  t.is(skipped.calls, 0);
  t.is(kept.calls, 1);
});

test('a report with exclusions shares the in-flight run and the cache of a full one', async (t) => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow = fake('slow', () => gate);
  const other = fake('other');
  const registry = registryWith([slow, other], { cacheMs: 60_000 });
  const pending = [registry.report(), registry.report(new Set(['other'])), registry.report(new Set(['nope']))];
  release();
  const [full, partial, unknown] = await Promise.all(pending);
  t.is(slow.calls, 1, 'one run of the check for the three probes');
  t.is(other.calls, 1);
  t.is(partial!.checks.slow, full!.checks.slow);
  t.deepEqual(Object.keys(unknown!.checks), ['slow', 'other']);
  await registry.report(new Set(['slow']));
  t.is(other.calls, 1, 'a later probe with exclusions reads the cache');
});

test('a report with exclusions is never remembered in place of the full one', async (t) => {
  const registry = registryWith([fake('a'), fake('b')], { cacheMs: 60_000 });
  const full = await registry.report();
  const partial = await registry.report(new Set(['b']));
  t.not(partial, full);
  t.not(await registry.report(new Set(['b'])), partial, 'built anew, kept by no one');
  t.is(await registry.report(), full);
});

test("results carry the checker's component fields, and only those it gives", async (t) => {
  const registry = registryWith([
    { ...fake('described'), componentType: 'datastore', componentId: 'db-1', measurementName: 'responseTime' },
    fake('plain'),
  ]);
  const report = await registry.report();
  t.deepEqual(report.checks.described?.component, {
    componentType: 'datastore',
    componentId: 'db-1',
    measurementName: 'responseTime',
  });
  t.false('component' in report.checks.plain!);
});

const malformedComponent = test.macro({
  exec(t, field: string, value: unknown) {
    const error = t.throws(() => registryWith([{ ...fake('described'), [field]: value }]), { instanceOf: TypeError });
    t.true(error?.message.includes(field));
  },
  title: (label = '', field: string) => `register() rejects a malformed ${field}: ${label}`,
});

test('empty', malformedComponent, 'componentType', '');
test('not text', malformedComponent, 'componentId', 42);
test('too long', malformedComponent, 'componentId', 'x'.repeat(201));
test('a colon', malformedComponent, 'measurementName', 'response:time');
test('a space', malformedComponent, 'measurementName', 'response time');

test('refresh() runs a check whatever the age of its result, and shares a run in flight', async (t) => {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const slow = fake('slow', () => released);
  const registry = registryWith([slow], { cacheMs: 60_000 });
  const probe = registry.report();
  const refreshed = registry.refresh('slow');
  t.is(slow.calls, 1, 'a run in flight is shared');
  release();
  t.is((await refreshed)?.status, 'pass');
  await probe;
  t.is((await registry.refresh('slow'))?.status, 'pass', 'a fresh result is not reused');
  t.is(slow.calls, 2);
  t.is(await registry.refresh('nope'), undefined);
});

test('refreshed in background, probes read the latest result and run a check only while it has none', async (t) => {
  let up = true;
  const check = fake('db', () => {
    if (!up) throw new Error('down');
  });
  const registry = registryWith([check], { cacheMs: 0 });
  registry.setRefreshedInBackground(true);
  t.is((await registry.report()).status, 'pass', 'no result yet: the probe runs the check');
  t.is(check.calls, 1);

  up = false;
  for (let probe = 0; probe < 20; probe++) {
    t.is((await registry.report()).status, 'pass');
    t.is((await registry.reportOne('db'))?.status, 'pass');
    t.is((await registry.report(new Set(['other']))).status, 'pass');
  }
  t.is(check.calls, 1, 'no probe ran it, although cacheMs is 0');

  t.is((await registry.refresh('db'))?.status, 'fail');
  t.is((await registry.report()).status, 'fail', 'probes read the refreshed result');
  t.is(check.calls, 2);

  registry.setRefreshedInBackground(false);
  up = true;
  t.is((await registry.report()).status, 'pass', 'off again, probes run the checks');
  t.is(check.calls, 3);
});

test('refreshed in background, a check registered later is refused: nothing would refresh it', (t) => {
  const registry = registryWith([fake('db')]);
  registry.setRefreshedInBackground(true);
  t.throws(() => registry.register(fake('late')), {
    message: 'Health check "late" is registered after background runs started: register it before',
  });
  t.deepEqual(registry.names(), ['db']);
});

test("ownCacheMs() is the checker's own cacheMs, not bounded by the registry's", (t) => {
  const registry = registryWith(
    [fake('memory', undefined, { cacheMs: 100 }), fake('slow', undefined, { cacheMs: 5000 }), fake('db')],
    {
      cacheMs: 1000,
    },
  );
  t.is(registry.ownCacheMs('memory'), 100);
  t.is(registry.ownCacheMs('slow'), 5000);
  t.is(registry.ownCacheMs('db'), undefined);
  t.is(registry.ownCacheMs('nope'), undefined);
});
