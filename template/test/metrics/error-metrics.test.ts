import test from 'ava';
import createHttpError from 'http-errors';
import knex from 'knex';
import { NotFoundError, UniqueViolationError, ValidationError } from 'objection';
import pg from 'pg';
import { Registry } from 'prom-client';
import { dbErrorType } from '../../src/metrics/db-query-metrics.js';
import { createErrorMetrics, errorType } from '../../src/metrics/error-metrics.js';

test('errorType() of an HTTP error is its status', (t) => {
  t.is(errorType(createHttpError(404)), '404');
  t.is(errorType(createHttpError(503, 'db.internal is down')), '503');
});

test('errorType() takes only a 4xx or 5xx integer status', (t) => {
  t.is(errorType({ status: 400 }), '400');
  t.is(errorType({ status: 599 }), '599');
  t.is(errorType({ status: 399 }), '_OTHER');
  t.is(errorType({ status: 600 }), '_OTHER');
  t.is(errorType({ status: 404.5 }), '_OTHER');
  t.is(errorType({ status: '404' }), '_OTHER');
});

test("errorType() of objection's errors is their class", (t) => {
  // db-errors' typings leave out the constructor's argument object.
  const Unique = UniqueViolationError as unknown as new (args: object) => Error;
  const unique = new Unique({
    nativeError: new Error('duplicate key value violates unique constraint "users_email_key"'),
    client: 'postgres',
    table: 'users',
    columns: ['email'],
    constraint: 'users_email_key',
  });
  t.is(errorType(unique), 'UniqueViolationError');
  t.is(errorType(new NotFoundError({})), 'NotFoundError');
  t.is(errorType(new ValidationError({ type: 'ModelValidation', data: {} })), 'ValidationError');
});

test('errorType() of a DatabaseError is its name', (t) => {
  class DatabaseError extends Error {
    override name = 'DatabaseError';
  }
  t.is(errorType(new DatabaseError('relation "users" does not exist')), 'DatabaseError');
});

test('errorType() of an unknown error class, or of no error, is _OTHER', (t) => {
  class PaymentProviderError extends Error {
    override name = 'PaymentProviderError';
  }
  t.is(errorType(new PaymentProviderError('card declined')), '_OTHER');
  t.is(errorType(new TypeError('x is undefined')), '_OTHER');
  t.is(errorType('a string'), '_OTHER');
  t.is(errorType(null), '_OTHER');
  t.is(errorType(undefined), '_OTHER');
});

// pg (and PGlite) set `name` to the protocol message name 'error': the
// class is recognised by its constructor.
test("errorType() names the pg driver's own DatabaseError", (t) => {
  const error = Object.assign(new pg.DatabaseError('relation "nope" does not exist', 100, 'error'), { code: '42P01' });
  t.is(errorType(error), 'DatabaseError');
});

test('count() adds one to service_errors_total for the error type', async (t) => {
  const registry = new Registry();
  const metrics = createErrorMetrics(registry);
  metrics.count(createHttpError(404));
  metrics.count(createHttpError(404));
  metrics.count(new Error('password=hunter2'));

  const [metric] = await registry.getMetricsAsJSON();
  t.is(metric?.name, 'service_errors_total');
  const values = Object.fromEntries(metric?.values.map((v) => [v.labels.error_type, v.value]) ?? []);
  t.deepEqual(values, { '404': 2, _OTHER: 1 });
  t.false((await registry.metrics()).includes('hunter2'));
});

test('dbErrorType() keeps a SQLSTATE or a system error code', (t) => {
  t.is(dbErrorType(Object.assign(new Error('duplicate key'), { code: '23505' })), '23505');
  t.is(dbErrorType(Object.assign(new Error('terminating connection'), { code: '57P01' })), '57P01');
  t.is(
    dbErrorType(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' })),
    'ECONNREFUSED',
  );
});

test('dbErrorType() of a timeout is timeout', (t) => {
  t.is(dbErrorType(new knex.KnexTimeoutError('Knex: Timeout acquiring a connection.')), 'timeout');
  t.is(dbErrorType(new DOMException('timed out', 'TimeoutError')), 'timeout');
});

test('dbErrorType() of anything else is _OTHER', (t) => {
  t.is(dbErrorType(new Error('boom')), '_OTHER');
  t.is(dbErrorType(Object.assign(new Error('x'), { code: 'econnrefused' })), '_OTHER');
  t.is(dbErrorType(Object.assign(new Error('x'), { code: '23505; drop table users' })), '_OTHER');
  t.is(dbErrorType(Object.assign(new Error('x'), { code: 'select * from users' })), '_OTHER');
  t.is(dbErrorType(Object.assign(new Error('x'), { code: 23505 })), '_OTHER');
  t.is(dbErrorType(null), '_OTHER');
  t.is(dbErrorType(undefined), '_OTHER');
});

// pg reports a connection closed under a query as a plain Error: only its message tells.
test('a connection lost under a query is connection_lost in both counters', (t) => {
  for (const message of [
    'Connection terminated unexpectedly',
    'Connection terminated',
    'Client has encountered a connection error and is not queryable',
  ]) {
    t.is(errorType(new Error(message)), 'connection_lost', message);
    t.is(dbErrorType(new Error(message)), 'connection_lost', message);
  }
  t.is(errorType(new Error('Connection was fine')), '_OTHER');
});

test('errorType() keeps a system error code, and nothing that only looks like one', (t) => {
  t.is(
    errorType(Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' })),
    'ECONNREFUSED',
  );
  t.is(errorType(Object.assign(new Error('x'), { code: 'ERR_SOMETHING_LONG' })), 'ERR_SOMETHING_LONG');
  t.is(errorType(Object.assign(new Error('x'), { code: 'e-lowercase' })), '_OTHER');
  t.is(errorType(Object.assign(new Error('x'), { code: 'E' + 'X'.repeat(40) })), '_OTHER');
});
