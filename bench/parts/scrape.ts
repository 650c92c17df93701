import { gunzipSync } from 'node:zlib';
import type { BenchContext } from '../lib/context.js';
import { freePort } from '../lib/children.js';
import { get } from '../lib/http.js';
import { withDatabase, type BenchDatabase } from '../lib/postgres.js';
import { bytes, met, ms, ratio, type Section } from '../lib/report.js';
import { median, medianOf, rotate } from '../lib/rounds.js';
import { startBenchServer, untilAnswers, type RunningServer } from '../lib/template.js';

/** The issue's bar for one scrape of the template's own registry. */
const TARGET_MS = 5;
const EXTRA_SERIES = 10_000;

interface ScrapeRound {
  /** Client side: request sent to last byte received, per scrape. */
  medianMs: number;
  bytes: number;
  /** Server side: registry.metrics(), per scrape. */
  collectMedianMs: number;
  /** Server side: the longest event-loop stall during the round. */
  loopMaxMs: number;
}

interface ScrapeServer extends RunningServer {
  control: string;
}

async function startScrapeServer(name: string, env: Record<string, string>): Promise<ScrapeServer> {
  const controlPort = await freePort();
  const server = await startBenchServer('template-app.ts', { ...env, CONTROL_PORT: String(controlPort) }, name);
  return { ...server, control: `http://127.0.0.1:${controlPort}` };
}

/**
 * The requests a running service has seen, so that the registry holds the
 * series it would hold in production: a route, both probes, a 404, a scrape.
 */
async function warm(server: ScrapeServer): Promise<void> {
  for (const route of ['/greetings/bench', '/healthz', '/ready', '/missing', '/metrics']) {
    for (let i = 0; i < 3; i++) await get(server.url + route);
  }
}

/** What Prometheus sends with every scrape, or nothing: plain text, as curl gets it. */
const GZIP = { 'Accept-Encoding': 'gzip' };

async function scrapes(server: ScrapeServer, count: number, gzip: boolean): Promise<ScrapeRound> {
  await get(`${server.control}/reset`);
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < count; i++) {
    const answer = await get(`${server.url}/metrics`, undefined, gzip ? GZIP : {});
    const gzipped = answer.headers['content-encoding'] === 'gzip';
    const text = gzipped ? gunzipSync(answer.raw).toString() : answer.body;
    if (answer.status !== 200 || gzipped !== gzip || !text.includes('http_server_request_duration_seconds_bucket')) {
      throw new Error(`${server.child.name}: /metrics answered ${answer.status} ${JSON.stringify(answer.headers)}`);
    }
    times.push(answer.ms);
    size = answer.bytes;
  }
  const stats = JSON.parse((await get(`${server.control}/stats`)).body) as { loopMaxMs: number; collectMs: number[] };
  return { medianMs: median(times), bytes: size, collectMedianMs: median(stats.collectMs), loopMaxMs: stats.loopMaxMs };
}

/**
 * Part 3. Sequential scrapes of /metrics, at the template's own size and with
 * 10,000 extra series, in two processes built from template/src.
 */
export function scrape(context: BenchContext): Promise<Section> {
  return withDatabase('scrape', (database) => measure(context, database));
}

