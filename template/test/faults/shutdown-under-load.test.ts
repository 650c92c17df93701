import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { createTestDatabase } from '../helpers/database.js';
import { START_TIMEOUT_MS, startService, status, waitFor, type ServiceProcess } from '../helpers/service-process.js';
import { runLoad, type Outcome } from './load.js';

/**
 * SIGTERM while clients keep sending on keep-alive connections: the process
 * test in test/server.test.ts holds one slow request; this one has traffic.
 * Every request the server accepted must be answered normally; the only
 * failures allowed are connections refused or reset once it stopped accepting.
 */

/** Long enough for a busy machine to probe /ready and /healthz during it. */
const DELAY_MS = 4000;
const TIMEOUT_MS = 20_000;
const CLIENTS = 5;
/** Failures a client may see once the server no longer accepts: refused, or an idle keep-alive socket closed. */
const AFTER_CLOSE_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

let service: ServiceProcess | undefined;
test.after.always(() => {
  service?.child.kill('SIGKILL');
});

/** x-request-id of every request the service logged (the access line is written once it has answered). */
function acceptedIds(output: string): Set<string> {
  const ids = new Set<string>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; requestId?: string };
      if (entry.msg === 'request' && entry.requestId) ids.add(entry.requestId);
    } catch {
      // not a log line
    }
  }
  return ids;
}

test('SIGTERM under load: /ready 503 at once, no accepted request lost, exit 0 in time', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  // LOG_LEVEL info: the access log says which requests the server accepted.
  service = await startService({
    ...database.env,
    SHUTDOWN_DELAY_MS: String(DELAY_MS),
    SHUTDOWN_TIMEOUT_MS: String(TIMEOUT_MS),
    LOG_LEVEL: 'info',
  });
  const { url, port, exited } = service;
  await waitFor(async () => (await status(`${url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');

  // Bounded: a process that never exits ends the load and fails the test, rather than hang it.
  const exit = Promise.race([
    exited.then((code) => ({ code, at: Date.now() })),
    sleep(TIMEOUT_MS + 30_000, undefined, { ref: false }).then(() => ({
      code: 'still running' as const,
      at: Date.now(),
    })),
  ]);
  // The clients stop a little after the exit, so that they meet the closed port too.
  const load = runLoad({
    port,
    path: '/greetings/x',
    clients: CLIENTS,
    until: exit.then(() => sleep(200)),
    maxPerClient: 20_000,
  });
  await sleep(500);

  const signalled = Date.now();
  service.child.kill('SIGTERM');
  // At once: well within the delay, during which /ready would otherwise still pass.
  const readyFailedIn = await waitFor(async () => (await status(`${url}/ready`)) === 503, 3000, '/ready 503');
  t.true(readyFailedIn < 3000, `/ready 503 after ${readyFailedIn} ms`);

  // Liveness during the delay, and a second SIGTERM in the middle of it.
  const liveness: number[] = [];
  while (Date.now() - signalled < DELAY_MS - 1000) {
    liveness.push(await status(`${url}/healthz`));
    if (liveness.length === 3) service.child.kill('SIGTERM');
    await sleep(50);
  }
  t.true(liveness.length >= 3, `${liveness.length} liveness probes during the delay`);
  t.deepEqual(
    liveness.filter((code) => code !== 200),
    [],
    '/healthz 200 during the delay',
  );

  const { code, at } = await exit;
  const outcomes = await load;
  const tookMs = at - signalled;
  t.is(code, 0, service.output().split('\n').slice(-5).join('\n'));
  t.true(tookMs < TIMEOUT_MS, `exited ${tookMs} ms after SIGTERM`);
  t.true(tookMs >= DELAY_MS, `traffic served for the delay: exited after ${tookMs} ms`);
  t.regex(service.output(), /shutdown already in progress/);
  t.regex(service.output(), /shutdown complete/);

  const accepted = acceptedIds(service.output());
  const answered = outcomes.filter((o) => o.status !== undefined);
  const failed = outcomes.filter((o) => o.error !== undefined);
  const wrongStatus = answered.filter((o) => o.status !== 200);
  // A request the server logged, whose response the client never got.
  const acceptedButLost = failed.filter((o) => accepted.has(o.id));
  // Failures of another kind, or while the server still accepted (before the delay was over).
  const badFailures = failed.filter((o) => !AFTER_CLOSE_ERRORS.has(o.error!) || o.endedAt < signalled + DELAY_MS);
  const servedAfterSignal = answered.filter((o) => o.startedAt > signalled).length;
  const summary = (list: Outcome[]) => JSON.stringify(list.slice(0, 5));

  t.log(
    `${outcomes.length} requests: ${answered.length} answered (${servedAfterSignal} sent after SIGTERM), ` +
      `${failed.length} failed (${[...new Set(failed.map((o) => o.error))].join(', ') || 'none'}); ` +
      `${accepted.size} in the access log; /ready 503 after ${readyFailedIn} ms; exit ${code} after ${tookMs} ms`,
  );
  t.true(answered.length > 50, `${answered.length} requests answered`);
  t.true(servedAfterSignal > 0, 'requests sent during the delay are served');
  t.deepEqual(wrongStatus, [], `non-200 answers: ${summary(wrongStatus)}`);
  t.is(acceptedButLost.length, 0, `accepted requests that did not complete: ${summary(acceptedButLost)}`);
  t.deepEqual(badFailures, [], `failures of the wrong kind or too early: ${summary(badFailures)}`);
  // Every answered request was logged: the access log is a fair record of what was accepted.
  t.is(answered.filter((o) => !accepted.has(o.id)).length, 0);
});
