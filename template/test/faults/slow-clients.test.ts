import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { createTestDatabase } from '../helpers/database.js';
import { START_TIMEOUT_MS, startService, status, waitFor, type ServiceProcess } from '../helpers/service-process.js';

/**
 * Clients that connect and take their time: a socket that sends nothing, one
 * that sends its headers a line at a time (slowloris), one left idle after a
 * request, and more connections than the service takes. Each is closed within
 * the bound its variable sets (small ones here), while `/healthz` answers.
 */

const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 3000;
/** Well above Node's own default (5 s), so that a socket still open past it shows the setting applies. */
const KEEP_ALIVE_TIMEOUT_MS = 12_000;
/** How long the keep-alive socket idles before its second request: past Node's default, well within ours. */
const IDLE_BEFORE_REUSE_MS = 6000;
/** A busy machine sees a close late and data late: an idle time is measured to within this. */
const OBSERVATION_SLACK_MS = 1000;
const MAX_CONNECTIONS = 20;
/** Only a socket never closed reaches this: a busy machine is late, never early. */
const NEVER_MS = 60_000;

interface Client {
  socket: net.Socket;
  /** Everything the server sent. */
  received(): string;
  /** `performance.now()` when the last data arrived. */
  lastDataAt(): number;
  /** `performance.now()` when the server closed the socket, or undefined if still open `NEVER_MS` after connecting. */
  closedAt: Promise<number | undefined>;
}

function connect(port: number): Client {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let lastDataAt = 0;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    lastDataAt = performance.now();
  });
  socket.on('error', () => {});
  const closedAt = Promise.race([
    new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now()))),
    sleep(NEVER_MS, undefined, { ref: false }),
  ]);
  return { socket, received: () => received, lastDataAt: () => lastDataAt, closedAt };
}

const answers = (client: Client) => client.received().match(/HTTP\/1\.1 200/g)?.length ?? 0;

async function start(t: { teardown(fn: () => Promise<void>): void }, env: Record<string, string>) {
  const database = await createTestDatabase();
  const service: ServiceProcess = await startService({ ...database.env, LOG_LEVEL: 'warn', ...env });
  t.teardown(async () => {
    service.child.kill('SIGKILL');
    await service.exited;
    await database.drop();
  });
  // Ready, not only live: PGlite's start holds the event loop for seconds, and
  // a client whose request waits unread meanwhile would be timed out with it.
  await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'readiness');
  return service;
}

test('a silent socket, a slowloris and an idle keep-alive socket are closed within their bounds; /healthz answers', async (t) => {
  const service = await start(t, {
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
  });
  const liveness: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      liveness.push(await status(`${service.url}/healthz`).catch(() => 0));
      await sleep(200);
    }
  })();
  t.teardown(async () => {
    polling = false;
    await poller;
  });

  const openedAt = performance.now();
  const silent = connect(service.port);
  const slowloris = connect(service.port);
  slowloris.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const dribble = setInterval(() => slowloris.socket.write('X-Slow: 1\r\n'), 200);
  t.teardown(async () => clearInterval(dribble));
  const keptAlive = connect(service.port);
  keptAlive.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');

  const [silentAt, slowlorisAt] = await Promise.all([silent.closedAt, slowloris.closedAt]);
  clearInterval(dribble);
  const silentMs = silentAt === undefined ? undefined : silentAt - openedAt;
  const slowlorisMs = slowlorisAt === undefined ? undefined : slowlorisAt - openedAt;
  t.log(`silent socket closed after ${silentMs?.toFixed(0)} ms, slowloris after ${slowlorisMs?.toFixed(0)} ms`);
  t.truthy(silentMs, 'the silent socket was never closed');
  t.truthy(slowlorisMs, 'the slowloris socket was never closed');
  t.true((silentMs ?? 0) >= HEADERS_TIMEOUT_MS - 100, `silent socket closed before its bound: ${silentMs} ms`);
  t.regex(slowloris.received(), /^HTTP\/1\.1 408 /, 'the slowloris gets a 408');

  // Kept open past Node's default 5 s, closed once idle for HTTP_KEEP_ALIVE_TIMEOUT_MS.
  await waitFor(async () => answers(keptAlive) === 1, NEVER_MS, 'first answer');
  // Idle counted from the answer's arrival, not from when a busy test noticed it.
  await sleep(Math.max(0, keptAlive.lastDataAt() + IDLE_BEFORE_REUSE_MS - performance.now()));
  t.false(keptAlive.socket.destroyed, 'the keep-alive socket outlives Node’s default');
  // Reused after an idle longer than the headers timeout: a connection waiting
  // for its next request is not held to it (Node ≥ 18 times headers from a request's first byte).
  keptAlive.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await waitFor(async () => answers(keptAlive) === 2, NEVER_MS, 'second answer');
  const idleFrom = keptAlive.lastDataAt();
  const keptAliveAt = await keptAlive.closedAt;
  const idleMs = keptAliveAt === undefined ? undefined : keptAliveAt - idleFrom;
  t.log(`idle keep-alive socket closed after ${idleMs?.toFixed(0)} ms (bound ${KEEP_ALIVE_TIMEOUT_MS} ms)`);
  t.truthy(idleMs, 'the idle keep-alive socket was never closed');
  t.true((idleMs ?? 0) >= KEEP_ALIVE_TIMEOUT_MS - OBSERVATION_SLACK_MS, `closed before its idle bound: ${idleMs} ms`);

  polling = false;
  await poller;
  t.true(liveness.length >= 10, `${liveness.length} liveness probes`);
  t.deepEqual(
    liveness.filter((code) => code !== 200),
    [],
    '/healthz 200 throughout',
  );
});

test('connections over HTTP_MAX_CONNECTIONS are refused; the service serves again once they close', async (t) => {
  const service = await start(t, { HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS) });
  // Keep-alive connections, each after one request: held open, counted. A
  // few more than the limit, since the test's own probes may hold one too.
  const clients: Client[] = [];
  for (let i = 0; i < MAX_CONNECTIONS + 5; i++) {
    const client = connect(service.port);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    clients.push(client);
  }
  t.teardown(async () => {
    for (const client of clients) client.socket.destroy();
  });
  const settled = (client: Client) => answers(client) === 1 || client.socket.destroyed;
  await waitFor(async () => clients.every(settled), NEVER_MS, 'every connection answered or closed');
  const answered = clients.filter((client) => answers(client) === 1).length;
  const refused = clients.filter((client) => client.socket.destroyed && client.received() === '').length;
  t.log(`${clients.length} connections: ${answered} answered, ${refused} closed unanswered (limit ${MAX_CONNECTIONS})`);
  t.true(answered <= MAX_CONNECTIONS, `${answered} answered`);
  t.true(refused >= 5, `${refused} refused`);

  for (const client of clients) client.socket.destroy();
  await waitFor(async () => (await status(`${service.url}/healthz`)) === 200, NEVER_MS, 'serving again');
});