async function measure({ options, log }: BenchContext, database: BenchDatabase): Promise<Section> {
  // On PostgreSQL, so that no PGlite shares the process's CPU.
  const env = { DATABASE_URL: database.url };
  const small = await startScrapeServer('template registry', env);
  const large = await startScrapeServer(`template registry with ${EXTRA_SERIES} extra series`, {
    ...env,
    BENCH_EXTRA_SERIES: String(EXTRA_SERIES),
  });
  let rounds;
  try {
    await untilAnswers(small, '/ready');
    await untilAnswers(large, '/ready');
    await warm(small);
    await warm(large);
    const round = (server: ScrapeServer, gzip: boolean) => async (index: number) => {
      const result = await scrapes(server, options.scrapesPerRound, gzip);
      const how = gzip ? 'gzip' : 'plain';
      log(`scrape ${server.child.name} ${how} round ${index + 1}: ${ms(result.medianMs)}, ${bytes(result.bytes)}`);
      return result;
    };
    const sides = [round(small, false), round(large, false), round(small, true), round(large, true)];
    if (options.warmupSeconds > 0) {
      for (const [server, gzip] of [small, large].flatMap(
        (server) =>
          [
            [server, false],
            [server, true],
          ] as const,
      )) {
        await scrapes(server, options.scrapesPerRound, gzip);
      }
    }
    rounds = await rotate(options.rounds, sides);
  } finally {
    await Promise.all([small.child.stop(), large.child.stop()]);
  }

  const [a, b, smallGzip, largeGzip] = rounds as [ScrapeRound[], ScrapeRound[], ScrapeRound[], ScrapeRound[]];
  const size = (r: ScrapeRound[]) => medianOf(r, (x) => x.bytes);
  const gzipRow = (name: string, gzipped: ScrapeRound[], plain: ScrapeRound[]) => ({
    benchmark,
    measure: `gzip (Accept-Encoding: gzip, as Prometheus sends): ${name}`,
    measured: `${described(gzipped)}, stall ${ms(Math.max(...gzipped.map((x) => x.loopMaxMs)))}`,
    baseline: `${described(plain)} (plain text)`,
    ratio: `size ${ratio(size(gzipped) / size(plain))}, time ${ratio(time(gzipped) / time(plain))}`,
    target: '—',
    met: '—',
  });
  const time = (r: ScrapeRound[]) => medianOf(r, (x) => x.medianMs);
  const benchmark = `Scrape of /metrics, ${options.scrapesPerRound} sequential scrapes per round`;
  const described = (r: ScrapeRound[]) => `${ms(time(r))}, ${bytes(medianOf(r, (x) => x.bytes))}`;
  return {
    title: 'Scrape cost',
    rows: [
      {
        benchmark,
        measure: 'time (request to last byte), size: template registry',
        measured: described(a),
        baseline: '—',
        ratio: '—',
        target: `< ${TARGET_MS} ms`,
        met: met(time(a) < TARGET_MS),
      },
      {
        benchmark,
        measure: `time, size: with ${EXTRA_SERIES.toLocaleString('en-US')} extra series`,
        measured: described(b),
        baseline: `${described(a)} (template registry)`,
        ratio: ratio(time(b) / time(a)),
        target: '—',
        met: '—',
      },
      {
        benchmark,
        measure: 'event loop blocked: registry.metrics() median / longest stall',
        measured: `${ms(medianOf(b, (x) => x.collectMedianMs))} / ${ms(Math.max(...b.map((x) => x.loopMaxMs)))} (with ${EXTRA_SERIES.toLocaleString('en-US')} extra series)`,
        baseline: `${ms(medianOf(a, (x) => x.collectMedianMs))} / ${ms(Math.max(...a.map((x) => x.loopMaxMs)))} (template registry)`,
        ratio: ratio(medianOf(b, (x) => x.collectMedianMs) / medianOf(a, (x) => x.collectMedianMs)),
        target: '—',
        met: '—',
      },
      gzipRow('template registry', smallGzip, a),
      gzipRow(`with ${EXTRA_SERIES.toLocaleString('en-US')} extra series`, largeGzip, b),
    ],
    method: [
      'Two processes built from template/src with `createAppContainer` and `createApp` (`bench/servers/template-app.ts`), as server.ts builds them, on a PostgreSQL database; one adds a test-only gauge with 10,000 label values.',
      'Template size: the registry after 3 requests on each of /greetings/bench, /healthz, /ready, a 404 and /metrics, so that the HTTP and health series a running service holds are there.',
      `Time: ${options.scrapesPerRound} sequential GET /metrics per round, each on a new connection, request sent to last byte received; median per round, then median of rounds. Size: the body as sent.`,
      'Gzip: the same scrapes with `Accept-Encoding: gzip` (rounds rotate plain and gzip, template size and large); the time includes compressing (node zlib, level 1, on the thread pool) but not the client decompressing; over loopback the smaller transfer gains nothing, on a network it does.',
      'Event loop: `registry.metrics()` timed inside the process (prom-client awaits only synchronous collectors here, so the call is one unbroken run of microtasks: the event loop is blocked for all of it), ' +
        'and the longest stall seen by `monitorEventLoopDelay` (1 ms resolution) over all rounds, which also covers writing the response.',
    ],
    rounds: (
      [
        ['template registry', a],
        [`with ${EXTRA_SERIES} extra series`, b],
        ['template registry, gzip', smallGzip],
        [`with ${EXTRA_SERIES} extra series, gzip`, largeGzip],
      ] as const
    ).map(
      ([name, r]) =>
        `${name}: ${r.map((x) => `${ms(x.medianMs)} (metrics() ${ms(x.collectMedianMs)}, stall ${ms(x.loopMaxMs)}), ${bytes(x.bytes)}`).join('; ')}`,
    ),
  };
}
