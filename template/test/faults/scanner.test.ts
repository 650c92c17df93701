import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'ava';
import { createTestApp, migrated, type TestApp } from '../helpers/test-app.js';
import { parseMetrics } from './support.js';

/**
 * A vulnerability scanner walks the service: 10,000 requests, 20 at a time on
 * keep-alive connections, with random paths, unusual methods, bad
 * percent-encoding, 8 KB URLs and a few oversized headers. Every answer is a
 * 4xx (Node answers the malformed ones itself), the metrics do not grow a
 * series per path, the heap does not grow, and the service keeps serving.
 */

const TOTAL = 10_000;
const CONCURRENCY = 20;
const HEAP_GROWTH_LIMIT_MB = 5;

// A forced GC in the test's own process: --expose-gc set at run time, read from a fresh context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Probe {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent on a connection of its own: Node closes it after answering a malformed request. */
  fresh?: boolean;
}

const token = () => randomBytes(6).toString('hex');
const LONG_PATH = `/${'a'.repeat(8 * 1024)}`;

/** The i-th request of the scan: a cycle of probes, most with random parts. */
function probeFor(i: number): Probe {
  if (i % 1000 === 999) return { method: 'GET', path: '/', headers: { 'x-scan': 'h'.repeat(20 * 1024) }, fresh: true };
  if (i % 500 === 250) return { method: 'BREW', path: '/coffee', fresh: true };
  const cycle: (() => Probe)[] = [
    () => ({ method: 'GET', path: `/scan-${token()}/${token()}.php` }),
    () => ({ method: 'GET', path: `/scan-${token()}?id=${token()}&q=%27%20or%201=1` }),
    () => ({ method: 'PROPFIND', path: `/scan-${token()}/` }),
    () => ({ method: 'MKCOL', path: `/healthz` }),
    () => ({ method: 'PURGE', path: `/ready/${token()}` }),
    () => ({ method: 'GET', path: '/%E0%A4%A' }),
    () => ({ method: 'GET', path: '/ready/%ZZ' }),
    () => ({ method: 'GET', path: `/ready/scan-${token()}` }),
    () => ({ method: 'GET', path: LONG_PATH }),
    () => ({ method: 'DELETE', path: '/metrics' }),
    () => ({ method: 'POST', path: '/healthz' }),
    () => ({ method: 'PUT', path: `/ready` }),
    () => ({ method: 'TRACE', path: '/ready' }),
    () => ({ method: 'PATCH', path: `/scan-${token()}` }),
    () => ({ method: 'GET', path: `/%2e%2e/%2e%2e/scan-${token()}/etc/passwd` }),
    () => ({ method: 'GET', path: `/greetings/${'x'.repeat(65)}` }),
  ];
  return cycle[i % cycle.length]!();
}

interface Tally {
  statuses: Map<string, number>;
  fiveXX: string[];
  unexpected: string[];
}

function send(port: number, agent: http.Agent, probe: Probe): Promise<string> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: probe.method,
        path: probe.path,
        headers: probe.headers,
        agent: probe.fresh ? false : agent,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
        res.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      },
    );
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    req.end();
  });
}

/** Sends probes `from` to `to` (exclusive), CONCURRENCY at a time. */
async function scan(port: number, agent: http.Agent, from: number, to: number, tally: Tally): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < to) {
        const probe = probeFor(next++);
        const outcome = await send(port, agent, probe);
        tally.statuses.set(outcome, (tally.statuses.get(outcome) ?? 0) + 1);
        const what = `${probe.method} ${probe.path.slice(0, 60)} => ${outcome}`;
        // An unknown method (PROPFIND, MKCOL, PURGE, TRACE) is a 405 or 404 too, never @koa/router's 501.
        if (/^5\d\d$/.test(outcome)) tally.fiveXX.push(what);
        // 4xx only; a malformed request on a connection of its own may also see the connection reset.
        else if (!/^(400|404|405|414|431)$/.test(outcome) && !(probe.fresh && outcome === 'ECONNRESET')) {
          tally.unexpected.push(what);
        }
      }
    }),
  );
}

function heapAfterGcMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

let app: TestApp | undefined;
let server: http.Server | undefined;
let base = '';
let port = 0;

test.before(async () => {
  // Up and migrated first: PGlite's start holds the event loop for seconds, long enough for the
  // server's keep-alive timeout to close sockets under the clients' feet.
  app = await migrated(await createTestApp());
  await app.container.cradle.db.raw('select 1');
  server = http.createServer(app.callback);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

test.after.always(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await app?.close();
});

async function requestSeries(): Promise<string[]> {
  const res = await fetch(`${base}/metrics`);
  return parseMetrics(await res.text())
    .filter((s) => s.name === 'http_server_requests_total')
    .map((s) => JSON.stringify(s.labels))
    .sort();
}

test.serial('10,000 scanner requests: 4xx only, bounded series, flat heap, still serving', async (t) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  t.teardown(() => agent.destroy());

  t.is((await fetch(`${base}/healthz`)).status, 200);
  const before = await requestSeries();
  const tally: Tally = { statuses: new Map(), fiveXX: [], unexpected: [] };

  const started = performance.now();
  const heapStart = heapAfterGcMb();
  await scan(port, agent, 0, TOTAL / 2, tally);
  const heapHalf = heapAfterGcMb();
  const half = await requestSeries();
  await scan(port, agent, TOTAL / 2, TOTAL, tally);
  const heapEnd = heapAfterGcMb();
  const after = await requestSeries();
  const seconds = (performance.now() - started) / 1000;

  t.log(`${TOTAL} requests in ${seconds.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(tally.statuses))}`);
  t.log(
    `heap after GC: ${heapStart.toFixed(1)} → ${heapHalf.toFixed(1)} → ${heapEnd.toFixed(1)} MB; ` +
      `series ${before.length} → ${half.length} → ${after.length}`,
  );
  // A 5xx here would also count against TemplateServiceHighErrorRatio.
  t.deepEqual(tally.fiveXX.slice(0, 10), [], 'never a 5xx');
  t.deepEqual(tally.unexpected.slice(0, 10), [], 'only 4xx answers');
  t.is(
    [...tally.statuses.values()].reduce((a, b) => a + b, 0),
    TOTAL,
  );

  // Series: a few method/route/status combinations, all seen in the first half; none named after a path.
  t.true(after.length - before.length <= 20, `series grew by ${after.length - before.length}: ${after.join('\n')}`);
  t.deepEqual(after, half, 'the second 5,000 requests added no series');
  t.false(
    after.some((labels) => /scan|%|aaaa|etc|passwd|PROPFIND|MKCOL|PURGE|BREW/.test(labels)),
    after.join('\n'),
  );

  t.true(
    heapEnd - heapHalf <= HEAP_GROWTH_LIMIT_MB,
    `heap grew ${(heapEnd - heapHalf).toFixed(1)} MB over the second 5,000 requests`,
  );

  t.is((await fetch(`${base}/healthz`)).status, 200);
  t.is((await fetch(`${base}/greetings/x`)).status, 200);
});

test.serial(
  // @koa/router falls back to the raw text when a parameter does not decode: without
  // src/http/decodable-path.ts the greeting route would answer 200 "Hello, %E0%A4%A!".
  'bad percent-encoding in a route parameter is a 4xx, not a greeting',
  async (t) => {
    const answers: string[] = [];
    for (const path of ['/greetings/%E0%A4%A', '/greetings/%ZZ']) {
      const res = await fetch(`${base}${path}`);
      answers.push(`${path} => ${res.status} ${await res.text()}`);
    }
    t.log(answers.join('; '));
    for (const answer of answers) t.regex(answer, / => 4\d\d /);
  },
);
