import test, { type ExecutionContext } from 'ava';
import { createTestDatabase, usingPostgres } from '../helpers/database.js';
import { jsonLines } from '../helpers/log-lines.js';
import {
  freePort,
  START_TIMEOUT_MS,
  startService,
  status,
  waitFor,
  type ServiceProcess,
} from '../helpers/service-process.js';
import { SETTLE_MS } from '../helpers/bounds.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Background health runs in the process as it is deployed: with
 * HEALTH_INTERVAL_MS set, `health_check_status` is current in `/metrics`
 * although nothing ever requests `/ready` (a scrape runs no check), and it
 * follows a dependency that fails. Without it, those series stay empty until
 * the first probe.
 */

const INTERVAL_MS = '1000';
const CHECKS = ['database', 'migrations', 'event-loop'];

/** Starts the service, stopped with SIGTERM in the test's teardown. */
async function start(t: ExecutionContext, env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startService({ LOG_LEVEL: 'silent', ...env });
  t.teardown(async () => {
    service.child.kill('SIGKILL');
    await service.exited;
  });
  await waitFor(async () => (await status(`${service.url}/healthz`)) === 200, START_TIMEOUT_MS, 'liveness');
  return service;
}

/** `health_check_status` by check, as one scrape of `/metrics` shows it. */
async function healthStatus(service: ServiceProcess): Promise<Map<string, number>> {
  const text = await (await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  const values = new Map<string, number>();
  for (const [, check, value] of text.matchAll(/^health_check_status\{check="([^"]+)"\} (\S+)$/gm)) {
    values.set(check!, Number(value));
  }
  return values;
}

async function untilStatus(
  service: ServiceProcess,
  wanted: (values: Map<string, number>) => boolean,
  what: string,
  timeoutMs = SETTLE_MS,
): Promise<Map<string, number>> {
  let last = new Map<string, number>();
  await waitFor(
    async () => wanted((last = await healthStatus(service))),
    timeoutMs,
    `${what} (last: ${JSON.stringify([...last])})`,
  );
  return last;
}

test('with HEALTH_INTERVAL_MS and no probe, /metrics shows every check, and a refused database as 0', async (t) => {
  const closed = await freePort();
  const service = await start(t, {
    DATABASE_URL: `postgres://postgres:pw@127.0.0.1:${closed}/app`,
    HEALTH_INTERVAL_MS: INTERVAL_MS,
  });
  const values = await untilStatus(
    service,
    (v) => CHECKS.every((check) => v.has(check)),
    'every check in /metrics',
    START_TIMEOUT_MS,
  );
  t.is(values.get('database'), 0);
  t.is(values.get('migrations'), 0);
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0, service.output());
});

test('with HEALTH_INTERVAL_MS, /metrics turns to pass once migrated with no probe; SIGTERM stops cleanly', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const service = await start(t, { ...database.env, HEALTH_INTERVAL_MS: INTERVAL_MS, LOG_LEVEL: 'info' });
  await untilStatus(
    service,
    (v) => v.get('database') === 1 && v.get('migrations') === 1 && v.has('event-loop'),
    'database and migrations passing',
    // An embedded database starts, then migrates: as long as a start takes on a busy machine.
    START_TIMEOUT_MS,
  );
  t.is(await status(`${service.url}/ready`), 200, 'the probe reads the passing results');
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0);
  const lines = jsonLines<{ level: number; check?: string; msg: string }>(service.output());
  t.true(
    lines.some((line) => line.msg === 'shutdown complete'),
    service.output(),
  );
  // No background run outlives the database it checks: shutdown stops them before closing it.
  const failedAfterSignal = lines
    .slice(lines.findIndex((line) => line.msg.startsWith('shutting down')))
    .filter((line) => line.check === 'database');
  t.deepEqual(failedAfterSignal, []);
});

(usingPostgres() ? test : test.skip)(
  'with HEALTH_INTERVAL_MS and no probe, /metrics follows the database down and back [PostgreSQL only]',
  async (t) => {
    const database = await createTestDatabase();
    t.teardown(() => database.drop());
    const url = new URL(database.env.DATABASE_URL!);
    const proxy = await new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) }).start();
    t.teardown(() => proxy.stop());
    url.host = `127.0.0.1:${proxy.port}`;
    const service = await start(t, { DATABASE_URL: url.toString(), HEALTH_INTERVAL_MS: INTERVAL_MS });

    await untilStatus(
      service,
      (v) => v.get('database') === 1 && v.get('migrations') === 1,
      'passing',
      START_TIMEOUT_MS,
    );
    await proxy.setMode('refuse');
    await untilStatus(service, (v) => v.get('database') === 0, 'the database failing');
    await proxy.setMode('forward');
    await untilStatus(service, (v) => v.get('database') === 1, 'the database passing again');
    t.pass();
  },
);
