import test from 'ava';
import { errorStatus } from '../../src/http/error-status.js';

test('an error asks for its status by status, or by statusCode', (t) => {
  t.is(errorStatus(Object.assign(new Error('taken'), { status: 409 })), 409);
  t.is(errorStatus(Object.assign(new Error('gone'), { statusCode: 410 })), 410);
  t.is(errorStatus(Object.assign(new Error('both'), { status: 404, statusCode: 400 })), 404);
});

test('anything else is a 500: no status, one outside 4xx and 5xx, or not an error at all', (t) => {
  t.is(errorStatus(new Error('boom')), 500);
  t.is(errorStatus(Object.assign(new Error('moved'), { status: 302 })), 500);
  t.is(errorStatus(Object.assign(new Error('text'), { status: '404' })), 500);
  t.is(errorStatus(undefined), 500);
  t.is(errorStatus('a string'), 500);
});
