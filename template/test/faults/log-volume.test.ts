import test from 'ava';
import { usingPostgres } from '../helpers/database.js';
import { logLines } from '../helpers/log-lines.js';
import { createFaultApp, get, PG_ONLY, SECRET_PASSWORD, type FaultApp } from './support.js';

/**
 * Logs stay small however often and however badly things fail: a check whose
 * error carries a 1 MB message with a password, probed 100 times, and a
 * database outage under 200 requests. The first failure of a kind is logged
 * in full (bounded, no password), repeats at most once an interval with their
 * count; how many there were is in the metrics.
 */
const LINE_LIMIT = 16 * 1024;

let app: FaultApp | undefined;
test.afterEach.always(async () => {
  await app?.close();
  app = undefined;
});

function parsed(lines: string[]) {
  return lines.map((line) => JSON.parse(line) as { msg: string; err?: { stack?: string }; repeated?: number });
}

test.serial('a check failing 100 times with a 1 MB message holding a password logs one small line', async (t) => {
  const { stream, lines } = logLines();
  app = await createFaultApp({ HEALTH_CACHE_MS: '0' }, stream);
  app.container.cradle.health.register({
    name: 'vault',
    async check() {
      throw new Error(`cannot reach postgres://app:${SECRET_PASSWORD}@vault.internal/x: ${'x'.repeat(1024 * 1024)}`);
    },
  });
  for (let probe = 0; probe < 100; probe++) await get(app.callback, '/ready');

  const failures = parsed(lines).filter((line) => line.msg.startsWith('health check failed'));
  t.log(
    `${failures.length} line(s) for 100 failures; longest line ${Math.max(...lines.map((l) => l.length))} characters`,
  );
  t.true(failures.length >= 1 && failures.length <= 2, `${failures.length} lines`);
  for (const line of lines) {
    t.true(line.length < LINE_LIMIT, `${line.length} characters`);
    t.false(line.includes(SECRET_PASSWORD));
  }
});

const pgTest = usingPostgres() ? test.serial : test.serial.skip;

pgTest(
  `200 requests failing in a database outage log one stack, and no line per request but the access log${PG_ONLY}`,
  async (t) => {
    const { stream, lines } = logLines();
    app = await createFaultApp({}, stream);
    await app.proxy!.setMode('refuse');
    for (let i = 0; i < 200; i++) t.true((await get(app.callback, '/faults/query')).status >= 500);

    const counts = new Map<string, number>();
    for (const { msg } of parsed(lines)) counts.set(msg, (counts.get(msg) ?? 0) + 1);
    t.log('lines by message:', Object.fromEntries(counts));
    const failures = parsed(lines).filter((line) => line.msg.startsWith('request failed'));
    const stacks = failures.filter((line) => line.err?.stack);
    t.log(`${failures.length} 'request failed' line(s), ${stacks.length} with a stack, for 200 failed requests`);
    t.true(failures.length >= 1 && failures.length <= 2, `${failures.length} lines`);
    t.is(stacks.length, 1);
    // Nothing else repeats per request either (knex warned on each failed acquire).
    for (const [msg, count] of counts) if (msg !== 'request') t.true(count <= 2, `${count} lines of ${msg}`);
    for (const line of lines) t.false(line.includes(SECRET_PASSWORD));
  },
);
