import test from 'ava';
import request from 'supertest';
import { createTestApp, migrated, type TestApp } from '../helpers/test-app.js';
import { checkEntry, waitUntil } from './support.js';

/**
 * A checker that ignores its abort signal, on a dependency that hangs: each
 * run holds 1 MB until the dependency answers. Probes keep coming (every one
 * runs the checks: HEALTH_CACHE_MS=0). At most one run is ever in flight, so
 * memory stays flat however long the dependency hangs, and `/ready` says why
 * it fails.
 */
const PROBES = 300;

let app: TestApp | undefined;
test.after.always(async () => {
  await app?.close();
});

test.serial('a hung check that ignores its signal never runs twice at once', async (t) => {
  app = await migrated(await createTestApp({ HEALTH_TIMEOUT_MS: '50', HEALTH_CACHE_MS: '0' }));
  let running = 0;
  let mostRunning = 0;
  let runs = 0;
  let answer = () => {};
  const answered = new Promise<void>((resolve) => (answer = resolve));
  app.container.cradle.health.register({
    name: 'hung-dependency',
    async check() {
      runs++;
      mostRunning = Math.max(mostRunning, ++running);
      const held = Buffer.alloc(1024 * 1024, 1);
      try {
        await answered; // the signal is ignored
      } finally {
        running--;
      }
      return { observedValue: held.length, observedUnit: 'bytes' };
    },
  });

  const outputs = new Set<string>();
  for (let probe = 0; probe < PROBES; probe++) {
    const res = await request(app.callback).get('/ready').expect(503);
    outputs.add(checkEntry(res.body, 'hung-dependency').output ?? '');
  }
  t.log(`${PROBES} probes: ${runs} run(s), at most ${mostRunning} at once`);
  t.is(mostRunning, 1);
  t.is(runs, 1);
  t.deepEqual([...outputs].sort(), ['previous run still pending after its timeout', 'timed out after 50 ms']);

  answer();
  // Its own probe: on a busy machine the database check may miss a 50 ms timeout.
  const recovered = await waitUntil(
    async () => (await request(app!.callback).get('/ready/hung-dependency')).status === 200,
    30_000,
  );
  t.not(recovered, undefined, 'the check passes once the dependency answers');
  t.is(runs, 2);
});
