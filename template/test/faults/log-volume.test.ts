import test from 'ava';
import { usingPostgres } from '../helpers/database.js';
import { logLines } from '../helpers/log-lines.js';
import { createFaultApp, get, PG_ONLY, SECRET_PASSWORD, type FaultApp } from './support.js';

/**
 * Logs stay small however often and however badly things fail: a check whose
 * error carries a 1 MB message with a password, probed 100 times, and a
 * database outage under 200 requests. The first failure of a kind is logged
 * in full (bounded, no password), repeats at most once a minute with their
 * count; how many there were is in the metrics.
 */
const LINE_LIMIT = 16 * 1024;

let app: FaultApp | undefined;
test.afterEach.always(async () => {
  await app?.close();
  app = undefined;
});

interface Line {
  msg: string;
  check?: string;
  err?: { stack?: string };
}

const parsed = (lines: string[]) => lines.map((line) => JSON.parse(line) as Line);

/** Lines one kind of failure may take in `elapsedMs`: the first, then at most one a minute (a slow machine's run may pass one). */
const linesAllowed = (elapsedMs: number) => 1 + Math.floor(elapsedMs / 60_000);

test.serial('a check failing 100 times with a 1 MB message holding a password logs one small line', async (t) => {
  const { stream, lines } = logLines();
  app = await createFaultApp({ HEALTH_CACHE_MS: '0' }, stream);
  app.container.cradle.health.register({
    name: 'vault',
    async check() {
      throw new Error(`cannot reach postgres://app:${SECRET_PASSWORD}@vault.internal/x: ${'x'.repeat(1024 * 1024)}`);
    },
  });
  const started = performance.now();
  for (let probe = 0; probe < 100; probe++) await get(app.callback, '/ready');
  const allowed = linesAllowed(performance.now() - started);

  const failures = parsed(lines).filter((line) => line.check === 'vault');
  const longest = Math.max(...lines.map((line) => line.length));
  t.log(`${failures.length} line(s) for 100 failures; longest line ${longest} characters`);
  t.true(failures.length >= 1 && failures.length <= allowed, `${failures.length} lines`);
  for (const line of lines) {
    t.true(line.length < LINE_LIMIT, `${line.length} characters`);
    t.false(line.includes(SECRET_PASSWORD));
  }
});

const pgTest = usingPostgres() ? test.serial : test.serial.skip;

pgTest(
  `a database outage under 200 requests logs one stack, and one line per request: its access line${PG_ONLY}`,
  async (t) => {
    const { stream, lines } = logLines();
    app = await createFaultApp({}, stream);
    await app.proxy!.setMode('refuse');
    const started = performance.now();
    for (let i = 0; i < 200; i++) t.true((await get(app.callback, '/faults/query')).status >= 500);
    const allowed = linesAllowed(performance.now() - started);

    const counts = new Map<string, number>();
    for (const { msg } of parsed(lines)) counts.set(msg, (counts.get(msg) ?? 0) + 1);
    t.log('lines by message:', Object.fromEntries(counts));
    const failures = parsed(lines).filter((line) => line.msg.startsWith('request failed'));
    t.true(failures.length >= 1 && failures.length <= allowed, `${failures.length} lines`);
    t.is(failures.filter((line) => line.err?.stack).length, 1, 'one stack');
    // Nothing else repeats per request either (knex once warned on each failed acquire); it fails in two ways.
    for (const [msg, count] of counts) if (msg !== 'request') t.true(count <= 2 * allowed, `${count} lines of ${msg}`);
    for (const line of lines) t.false(line.includes(SECRET_PASSWORD));
  },
);
