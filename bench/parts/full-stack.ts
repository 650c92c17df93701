import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BenchContext } from '../lib/context.js';
import { expectBody } from '../lib/http.js';
import { assertClean, load, type LoadResult } from '../lib/load.js';
import { withDatabase, type BenchDatabase } from '../lib/postgres.js';
import { bytes, int, met, ms, ratio, us, type Row, type Section } from '../lib/report.js';
import { alternate, medianOf } from '../lib/rounds.js';
import { startBenchServer, startService, untilAnswers, type RunningServer } from '../lib/template.js';

/** The issue's bar: the whole middleware stack keeps 95% of bare Koa's throughput. */
const TARGET_RATIO = 0.95;

/**
 * Loads two servers on the same route in alternating rounds and returns the
 * results of each side; both processes stay up for the whole comparison.
 */
async function compare(
  { options, log }: BenchContext,
  what: string,
  route: string,
  sideA: RunningServer,
  sideB: RunningServer,
): Promise<{ a: LoadResult[]; b: LoadResult[] }> {
  const run = (server: RunningServer, seconds: number) => async (round: number) => {
    const result = await load({
      url: server.url + route,
      connections: options.connections,
      seconds,
      serverPid: server.child.process.pid,
    });
    assertClean(`${server.child.name} ${route}`, result);
    if (round >= 0) log(`${what}: ${server.child.name} round ${round + 1}: ${int(result.rps)} req/s`);
    return result;
  };
  if (options.warmupSeconds > 0) {
    await run(sideA, options.warmupSeconds)(-1);
    await run(sideB, options.warmupSeconds)(-1);
  }
  return alternate(options.rounds, run(sideA, options.loadSeconds), run(sideB, options.loadSeconds));
}

function rows(
  benchmark: string,
  names: [string, string],
  { a, b }: { a: LoadResult[]; b: LoadResult[] },
  target: number | undefined,
): Row[] {
  const rpsA = medianOf(a, (r) => r.rps);
  const rpsB = medianOf(b, (r) => r.rps);
  const share = rpsA / rpsB;
  return [
    {
      benchmark,
      measure: 'requests/s',
      measured: `${int(rpsA)} (${names[0]})`,
      baseline: `${int(rpsB)} (${names[1]})`,
      ratio: ratio(share),
      target: target === undefined ? '—' : `≥ ${target.toFixed(2)}`,
      met: target === undefined ? '—' : met(share >= target),
    },
    {
      benchmark,
      measure: 'latency p50 / p99',
      measured: `${ms(medianOf(a, (r) => r.p50Ms))} / ${ms(medianOf(a, (r) => r.p99Ms))}`,
      baseline: `${ms(medianOf(b, (r) => r.p50Ms))} / ${ms(medianOf(b, (r) => r.p99Ms))}`,
      ratio: `${ratio(medianOf(a, (r) => r.p50Ms) / medianOf(b, (r) => r.p50Ms))} / ${ratio(medianOf(a, (r) => r.p99Ms) / medianOf(b, (r) => r.p99Ms))}`,
      target: '—',
      met: '—',
    },
    {
      benchmark,
      measure: 'server CPU per request',
      measured: us(medianOf(a, (r) => r.serverCpuUs)),
      baseline: us(medianOf(b, (r) => r.serverCpuUs)),
      ratio: ratio(medianOf(a, (r) => r.serverCpuUs) / medianOf(b, (r) => r.serverCpuUs)),
      target: '—',
      met: '—',
    },
  ];
}

const roundLine = (name: string, results: LoadResult[]) =>
  `${name}: ${results.map((r) => `${int(r.rps)} req/s (p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}, ${us(r.serverCpuUs)} CPU/request)`).join('; ')}`;

