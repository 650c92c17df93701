import test from 'ava';
import { parse } from 'node:querystring';
import { parseProbeQuery } from '../../src/health/probe-query.js';

const read = (query: string) => parseProbeQuery(parse(query));

test('no parameters: JSON, nothing excluded', (t) => {
  t.deepEqual(read(''), { verbose: false, exclude: new Set() });
});

test('verbose counts with any value, or none, as Kubernetes reads it', (t) => {
  t.true(read('verbose').verbose);
  t.true(read('verbose=').verbose);
  t.true(read('verbose=false').verbose);
  t.false(read('verbosity=1').verbose);
});

test('exclude is repeatable, one name a value, never a comma list', (t) => {
  t.deepEqual(read('exclude=database').exclude, new Set(['database']));
  t.deepEqual(read('exclude=database&exclude=event-loop').exclude, new Set(['database', 'event-loop']));
  t.deepEqual(read('exclude=database,event-loop').exclude, new Set(['database,event-loop']));
});

test('other parameters are ignored', (t) => {
  t.deepEqual(read('foo=bar&exclude=database&format=json'), { verbose: false, exclude: new Set(['database']) });
});

test('the set is bounded: no empty or over-long names, at most 64 of them', (t) => {
  t.deepEqual(read(`exclude=&exclude=${'a'.repeat(64)}&exclude=${'b'.repeat(63)}`).exclude, new Set(['b'.repeat(63)]));
  const many = Array.from({ length: 1000 }, (_, i) => `exclude=check-${i}`).join('&');
  t.is(read(many).exclude.size, 64);
});
