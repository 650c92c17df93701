import test from 'ava';
import { createLogger } from '../src/logger.js';
import { logLines } from './helpers/log-lines.js';

/**
 * Every logged string is bounded and error messages lose their credentials:
 * a check error with a 1 MB message holding a password was once logged whole
 * on every run, and a 15 KB path on every 404.
 */
const LINE_LIMIT = 16 * 1024;

function logger() {
  const { stream, lines } = logLines();
  const log = createLogger({ logLevel: 'info' }, { name: 'svc', version: '1.0.0' }, stream);
  const last = () => JSON.parse(lines.at(-1) ?? 'null') as Record<string, unknown> & { err?: Record<string, unknown> };
  return { log, lines, last };
}

const MEGABYTE = 'x'.repeat(1024 * 1024);

test('an error with a 1 MB message holding a password is logged small and without it', (t) => {
  const { log, lines, last } = logger();
  log.warn(
    { check: 'db', err: new Error(`connect postgres://app:hunter2@db/app failed ${MEGABYTE}`) },
    'health check failed',
  );
  t.log(`line of ${lines[0]?.length} characters`);
  t.true(lines[0]!.length < LINE_LIMIT, `${lines[0]!.length} characters`);
  t.false(lines[0]!.includes('hunter2'));
  t.like(last(), { check: 'db', msg: 'health check failed' });
  t.true(String(last().err?.message).startsWith('connect postgres://app:***@db/app failed xxx'));
  t.regex(String(last().err?.stack), /^Error: connect postgres:\/\/app:\*\*\*@db/);
});

test('an error logged without a message, whose message pino uses as the line’s, is bounded too', (t) => {
  const { log, lines } = logger();
  log.error(new Error(`password=hunter2 ${MEGABYTE}`));
  log.error({ err: new Error(`password=hunter2 ${MEGABYTE}`) });
  t.is(lines.length, 2);
  for (const line of lines) {
    t.true(line.length < LINE_LIMIT, `${line.length} characters`);
    t.false(line.includes('hunter2'));
  }
});

test('credentials in any property of an error are redacted', (t) => {
  const { log, lines } = logger();
  const error = (() => {
    try {
      return new URL('postgres://app:hunter2@[db/app');
    } catch (caught) {
      return caught as Error;
    }
  })();
  t.true(JSON.stringify(error).includes('hunter2'), 'Node keeps the URL in the error');
  log.error({ err: new Error('wrapper', { cause: error }) }, 'failed');
  log.error({ err: error }, 'failed');
  for (const line of lines) t.false(line.includes('hunter2'), line);
});

test('every string field is bounded, nested ones too, with a marker', (t) => {
  const { log, lines, last } = logger();
  log.info(
    { path: `/${'p'.repeat(15 * 1024)}`, nested: { deep: 'd'.repeat(15 * 1024) }, list: ['l'.repeat(15 * 1024)] },
    'request',
  );
  t.log(`line of ${lines[0]?.length} characters`);
  t.true(lines[0]!.length < 4 * 1024, `${lines[0]!.length} characters`);
  t.regex(String(last().path), /…\[15361 characters, cut\]$/);
});

test('a long message and long interpolated values are bounded', (t) => {
  const { log, lines } = logger();
  log.info('m'.repeat(100_000));
  log.info('value %s', 'v'.repeat(100_000));
  for (const line of lines) t.true(line.length < 4 * 1024, `${line.length} characters`);
});

test('a line of many long fields stays under the line bound and still parses', (t) => {
  const { log, lines, last } = logger();
  log.info(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field${i}`, 'v'.repeat(1000)])), 'wide');
  t.true(lines[0]!.length <= LINE_LIMIT, `${lines[0]!.length} characters`);
  t.like(last(), { msg: 'wide', service: 'svc' });
});

test('an ordinary line is unchanged', (t) => {
  const { log, last } = logger();
  const fields = { requestId: 'abc', method: 'GET', path: '/greetings/world', route: '/greetings/:name', status: 200 };
  log.info(fields, 'request');
  t.like(last(), { ...fields, msg: 'request', service: 'svc', version: '1.0.0' });
});
