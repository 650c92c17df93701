import test from 'ava';
import knex from 'knex';
import { createServer, connect, type AddressInfo } from 'node:net';
import pg from 'pg';
import { CheckTimeoutError, HealthCheckError } from '../../src/health/check-error.js';
import { describeFailure } from '../../src/health/describe-failure.js';

/** The error of a TCP connection to a port nothing listens on. */
async function refusedConnection(): Promise<Error & { port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const error = await new Promise<Error>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      reject(new Error(`port ${port} unexpectedly accepted a connection`));
    });
    socket.on('error', resolve);
  });
  return Object.assign(error, { port });
}

test("a HealthCheckError's message is shown", (t) => {
  t.is(describeFailure(new HealthCheckError('queue depth 1200 over 1000')), 'queue depth 1200 over 1000');
});

test("a HealthCheckError's message is cut at 200 characters", (t) => {
  const message = 'x'.repeat(150) + 'y'.repeat(100);
  t.is(describeFailure(new HealthCheckError(message)), message.slice(0, 200));
});

test('a refused connection names the system error, not the address', async (t) => {
  const error = await refusedConnection();
  t.regex(error.message, /ECONNREFUSED 127\.0\.0\.1/);
  const output = describeFailure(error);
  t.is(output, 'connection refused (ECONNREFUSED)');
  t.false(output.includes(String(error.port)));
});

test('another system error code is shown as a system error', (t) => {
  const error = Object.assign(new Error('connect ENETDOWN 10.1.2.3:5432'), { code: 'ENETDOWN' });
  t.is(describeFailure(error), 'system error (ENETDOWN)');
});

test('a PostgreSQL error shows its SQLSTATE only', (t) => {
  // As the pg driver builds it, with the server's message.
  const error = Object.assign(
    new pg.DatabaseError('terminating connection due to administrator command on db.internal', 100, 'error'),
    { code: '57P01' },
  );
  t.is(describeFailure(error), 'database error (SQLSTATE 57P01)');
});

test("knex's pool timeout is described by its name", (t) => {
  const error = new knex.KnexTimeoutError('Knex: Timeout acquiring a connection. The pool is probably full.');
  t.is(describeFailure(error), 'timed out waiting for a database connection');
});

test("the registry's own timeout shows its message", (t) => {
  t.is(describeFailure(new CheckTimeoutError(800)), 'timed out after 800 ms');
});

test('a plain Error shows only its class, never its message', (t) => {
  t.is(describeFailure(new Error('password=hunter2 host=db.internal')), 'check failed (Error)');
  t.is(describeFailure(new TypeError('Cannot read properties of undefined')), 'check failed (TypeError)');
});

test('an error name that is not a plain word is not shown', (t) => {
  const error = new Error('boom');
  error.name = 'token=hunter2';
  t.is(describeFailure(error), 'check failed (Error)');
});

test('a value that is not an Error gives a generic output', (t) => {
  for (const value of ['password=hunter2', 42, undefined, null, { message: 'password=hunter2' }]) {
    t.is(describeFailure(value), 'check failed');
  }
});

// Only the registry's own timeout may show its message: a driver's
// TimeoutError can carry SQL or host names.
test("a library's TimeoutError does not show its message", (t) => {
  const error = new Error('timeout after 5000 ms: select * from users where password = $1 [hunter2]');
  error.name = 'TimeoutError';
  t.false(describeFailure(error).includes('hunter2'));
});
