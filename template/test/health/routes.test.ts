import anyTest, { type TestFn } from 'ava';
import request from 'supertest';
import { HealthCheckError } from '../../src/health/check-error.js';
import type { HealthChecker } from '../../src/health/types.js';
import { createTestApp, migrated, type TestApp } from '../helpers/test-app.js';

const test = anyTest as TestFn<TestApp>;

interface Entry {
  status: string;
  time: string;
  observedValue?: unknown;
  observedUnit?: string;
  output?: string;
}

/** The single entry of one check in a health+json body. */
function entry(body: unknown, name: string): Entry {
  const found = (body as { checks: Record<string, [Entry] | undefined> }).checks[name]?.[0];
  if (!found) throw new Error(`no check ${name} in ${JSON.stringify(body)}`);
  return found;
}

test.before(async (t) => {
  t.context = await createTestApp({ HEALTH_CACHE_MS: '0', RELEASE_ID: 'test-release' });
});

test.after.always(async (t) => {
  await t.context.close();
});

test.serial('/ready is 503 until the migrations have run', async (t) => {
  const res = await request(t.context.callback).get('/ready').expect(503);
  t.is(res.body.status, 'fail');
  t.like(entry(res.body, 'migrations'), { status: 'fail', output: 'migrations pending' });
  await migrated(t.context);
  await request(t.context.callback).get('/ready').expect(200);
});

test.serial('/ready answers health+json with every check and when it was taken', async (t) => {
  const before = Date.now();
  const res = await request(t.context.callback).get('/ready').expect(200);
  t.is(res.type, 'application/health+json');
  t.is(res.headers['cache-control'], 'no-store');
  t.is(res.headers.etag, undefined);
  // The built-in checks first; a service's own come after them.
  const checks = res.body.checks as Record<string, [Entry]>;
  t.deepEqual(Object.keys(checks).slice(0, 3), ['database', 'migrations', 'event-loop']);
  for (const name of ['database', 'migrations', 'event-loop']) {
    t.true(Date.parse(entry(res.body, name).time) >= before - 1000);
  }
  t.is(entry(res.body, 'database').status, 'pass');
  t.is(entry(res.body, 'migrations').status, 'pass');
  // The event loop of a busy machine does lag: a warning then is right (checks/event-loop tests when).
  t.regex(entry(res.body, 'event-loop').status, /^(pass|warn)$/);
  t.is(res.body.status, entry(res.body, 'event-loop').status, 'pass, or warn from the non-critical check alone');
  t.like(entry(res.body, 'database'), { observedUnit: 'connections' });
  t.deepEqual(Object.keys(entry(res.body, 'database').observedValue as object).sort(), [
    'free',
    'max',
    'pending',
    'used',
  ]);
});

test.serial('bodies name the service, its version and release; checks their component', async (t) => {
  const { service } = t.context.container.cradle;
  const identity = {
    version: service.version,
    releaseId: 'test-release',
    serviceId: service.name,
    description: service.description,
  };
  t.truthy(service.description, "from the template's package.json");
  const ready = await request(t.context.callback).get('/ready').expect(200);
  t.like(ready.body, identity);
  t.like(entry(ready.body, 'database'), { componentType: 'datastore' });
  // Its schema: the same component, whether this process migrates it or the Job does.
  t.like(entry(ready.body, 'migrations'), { componentType: 'datastore' });
  t.like(entry(ready.body, 'event-loop'), { componentType: 'system' });
  const one = await request(t.context.callback).get('/ready/database').expect(200);
  t.like(one.body, identity);
  // Liveness says which build answers, from memory.
  const live = await request(t.context.callback).get('/healthz').expect(200);
  t.deepEqual(live.body, { status: 'pass', ...identity });
});

test.serial(
  "a checker's measurementName keys its entry name:measurement; /ready/:check still takes the name",
  async (t) => {
    t.context.container.cradle.health.register({
      name: 'test-cache',
      critical: false,
      componentType: 'datastore',
      componentId: 'cache-1',
      measurementName: 'responseTime',
      async check() {
        return { observedValue: 3, observedUnit: 'ms' };
      },
    });
    const res = await request(t.context.callback).get('/ready').expect(200);
    t.false('test-cache' in res.body.checks);
    t.deepEqual(Object.keys(entry(res.body, 'test-cache:responseTime')), [
      'componentId',
      'componentType',
      'status',
      'time',
      'observedValue',
      'observedUnit',
    ]);
    t.like(entry(res.body, 'test-cache:responseTime'), { componentId: 'cache-1', componentType: 'datastore' });
    const one = await request(t.context.callback).get('/ready/test-cache').expect(200);
    t.deepEqual(Object.keys(one.body.checks as object), ['test-cache:responseTime']);
    const excluded = await request(t.context.callback).get('/ready?exclude=test-cache').expect(200);
    t.false('test-cache:responseTime' in excluded.body.checks);
  },
);

test.serial('/ready/:check answers for one check, 404 for an unknown one', async (t) => {
  const res = await request(t.context.callback).get('/ready/database').expect(200);
  t.deepEqual(Object.keys(res.body.checks as object), ['database']);

  const missing = await request(t.context.callback).get('/ready/nope').expect(404);
  t.is(missing.type, 'application/problem+json');
  t.is(missing.body.status, 404);
});

