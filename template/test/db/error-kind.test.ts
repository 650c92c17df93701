import test from 'ava';
import { databaseErrorKind } from '../../src/db/error-kind.js';

const withCode = (code: string) => Object.assign(new Error('driver message'), { code });

test('SQLSTATE class 23 is the client data breaking a constraint', (t) => {
  t.is(databaseErrorKind(withCode('23505')), 'unique');
  t.is(databaseErrorKind(withCode('23P01')), 'unique');
  t.is(databaseErrorKind(withCode('23503')), 'foreign-key');
  t.is(databaseErrorKind(withCode('23502')), 'not-null');
  t.is(databaseErrorKind(withCode('23514')), 'check');
  t.is(databaseErrorKind(withCode('23000')), 'integrity');
});

test("an Objection error is classified by the driver's error it wraps", (t) => {
  const wrapped = Object.assign(new Error('x'), { name: 'UniqueViolationError', nativeError: withCode('23505') });
  t.is(databaseErrorKind(wrapped), 'unique');
});

test('a database that cannot serve now is unavailable', (t) => {
  for (const code of ['08006', '08001', '53300', '57014', '57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET']) {
    t.is(databaseErrorKind(withCode(code)), 'unavailable', code);
  }
  t.is(
    databaseErrorKind(Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' })),
    'unavailable',
  );
  t.is(databaseErrorKind(new Error('select 1 - Connection terminated unexpectedly')), 'unavailable');
  t.is(databaseErrorKind(new Error('timeout expired')), 'unavailable');
});

test('anything else is not classified: a bug stays a 500', (t) => {
  for (const code of ['42P01', '42601', '22P02', 'XX000', 'ENOENT'])
    t.is(databaseErrorKind(withCode(code)), undefined, code);
  t.is(databaseErrorKind(new Error('boom')), undefined);
  t.is(databaseErrorKind(undefined), undefined);
  t.is(databaseErrorKind('a string'), undefined);
});
