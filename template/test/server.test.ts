import net from 'node:net';
import test from 'ava';
import { createTestDatabase } from './helpers/database.js';
import { promtoolCheckMetrics } from './helpers/promtool.js';
import { START_TIMEOUT_MS, startService, status, waitFor, type ServiceProcess } from './helpers/service-process.js';

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

/** A POST whose body is still arriving: a request in flight for as long as the test wants. */
function slowPost(port: number): { finish(): void; response: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  const body = '{"name":"Ada"}';
  socket.write(
    `POST /greetings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
  );
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const response = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => resolve(received));
  });
  return { finish: () => socket.write(body.slice(5)), response };
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

test('a database refusing connections: /healthz 200 at once, /ready 503 within 2 s of start', async (t) => {
  const service = await start({ DATABASE_URL: 'postgres://postgres:pw@127.0.0.1:1/app', LOG_LEVEL: 'silent' });
  const started = Date.now();
  await waitFor(async () => (await status(`${service.url}/healthz`)) === 200, START_TIMEOUT_MS, 'liveness');
  const listeningAfter = Date.now() - started;
  t.is(await status(`${service.url}/ready`), 503);
  t.log(`listening after ${listeningAfter} ms (tsx included)`);
  // Measured from the moment it listens: the time tsx takes to compile is not the service's.
  const readyAnsweredIn = Date.now();
  await status(`${service.url}/ready`);
  t.true(Date.now() - readyAnsweredIn < 2000);
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0);
});

test('serves /metrics on METRICS_PORT as well, clean under promtool', async (t) => {
  const database = await createTestDatabase();
  const metricsPort = 20_000 + Math.floor(Math.random() * 20_000);
  const service = await start({ ...database.env, METRICS_PORT: String(metricsPort), LOG_LEVEL: 'silent' });
  try {
    await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    t.is(res.status, 200);
    const { code, findings } = await promtoolCheckMetrics(await res.text());
    t.is(code, 0, findings);
    t.is(findings, '');
    t.is(await status(`http://127.0.0.1:${metricsPort}/ready`), 404);
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
    await database.drop();
  }
});

test('SIGTERM: /ready 503 at once, /healthz 200, in-flight requests complete, exit 0', async (t) => {
  const database = await createTestDatabase();
  const service = await start({ ...database.env, SHUTDOWN_DELAY_MS: '1500', SHUTDOWN_TIMEOUT_MS: '10000' });
  try {
    await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');
    const inFlight = slowPost(service.port);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const signalled = Date.now();
    service.child.kill('SIGTERM');
    await waitFor(async () => (await status(`${service.url}/ready`)) === 503, 1000, 'readiness failing');
    t.true(Date.now() - signalled < 1000);
    t.is(await status(`${service.url}/healthz`), 200);
    service.child.kill('SIGTERM'); // a second signal changes nothing

    inFlight.finish();
    t.regex(await inFlight.response, /^HTTP\/1\.1 201 Created/);
    t.is(await service.exited, 0);
    t.true(Date.now() - signalled >= 1500, 'traffic is served for SHUTDOWN_DELAY_MS');
    t.regex(service.output(), /shutdown complete/);
  } finally {
    await database.drop();
  }
});

test('SIGTERM with a request outliving SHUTDOWN_TIMEOUT_MS exits 1 at the timeout', async (t) => {
  const database = await createTestDatabase();
  const service = await start({ ...database.env, SHUTDOWN_TIMEOUT_MS: '1000' });
  try {
    // Ready first: PGlite's start-up holds the event loop, timers included.
    await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');
    slowPost(service.port); // never finished
    await new Promise((resolve) => setTimeout(resolve, 200));
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    t.is(await service.exited, 1);
    const took = Date.now() - signalled;
    t.true(took >= 1000 && took < 3000, `exited after ${took} ms`);
  } finally {
    await database.drop();
  }
});