test.serial('probes never answer 304 and HEAD works', async (t) => {
  await request(t.context.callback).get('/ready').set('If-None-Match', '*').expect(200);
  const head = await request(t.context.callback).head('/healthz').expect(200);
  t.is(head.headers['cache-control'], 'no-store');
  t.deepEqual(head.body, {});
  await request(t.context.callback).head('/ready').expect(200);
});

test.serial('a checker added through the container shows in /ready and decides it', async (t) => {
  const { health } = t.context.container.cradle;
  let outcome: 'pass' | 'throw' = 'pass';
  let calls = 0;
  const queue: HealthChecker = {
    name: 'test-queue',
    critical: false,
    async check() {
      calls++;
      if (outcome === 'throw') throw new HealthCheckError('queue depth 1200 over 1000');
      return { observedValue: 3, observedUnit: 'messages' };
    },
  };
  health.register(queue);

  let res = await request(t.context.callback).get('/ready').expect(200);
  t.like(entry(res.body, 'test-queue'), { status: 'pass', observedValue: 3 });

  outcome = 'throw';
  res = await request(t.context.callback).get('/ready').expect(200);
  t.is(res.body.status, 'warn', 'a non-critical failure only warns');
  t.like(entry(res.body, 'test-queue'), {
    status: 'fail',
    output: 'queue depth 1200 over 1000',
  });

  // A scrape reports the latest result without running the check again.
  const callsBefore = calls;
  const metrics = await request(t.context.callback).get('/metrics').expect(200);
  t.is(calls, callsBefore);
  t.regex(metrics.text, /^health_check_status\{check="test-queue"\} 0$/m);
  t.regex(metrics.text, /^health_check_status\{check="database"\} 1$/m);
  t.regex(metrics.text, /^health_check_duration_seconds\{check="database"\} [\d.e-]+$/m);
});

test.serial('a failing critical checker makes /ready 503 without breaking the response', async (t) => {
  t.context.container.cradle.health.register({
    name: 'test-payments',
    async check() {
      throw new Error('connect to https://user:hunter2@payments.internal failed');
    },
  });
  const res = await request(t.context.callback).get('/ready').expect(503);
  t.like(entry(res.body, 'test-payments'), { status: 'fail', output: 'check failed (Error)' });
  t.notRegex(res.text, /hunter2|payments\.internal/);
});

test.serial(
  '/ready?exclude= skips the named checks: not run, not shown; repeatable; unknown names ignored',
  async (t) => {
    // test-payments, registered above, fails critically: excluding it is what exclude is for.
    await request(t.context.callback).get('/ready').expect(503);
    let calls = 0;
    t.context.container.cradle.health.register({
      name: 'test-counted',
      critical: false,
      async check() {
        calls++;
      },
    });

    const one = await request(t.context.callback).get('/ready?exclude=test-payments').expect(200);
    t.is(one.type, 'application/health+json');
    t.false('test-payments' in one.body.checks);
    t.true('database' in one.body.checks);
    t.is(calls, 1);

    const two = await request(t.context.callback)
      .get('/ready?exclude=test-payments&exclude=test-counted&exclude=nope&foo=bar')
      .expect(200);
    t.false('test-payments' in two.body.checks);
    t.false('test-counted' in two.body.checks);
    t.is(calls, 1, 'an excluded check does not run');

    // As kube-apiserver: one name a value, so a comma list matches no check.
    const comma = await request(t.context.callback).get('/ready?exclude=test-payments,test-counted').expect(503);
    t.true('test-payments' in comma.body.checks);
  },
);

test.serial('/ready?verbose answers the Kubernetes text list, with the status code of the JSON answer', async (t) => {
  const failed = await request(t.context.callback).get('/ready?verbose').expect(503);
  t.is(failed.type, 'text/plain');
  t.is(failed.headers['cache-control'], 'no-store');
  t.is(failed.headers['x-content-type-options'], 'nosniff');
  t.regex(failed.text, /^\[\+\]database ok\n\[\+\]migrations ok\n\[\+\]event-loop ok\n/);
  t.regex(failed.text, /^\[-\]test-payments failed: reason withheld$/m);
  t.regex(failed.text, /\nreadyz check failed\n$/);
  t.notRegex(failed.text, /hunter2|payments\.internal|Error/);

  const passed = await request(t.context.callback)
    .get('/ready?verbose=1&exclude=test-payments&exclude=nope')
    .expect(200);
  t.regex(passed.text, /^\[\+\]test-payments excluded: ok$/m);
  t.regex(passed.text, /^warn: some health checks cannot be excluded: no matches for "nope"$/m);
  t.regex(passed.text, /\nreadyz check passed\n$/);
});

test.serial('/healthz?verbose answers the text list of liveness, which checks nothing', async (t) => {
  const res = await request(t.context.callback).get('/healthz?verbose').expect(200);
  t.is(res.type, 'text/plain');
  t.is(res.text, '[+]ping ok\nhealthz check passed\n');
});

test.serial('on drain /ready fails for good while /healthz stays 200', async (t) => {
  t.context.container.cradle.health.drain();
  const res = await request(t.context.callback).get('/ready').expect(503);
  t.is(res.body.output, 'shutting down');
  await request(t.context.callback).get('/ready/database').expect(503);
  const text = await request(t.context.callback).get('/ready?verbose&exclude=database').expect(503);
  t.is(text.text, '[-]shutdown failed: reason withheld\nreadyz check failed\n', 'no check runs, none is excluded');
  const live = await request(t.context.callback).get('/healthz').expect(200);
  t.is(live.body.status, 'pass');
  t.is(live.type, 'application/health+json');
});