/** An OTLP endpoint that accepts every export and only counts it: the cost measured is the service's. */
async function startOtlpSink(): Promise<{ url: string; exports: () => number; bytes: () => number; server: Server }> {
  let exports = 0;
  let received = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.on('end', () => {
      exports += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, exports: () => exports, bytes: () => received, server };
}

/**
 * Part 1. The template service (built output, every middleware, info-level
 * access log) against bare Koa on `GET /greetings/:name`; the HTTP metrics
 * middleware alone against bare Koa on the same route; then one
 * `select 1` through knex with and without the query hook, each in a bare
 * Koa app so that only the hook differs; and the template with tracing on
 * (every request sampled, exported over OTLP to a local sink) against the
 * template with tracing unset.
 */
export function fullStack(context: BenchContext): Promise<Section> {
  return withDatabase('http', (database) => measure(context, database));
}

async function measure(context: BenchContext, database: BenchDatabase): Promise<Section> {
  const { options } = context;
  const route = '/greetings/bench';
  const body = '{"message":"Hello, bench!"}';
  const connections = `${options.connections} connections`;

  const service = await startService({ DATABASE_URL: database.url }, 'template service');
  const bare = await startBenchServer('bare.ts', {}, 'bare Koa');
  let greetings;
  try {
    // Ready means the start-up migrations are done: the service is in its steady state.
    await untilAnswers(service, '/ready');
    await untilAnswers(bare, route);
    await expectBody(service.url + route, body);
    await expectBody(bare.url + route, body);
    greetings = await compare(context, 'greetings', route, service, bare);
  } finally {
    await Promise.all([service.child.stop(), bare.child.stop()]);
  }

  const metered = await startBenchServer('bare.ts', { BENCH_HTTP_METRICS: '1' }, 'bare Koa + HTTP metrics');
  const unmetered = await startBenchServer('bare.ts', {}, 'bare Koa');
  let instrumentation;
  try {
    await untilAnswers(metered, route);
    await untilAnswers(unmetered, route);
    await expectBody(metered.url + route, body);
    instrumentation = await compare(context, 'HTTP metrics alone', route, metered, unmetered);
  } finally {
    await Promise.all([metered.child.stop(), unmetered.child.stop()]);
  }

  const plain = await startBenchServer('bare.ts', { BENCH_DATABASE_URL: database.url }, 'knex');
  const hooked = await startBenchServer(
    'bare.ts',
    { BENCH_DATABASE_URL: database.url, BENCH_INSTRUMENT: '1' },
    'knex + hook',
  );
  let queries;
  try {
    await untilAnswers(plain, '/db');
    await untilAnswers(hooked, '/db');
    await expectBody(plain.url + '/db', '{"ok":true}');
    await expectBody(hooked.url + '/db', '{"ok":true}');
    queries = await compare(context, 'select 1 route', '/db', hooked, plain);
  } finally {
    await Promise.all([plain.child.stop(), hooked.child.stop()]);
  }

  const sink = await startOtlpSink();
  const traced = await startService(
    { DATABASE_URL: database.url, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'always_on' },
    'template, tracing on',
  );
  const untraced = await startService({ DATABASE_URL: database.url }, 'template, tracing unset');
  let tracing;
  try {
    await untilAnswers(traced, '/ready');
    await untilAnswers(untraced, '/ready');
    await expectBody(traced.url + route, body);
    tracing = await compare(context, 'tracing', route, traced, untraced);
  } finally {
    await Promise.all([traced.child.stop(), untraced.child.stop()]);
    sink.server.close();
  }
  const tracedResponses = tracing.a.reduce((sum, r) => sum + r.responses, 0);

  return {
    title: 'Full stack',
    rows: [
      ...rows(`Full stack, GET /greetings/:name, ${connections}`, ['template', 'bare Koa'], greetings, TARGET_RATIO),
      ...rows(
        `HTTP metrics middleware alone on bare Koa, GET /greetings/:name, ${connections}`,
        ['with the metrics middleware', 'without'],
        instrumentation,
        undefined,
      ),
      ...rows(
        `Route running \`select 1\` (knex, PostgreSQL), ${connections}`,
        ['with query hook', 'without'],
        queries,
        undefined,
      ),
      ...rows(
        `Full stack with tracing on (100 % sampled, OTLP/protobuf to a local sink) vs unset, GET /greetings/:name, ${connections}`,
        ['tracing on', 'tracing unset'],
        tracing,
        undefined,
      ),
      {
        benchmark: 'Tracing on: what the exporter sent',
        measure: 'OTLP exports, bytes, measured responses',
        measured: `${int(sink.exports())} exports, ${bytes(sink.bytes())}, ${int(tracedResponses)} responses`,
        baseline: '—',
        ratio: '—',
        target: '—',
        met: '—',
      },
    ],
    method: [
      'Each server runs in its own process and wrk (one thread) in its own: ' +
        `${options.connections} connections, no pipelining, ${options.loadSeconds} s per round after ${options.warmupSeconds} s of warm-up per side.`,
      'Template: `node template/dist/src/server.js` (built by `npm run build -w template`) on a PostgreSQL database made for the run, loaded once /ready is 200; ' +
        'request id, span naming, HTTP metrics, access log at the default level (info), error handler, path and method refusals, one router (a route that takes a body parses it itself). Its JSON log goes to /dev/null: each line is still serialised and written.',
      'Bare Koa (`bench/servers/bare.ts`): `new Koa()` and `@koa/router` with the one route. Both answers are checked to be `{"message":"Hello, bench!"}` before loading.',
      "HTTP metrics alone: two bare Koa processes, one with the template's `httpMetrics` observer (through `observeRequests`) in front of the router (histogram, counter and in-flight gauge by method, route and status), so that only the instrumentation differs.",
      "`select 1` route: two bare Koa processes with knex from the template's `createDatabase` (pg, pool of 10), one also with the template's `instrumentQueries`; the route awaits one `db.raw('select 1')`.",
      'Tracing: two template processes started as `npm start` starts them (`--import dist/src/tracing/register.js`); one with `OTEL_EXPORTER_OTLP_ENDPOINT` set to a sink in the benchmark process that accepts and counts each export, and `OTEL_TRACES_SAMPLER=always_on`, the SDK otherwise at its defaults (batches of 512 every 5 s, a queue of 2048: past that, spans are dropped, as they would be in production); the other with tracing unset, so the preload loads nothing. ' +
        'The exports and bytes the sink received cover the warm-up too; a response whose span was dropped sent nothing.',
      "Latency percentiles are wrk's, in microseconds. Ratios are of the medians.",
    ],
    rounds: [
      roundLine('template, /greetings/:name', greetings.a),
      roundLine('bare Koa, /greetings/:name', greetings.b),
      roundLine('bare Koa + HTTP metrics, /greetings/:name', instrumentation.a),
      roundLine('bare Koa, /greetings/:name (against the metrics)', instrumentation.b),
      roundLine('bare Koa + knex + query hook, select 1 route', queries.a),
      roundLine('bare Koa + knex, select 1 route', queries.b),
      roundLine('template, tracing on, /greetings/:name', tracing.a),
      roundLine('template, tracing unset, /greetings/:name', tracing.b),
    ],
  };
}
