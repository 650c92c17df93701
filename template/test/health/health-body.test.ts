import test from 'ava';
import { checkKey, healthBody, healthIdentity } from '../../src/health/health-body.js';
import type { CheckResult } from '../../src/health/types.js';

const result: CheckResult = { status: 'pass', time: '2026-12-02T00:00:00.000Z', durationMs: 1, critical: true };
const identity = { serviceId: 'orders', version: '1.2.3', releaseId: '1c52247', description: 'Orders' };

test("the draft's top-level fields, in its order, before the checks", (t) => {
  const body = healthBody({ status: 'warn', output: 'why', checks: { db: result } }, identity);
  t.deepEqual(Object.keys(body), ['status', 'version', 'releaseId', 'output', 'serviceId', 'description', 'checks']);
});

test('releaseId and description are left out when unknown; no checks, no checks field', (t) => {
  t.deepEqual(healthBody({ status: 'pass' }, { serviceId: 'orders', version: '1.2.3' }), {
    status: 'pass',
    version: '1.2.3',
    serviceId: 'orders',
  });
});

test('a check is keyed by its name, or name:measurementName', (t) => {
  t.is(checkKey('db', result), 'db');
  t.is(checkKey('db', { ...result, component: { componentType: 'datastore' } }), 'db');
  t.is(checkKey('db', { ...result, component: { measurementName: 'responseTime' } }), 'db:responseTime');
});

test('an entry shows componentId and componentType when the checker gives them, never durationMs or critical', (t) => {
  const body = healthBody(
    { status: 'pass', checks: { db: { ...result, component: { componentId: 'db-1', componentType: 'datastore' } } } },
    identity,
  ) as { checks: Record<string, unknown> };
  t.deepEqual(body.checks, {
    db: [{ componentId: 'db-1', componentType: 'datastore', status: 'pass', time: result.time }],
  });
});

test("healthIdentity takes the package's name as serviceId, and the release the build set", (t) => {
  t.deepEqual(healthIdentity({ name: 'orders', version: '1.2.3', description: 'Orders' }, 'abc'), {
    serviceId: 'orders',
    version: '1.2.3',
    description: 'Orders',
    releaseId: 'abc',
  });
  t.deepEqual(healthBody({ status: 'pass' }, healthIdentity({ name: 'orders', version: '1.2.3' }, undefined)), {
    status: 'pass',
    version: '1.2.3',
    serviceId: 'orders',
  });
});
