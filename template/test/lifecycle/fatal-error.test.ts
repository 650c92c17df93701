import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { createTestDatabase } from '../helpers/database.js';
import { jsonLines } from '../helpers/log-lines.js';
import { START_TIMEOUT_MS, startService, status, waitFor } from '../helpers/service-process.js';
import { slowPost } from '../helpers/slow-post.js';

/**
 * An exception nobody caught, or a rejection nobody handled, in a running
 * service (thrown by a preloaded test module on SIGUSR2, outside any request):
 * one fatal JSON log line, readiness failing, the request in flight answered,
 * then exit 1.
 */

for (const fault of ['throw', 'reject'] as const) {
  const what = fault === 'throw' ? 'an exception thrown in a timer' : 'an unhandled rejection';
  test(`${what}: one fatal JSON line, the request in flight completes, exit 1`, async (t) => {
    const database = await createTestDatabase();
    const service = await startService(
      { ...database.env, FAULT: fault, SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '30000' },
      { imports: ['test/fixtures/fault-on-signal.ts'] },
    );
    t.teardown(async () => {
      service.child.kill('SIGKILL');
      await service.exited;
      await database.drop();
    });
    await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');

    const inFlight = slowPost(service.port);
    await sleep(300); // the request has been accepted and waits for the rest of its body
    service.child.kill('SIGUSR2');

    const fatalLine = () => jsonLines(service.output()).find((line) => line.level === 60);
    await waitFor(async () => fatalLine() !== undefined, 30_000, 'a fatal log line').catch(() => {});
    const fatal = fatalLine();
    t.truthy(fatal, `no fatal JSON line in:\n${service.output()}`);
    t.regex(
      JSON.stringify(fatal?.err ?? {}),
      new RegExp(`fault-on-signal: ${fault === 'throw' ? 'thrown' : 'rejected'}`),
    );
    t.is(jsonLines(service.output()).filter((line) => line.level === 60).length, 1, 'exactly one fatal line');

    inFlight.finish();
    t.regex(await inFlight.response, /^HTTP\/1\.1 201 Created/);
    const code = await Promise.race([service.exited, sleep(30_000, 'still running')]);
    t.is(code, 1);
    t.notRegex(service.output(), /^\s+at /m, 'no plain-text stack trace on stderr');
  });
}
