import test from 'ava';
import { SLACK_MS } from './helpers/bounds.js';
import { createTestDatabase } from './helpers/database.js';
import { promtoolCheckMetrics } from './helpers/promtool.js';
import {
  freePort,
  START_TIMEOUT_MS,
  startService,
  status,
  waitFor,
  type ServiceProcess,
} from './helpers/service-process.js';
import { slowPost } from './helpers/slow-post.js';

/**
 * The process as Kubernetes runs it: started with only environment variables,
 * probed over HTTP, and stopped with SIGTERM.
 */

const running = new Set<ServiceProcess>();
test.after.always(() => {
  for (const service of running) service.child.kill('SIGKILL');
});

async function start(env: Record<string, string>): Promise<ServiceProcess> {
  const service = await startService(env);
  running.add(service);
  void service.exited.then(() => running.delete(service));
  return service;
}

for (const [variable, value] of [
  ['PORT', 'abc'],
  ['HEALTH_TIMEOUT_MS', '-1'],
  ['DATABASE_URL', 'mysql://root:secretpw@db/app'],
] as const) {
  test(`${variable}=${value} exits 1 with one line naming it`, async (t) => {
    const service = await start({ [variable]: value });
    t.is(await service.exited, 1);
    const lines = service.output().trim().split('\n');
    t.is(lines.length, 1, service.output());
    t.regex(lines[0]!, new RegExp(`^Invalid configuration: ${variable} `));
    t.notRegex(service.output(), /secretpw|\n\s+at /);
  });
}

test('a database refusing connections: /healthz 200, /ready 503 at once, not held by the driver', async (t) => {
  const service = await start({ DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:1/app', LOG_LEVEL: 'silent' });
  const started = Date.now();
  await waitFor(async () => (await status(`${service.url}/healthz`)) === 200, START_TIMEOUT_MS, 'liveness');
  const listeningAfter = Date.now() - started;
  t.is(await status(`${service.url}/ready`), 503);
  t.log(`listening after ${listeningAfter} ms (tsx included)`);
  // Measured from the moment it listens: the time tsx takes to compile is not the service's.
  // Within the health timeout (800 ms) and some slack, not the pool's 10 s wait for a connection.
  const readyAnsweredIn = Date.now();
  t.is(await status(`${service.url}/ready`), 503);
  t.true(Date.now() - readyAnsweredIn < 800 + SLACK_MS, `answered in ${Date.now() - readyAnsweredIn} ms`);
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0);
});

test('serves /metrics on METRICS_PORT only, clean under promtool; the public port answers 404', async (t) => {
  const database = await createTestDatabase();
  const metricsPort = await freePort();
  const service = await start({ ...database.env, METRICS_PORT: String(metricsPort), LOG_LEVEL: 'silent' });
  try {
    await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    t.is(res.status, 200);
    const { code, findings } = await promtoolCheckMetrics(await res.text());
    t.is(code, 0, findings);
    t.is(findings, '');
    t.is(await status(`http://127.0.0.1:${metricsPort}/ready`), 404);
    t.is(await status(`${service.url}/metrics`), 404);
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
    await database.drop();
  }
});

test('a normal start on an empty database logs no warning from start to ready', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const service = await start({ ...database.env, LOG_LEVEL: 'info' });
  t.teardown(async () => {
    service.child.kill('SIGTERM');
    await service.exited;
  });
  // Probing /ready while it starts is what produces the failing checks to log.
  await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');
  // Logs are buffered (flushed every 200 ms and at exit): stop it, then read every line.
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0, service.output());
  const lines = service
    .output()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { level: number; check?: string; msg: string; err?: { stack?: string } });
  t.true(
    lines.some((line) => line.msg.startsWith('migrations up to date')),
    service.output(),
  );
  // The event loop may really lag on a busy machine:
  // that check's warning is a true one there, not a start-up state.
  const warnings = lines.filter((line) => line.check !== 'event-loop' && (line.level >= 40 || line.err?.stack));
  t.deepEqual(warnings, [], service.output());
});

test('SIGTERM: /ready 503 at once, /healthz 200, in-flight requests complete, exit 0', async (t) => {
  const database = await createTestDatabase();
  // A delay long enough for a busy machine to see /ready fail before the listener closes.
  const service = await start({ ...database.env, SHUTDOWN_DELAY_MS: '4000', SHUTDOWN_TIMEOUT_MS: '20000' });
  try {
    await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');
    const inFlight = slowPost(service.port);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const signalled = Date.now();
    service.child.kill('SIGTERM');
    // At once: well within the delay, during which /ready would otherwise still pass.
    await waitFor(async () => (await status(`${service.url}/ready`)) === 503, 3000, 'readiness failing');
    t.true(Date.now() - signalled < 3000);
    t.is(await status(`${service.url}/healthz`), 200);
    service.child.kill('SIGTERM'); // a second signal changes nothing

    inFlight.finish();
    t.regex(await inFlight.response, /^HTTP\/1\.1 201 Created/);
    t.is(await service.exited, 0);
    t.true(Date.now() - signalled >= 4000, 'traffic is served for SHUTDOWN_DELAY_MS');
    t.regex(service.output(), /shutdown complete/);
  } finally {
    await database.drop();
  }
});

test('SIGTERM with a request outliving SHUTDOWN_TIMEOUT_MS exits 1 at the timeout', async (t) => {
  const database = await createTestDatabase();
  const service = await start({ ...database.env, SHUTDOWN_TIMEOUT_MS: '1000' });
  try {
    // Ready first: the slow request must be in flight once the service can answer it.
    await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');
    slowPost(service.port); // never finished
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    t.is(await service.exited, 1);
    const took = Date.now() - signalled;
    // At the timeout, not before; and not waiting for the request, which never ends.
    t.true(took >= 1000 && took < 1000 + 5 * SLACK_MS, `exited after ${took} ms`);
  } finally {
    await database.drop();
  }
});
