import test from 'ava';
import request from 'supertest';
import type { HealthChecker } from '../../src/health/types.js';
import { createTestApp, migrated, type TestApp } from '../helpers/test-app.js';
import { checkEntry } from './support.js';

/**
 * A checker's own words reach `/ready`: a checker that warns with 100 KB of
 * text holding a connection URL with its password, and one whose observed
 * value JSON cannot hold (a BigInt). `/ready` still answers, every other
 * check is in it, the body is small and shows no password.
 */
const PASSWORD = 's3cr3t-pw';
const BODY_LIMIT = 8 * 1024;

let app: TestApp | undefined;
test.after.always(async () => {
  await app?.close();
});

test.serial(
  'a checker returning 100 KB with a password and one returning a BigInt give a small, clean /ready',
  async (t) => {
    // A long timeout: on a busy machine the database check must not fail for being slow.
    app = await migrated(await createTestApp({ HEALTH_CACHE_MS: '0', HEALTH_TIMEOUT_MS: '30000' }));
    const url = `postgres://app:${PASSWORD}@db.internal:5432/app`;
    const checkers: HealthChecker[] = [
      {
        name: 'chatty',
        critical: false,
        check: async () => ({ status: 'warn', output: `cannot use ${url}: ${'x'.repeat(100 * 1024)}` }),
      },
      { name: 'counter', check: async () => ({ observedValue: { total: 12n, cap: 2n ** 70n }, observedUnit: 'rows' }) },
    ];
    for (const checker of checkers) app.container.cradle.health.register(checker);

    const res = await request(app.callback).get('/ready').expect(200);
    t.log(`/ready body: ${res.text.length} bytes`);
    t.true(res.text.length < BODY_LIMIT, `${res.text.length} bytes`);
    t.false(res.text.includes(PASSWORD));
    t.is(res.body.status, 'warn', 'a non-critical warning warns');
    t.is(checkEntry(res.body, 'chatty').status, 'warn');
    t.deepEqual(checkEntry(res.body, 'counter').observedValue, { total: 12, cap: (2n ** 70n).toString() });
    // Every other check's result is still there (event-loop may warn on a busy machine).
    for (const name of ['database', 'migrations']) t.is(checkEntry(res.body, name).status, 'pass', name);
    t.truthy(checkEntry(res.body, 'event-loop').status);

    const one = await request(app.callback).get('/ready/chatty').expect(200);
    t.true(one.text.length < BODY_LIMIT);
    t.false(one.text.includes(PASSWORD));
  },
);
