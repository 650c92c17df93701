import test from 'ava';
import { createLogger } from '../../src/logger.js';
import { RepeatedFailures } from '../../src/logging/repeated-failures.js';
import { logLines } from '../helpers/log-lines.js';

interface Line {
  msg: string;
  check?: string;
  repeated?: number;
  err?: { type?: string; message?: string; stack?: string };
}

function setup(options: { maxKinds?: number } = {}) {
  const { stream, lines } = logLines();
  let now = 0;
  const failures = new RepeatedFailures(createLogger({ logLevel: 'info' }, { name: 'svc', version: '1' }, stream), {
    intervalMs: 60_000,
    now: () => now,
    ...options,
  });
  return {
    failures,
    lines: () => lines.map((line) => JSON.parse(line) as Line),
    advance: (ms: number) => (now += ms),
  };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

test('the first failure of a kind is logged in full, its repeats within the interval are not', (t) => {
  const { failures, lines, advance } = setup();
  for (let i = 0; i < 247; i++) {
    failures.log('error', 'GET /orders', { err: refused() }, 'request failed');
    advance(200);
  }
  const logged = lines();
  t.is(logged.length, 1);
  t.like(logged[0], { msg: 'request failed', err: { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432' } });
  t.truthy(logged[0]?.err?.stack);
});

test('after the interval, one short line with the count since the last line', (t) => {
  const { failures, lines, advance } = setup();
  failures.log('warn', 'database', { check: 'database', err: refused() }, 'health check failed');
  for (let i = 0; i < 59; i++) {
    advance(1000);
    failures.log('warn', 'database', { check: 'database', err: refused() }, 'health check failed');
  }
  advance(1000);
  failures.log('warn', 'database', { check: 'database', err: refused() }, 'health check failed');
  const logged = lines();
  t.is(logged.length, 2);
  t.like(logged[1], { check: 'database', repeated: 60, msg: 'health check failed (60 times since the last line)' });
  t.like(logged[1]?.err, { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432' });
  t.is(logged[1]?.err?.stack, undefined, 'the stack was in the first line');
});

test('a failure that comes back after a quiet interval is logged in full again', (t) => {
  const { failures, lines, advance } = setup();
  failures.log('error', 'r', { err: refused() }, 'request failed');
  advance(120_000);
  failures.log('error', 'r', { err: refused() }, 'request failed');
  t.is(lines().length, 2);
  t.truthy(lines()[1]?.err?.stack);
});

test('different kinds (scope, class, code or message) are each logged', (t) => {
  const { failures, lines } = setup();
  failures.log('error', 'a', { err: refused() }, 'request failed');
  failures.log('error', 'b', { err: refused() }, 'request failed');
  failures.log('error', 'a', { err: new TypeError('x is undefined') }, 'request failed');
  failures.log('error', 'a', { err: Object.assign(refused(), { code: 'ECONNRESET' }) }, 'request failed');
  t.is(lines().length, 4);
});

test('past maxKinds, new kinds share one, so memory and lines stay bounded', (t) => {
  const { failures, lines } = setup({ maxKinds: 10 });
  for (let i = 0; i < 1000; i++)
    failures.log('error', 'r', { err: new Error(`row ${i} is missing`) }, 'request failed');
  t.is(lines().length, 11);
});

test('a failure without an error (a library’s warning line) is counted by its scope', (t) => {
  const { failures, lines, advance } = setup();
  for (let i = 0; i < 100; i++) {
    failures.log('warn', 'Connection Error: connect ECONNREFUSED', { knex: 'Connection Error' }, 'knex warning');
    advance(1000);
  }
  failures.log('warn', 'something else', { knex: 'something else' }, 'knex warning');
  const logged = lines();
  t.deepEqual(
    logged.map(({ msg, repeated }) => [msg, repeated]),
    [
      ['knex warning', undefined],
      ['knex warning (60 times since the last line)', 60],
      ['knex warning', undefined],
    ],
  );
  t.false('err' in (logged[1] ?? {}));
});

test('at info, an expected state: one line with the error, without its stack', (t) => {
  const { failures, lines } = setup();
  failures.log('info', 'migrations', { check: 'migrations', err: new Error('migrations pending') }, 'starting');
  failures.log('info', 'migrations', { check: 'migrations', err: new Error('migrations pending') }, 'starting');
  const logged = lines();
  t.is(logged.length, 1);
  t.like(logged[0], { check: 'migrations', err: { type: 'Error', message: 'migrations pending' } });
  t.is(logged[0]?.err?.stack, undefined);
});
