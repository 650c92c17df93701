import test from 'ava';
import { redactSecrets, safeText } from '../src/safe-text.js';

const redaction = test.macro({
  exec(t, input: string, expected: string) {
    t.is(redactSecrets(input), expected);
  },
  title: (label = '') => `redactSecrets: ${label}`,
});

test('a URL password', redaction, 'postgres://app:hunter2@db:5432/app', 'postgres://app:***@db:5432/app');
test('a password holding @', redaction, 'https://user:p@ss@host/x', 'https://user:***@host/x');
test('a URL without a password', redaction, 'http://db.internal:80/path?x=a@b', 'http://db.internal:80/path?x=a@b');
test('a libpq string', redaction, 'host=db password=hunter2 user=app', 'host=db password=*** user=app');
test('a quoted value', redaction, 'token="a b" next', 'token=*** next');
test('a JSON key', redaction, '{"password":"hunter2"}', '{"password":***}');
test('a bearer token', redaction, 'Authorization: Bearer abc.def', 'Authorization: *** ***');
test('text without secrets', redaction, 'connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED 127.0.0.1:5432');

test('safeText cuts to its length, with a marker when asked', (t) => {
  t.is(safeText('x'.repeat(300), 200), 'x'.repeat(200));
  t.is(safeText('x'.repeat(300), 200, { marker: true }), `${'x'.repeat(200)}…[300 characters, cut]`);
  t.is(safeText('short', 200, { marker: true }), 'short');
});

test('safeText finds a secret that straddles the cut, and scans only the head of a long text', (t) => {
  const text = `${'x'.repeat(190)}postgres://app:hunter2@db/app ${'y'.repeat(1_000_000)} password=late`;
  const safe = safeText(text, 200);
  t.is(safe.length, 200);
  t.false(safe.includes('hunt'));
});
