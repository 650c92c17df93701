import test, { type ExecutionContext } from 'ava';
import { SETTLE_MS } from '../helpers/bounds.js';
import { createTestDatabase } from '../helpers/database.js';
import { jsonLines } from '../helpers/log-lines.js';
import { START_TIMEOUT_MS, startService, status, waitFor, type ServiceProcess } from '../helpers/service-process.js';

/**
 * The service's stdout is buffered (`src/logging/stdout.ts`), and loses no
 * line: a burst of requests answered just before the process stops has
 * every access-log line in its output, whether it stops on SIGTERM or on an
 * error nothing caught; and on a quiet service a line comes out without
 * waiting for more lines.
 */

const BURST = 500;
const CONCURRENCY = 50;

function loggedPaths(service: ServiceProcess): Set<unknown> {
  return new Set(
    jsonLines(service.output())
      .filter((line) => line.msg === 'request')
      .map((line) => line.path),
  );
}

/** GETs `paths`, CONCURRENCY at a time, each answered 200. */
async function burst(service: ServiceProcess, paths: string[]): Promise<void> {
  const queue = [...paths];
  const worker = async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
      const answer = await status(service.url + path);
      if (answer !== 200) throw new Error(`GET ${path}: ${answer}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function startedService(t: ExecutionContext, env: Record<string, string> = {}) {
  const database = await createTestDatabase();
  const service = await startService(
    { ...database.env, SHUTDOWN_DELAY_MS: '0', SHUTDOWN_TIMEOUT_MS: '30000', ...env },
    { imports: ['test/fixtures/fault-on-signal.ts'] },
  );
  t.teardown(async () => {
    service.child.kill('SIGKILL');
    await service.exited;
    await database.drop();
  });
  await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');
  return service;
}

for (const stop of ['SIGTERM', 'an uncaught exception'] as const) {
  test(`every access-log line of a burst is in the output after ${stop} right after it`, async (t) => {
    const service = await startedService(t, { FAULT: 'throw' });
    // A quiet service's line comes out without waiting for more lines, or for the exit.
    await burst(service, ['/greetings/alone']);
    await waitFor(async () => loggedPaths(service).has('/greetings/alone'), SETTLE_MS, 'the first access-log line');

    const paths = Array.from({ length: BURST }, (_, i) => `/greetings/burst-${i}`);
    await burst(service, paths);
    service.child.kill(stop === 'SIGTERM' ? 'SIGTERM' : 'SIGUSR2');
    const code = await service.exited;

    const logged = loggedPaths(service);
    const missing = paths.filter((path) => !logged.has(path));
    t.deepEqual(missing, [], `${missing.length} of ${BURST} access-log lines missing`);
    const messages = jsonLines(service.output()).map((line) => line.msg);
    t.true(messages.includes('shutdown complete'), 'the last line of the shutdown is there too');
    if (stop === 'SIGTERM') {
      t.is(code, 0);
    } else {
      t.is(code, 1);
      t.true(
        jsonLines(service.output()).some((line) => line.level === 60),
        'the fatal line is there',
      );
    }
  });
}
