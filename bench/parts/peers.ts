import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { runToEnd } from '../lib/children.js';
import { compileServer } from '../lib/compile.js';
import type { BenchContext } from '../lib/context.js';
import { expectBody, get, waitForStatus } from '../lib/http.js';
import { assertClean, load, type LoadResult } from '../lib/load.js';
import { countersOf, createBenchDatabase, type BenchDatabase } from '../lib/postgres.js';
import { bytes, int, met, ms, ratio, type Row, type Section } from '../lib/report.js';
import { median, medianOf, rotate } from '../lib/rounds.js';
import { ROOT, startScript, startService, untilAnswers, type RunningServer } from '../lib/template.js';

const PEERS_DIR = path.join(ROOT, 'bench/peers');
const SERVERS_DIR = path.join(ROOT, 'bench/servers');
/** The template's default (config.ts); its /ready runs the checks at most once per window. */
const HEALTH_CACHE_MS = 1000;
const GREETING = '{"message":"Hello, bench!"}';

/**
 * Installs the peers' dependencies (bench/peers/package.json, with its own
 * lockfile) when bench/peers/node_modules is missing or older than the
 * lockfile: they belong to the benchmark, not to the template or the root.
 * The runner calls it before its deadline starts.
 */
export async function installPeers(log: (message: string) => void): Promise<void> {
  const installedAt = await stat(path.join(PEERS_DIR, 'node_modules/.package-lock.json')).then(
    (installed) => installed.mtimeMs,
    () => 0,
  );
  if (installedAt >= (await stat(path.join(PEERS_DIR, 'package-lock.json'))).mtimeMs) return;
  log("installing the peers' dependencies: npm ci --prefix bench/peers");
  const started = performance.now();
  await runToEnd({
    name: 'npm ci --prefix bench/peers',
    command: 'npm',
    args: ['ci', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--prefer-offline'],
    cwd: ROOT,
    timeoutMs: 300_000,
  });
  log(`peers installed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** One server of the comparison. */
interface Contender {
  name: string;
  /** A framework users would pick instead; bare Koa is the baseline, not a peer. */
  peer: boolean;
  metrics: boolean;
  /** The process the loads run on. */
  start(database: BenchDatabase): Promise<RunningServer>;
  /** The process whose start-up is timed. */
  startFresh(database: BenchDatabase): Promise<RunningServer>;
}

/**
 * Every server compiled to JavaScript and run on plain node (lib/compile.ts).
 * The template's loads run on its built app with one more route, `GET /db`
 * (bench/servers/template-app.ts), since it has no route that queries; its
 * start-up is timed on the built service itself, `node dist/src/server.js`.
 */
async function contenders(): Promise<Contender[]> {
  const [templateApp, bare, fastify, nest, express] = await Promise.all([
    compileServer(path.join(SERVERS_DIR, 'template-app.ts')),
    compileServer(path.join(SERVERS_DIR, 'bare.ts')),
    ...['fastify', 'nest', 'express'].map((peer) => compileServer(path.join(PEERS_DIR, `${peer}.ts`))),
  ]);
  const peer = (name: string, file: string): Contender => {
    const start = (database: BenchDatabase) => startScript(file, { DATABASE_URL: database.url }, name);
    return { name, peer: true, metrics: true, start, startFresh: start };
  };
  const bareStart = (database: BenchDatabase) => startScript(bare, { BENCH_DATABASE_URL: database.url }, 'bare Koa');
  return [
    {
      name: 'template',
      peer: false,
      metrics: true,
      start: (database) => startScript(templateApp, { DATABASE_URL: database.url, BENCH_QUERY_ROUTE: '1' }, 'template'),
      startFresh: (database) => startService({ DATABASE_URL: database.url }, 'template service'),
    },
    { name: 'bare Koa', peer: false, metrics: false, start: bareStart, startFresh: bareStart },
    peer('Fastify', fastify!),
    peer('NestJS', nest!),
    peer('Express', express!),
  ];
}

interface Storm {
  result: LoadResult;
  /** Transactions PostgreSQL counted for the server's database, less the connection starts among them. */
  checks: number;
  /** One check per HEALTH_CACHE_MS window: a storm of S ms overlaps at most floor(S / window) + 1 windows. */
  allowed: number;
}

interface Round {
  greetings: LoadResult;
  healthz: LoadResult;
  db: LoadResult;
  storm: Storm;
  /** Median time of the round's sequential scrapes, and the body's size. */
  scrape?: { ms: number; bytes: number };
}

interface Result {
  contender: Contender;
  rounds: Round[];
  /** Resident memory after every load, in bytes. */
  rss: number;
  /** Spawn to first 200 on /ready, per round. */
  starts: number[];
}

/**
 * Part 6. The template against bare Koa and the frameworks users would pick
 * instead (bench/peers/), each with its own database, on the same routes:
 * the loads in alternating rounds on servers that stay up, then start-up on
 * new processes.
 */
export async function peers(context: BenchContext): Promise<Section> {
  const { options, log } = context;
  const entries = await contenders();
  const databases = await Promise.all(entries.map((_, index) => createBenchDatabase(`peer${index}`)));
  try {
    const servers = await Promise.all(entries.map((entry, index) => entry.start(databases[index]!)));
    let loads: Round[][];
    const rss: number[] = [];
    try {
      await Promise.all(servers.map((server, index) => check(server, entries[index]!)));
      const sides = entries.map((entry, index) => ({ entry, server: servers[index]!, database: databases[index]! }));
      if (options.warmupSeconds > 0) {
        await measureRounds(context, sides, {
          rounds: 1,
          seconds: options.warmupSeconds,
          stormSeconds: options.warmupSeconds,
          record: false,
        });
      }
      loads = await measureRounds(context, sides, {
        rounds: options.rounds,
        seconds: options.loadSeconds,
        stormSeconds: options.stormSeconds,
        record: true,
      });
      for (const server of servers) rss.push(await rssOf(server));
    } finally {
      await Promise.all(servers.map((server) => server.child.stop()));
    }

    const startOf = (index: number) => (round: number) => startToReady(entries[index]!, databases[index]!, round, log);
    // One start of each first, unrecorded, to fill the file cache.
    if (options.warmupSeconds > 0) {
      for (const index of entries.keys()) await startOf(index)(-1);
    }
    const starts = await rotate(
      options.rounds,
      entries.map((_, index) => startOf(index)),
    );
    const results = entries.map((contender, index) => ({
      contender,
      rounds: loads[index]!,
      rss: rss[index]!,
      starts: starts[index]!,
    }));
    return await section(context, results);
  } finally {
    await Promise.all(databases.map((database) => database.drop()));
  }
}

/** A benchmark of a wrong answer measures nothing: every route answers as it should before the loads. */
async function check(server: RunningServer, entry: Contender): Promise<void> {
  // Ready means connected (and, for the template, migrated): the server is in its steady state.
  await untilAnswers(server, '/ready');
  await untilAnswers(server, '/healthz');
  await expectBody(`${server.url}/greetings/bench`, GREETING);
  await expectBody(`${server.url}/db`, '{"ok":true}');
  if (entry.metrics) {
    const scrape = await get(`${server.url}/metrics`);
    if (scrape.status !== 200 || !scrape.body.includes('/greetings/:name')) {
      throw new Error(`${entry.name}: /metrics answered ${scrape.status} without a series for /greetings/:name`);
    }
  }
}

/** A server under load, with its database. */
interface Side {
  entry: Contender;
  server: RunningServer;
  database: BenchDatabase;
}

/**
 * Rounds in which each measurement (a route's load, the storm, the scrapes)
 * runs on every server in turn before the next: the servers compared on a
 * route are loaded within seconds of each other, so a drift of this shared
 * machine lands on all of them, and ratios are taken within a round.
 */
async function measureRounds(
  context: BenchContext,
  sides: readonly Side[],
  { rounds, seconds, stormSeconds, record }: { rounds: number; seconds: number; stormSeconds: number; record: boolean },
): Promise<Round[][]> {
  const { options, log } = context;
  const run =
    (route: string) =>
    async ({ entry, server }: Side) => {
      const serverPid = server.child.process.pid;
      const result = await load({ url: server.url + route, connections: options.connections, seconds, serverPid });
      assertClean(`${entry.name} ${route}`, result);
      return result;
    };
  const steps: ((side: Side) => Promise<Partial<Round>>)[] = [
    async (side) => ({ greetings: await run('/greetings/bench')(side) }),
    async (side) => ({ healthz: await run('/healthz')(side) }),
    async (side) => ({ db: await run('/db')(side) }),
    async (side) => ({ storm: await storm(context, side, stormSeconds) }),
    async (side) => ({ scrape: side.entry.metrics ? await scrape(context, side) : undefined }),
  ];
  const results = sides.map((): Round[] => []);
  for (let round = 0; round < rounds; round++) {
    const measured = sides.map((): Partial<Round> => ({}));
    for (const step of steps) {
      for (const [index, side] of sides.entries()) Object.assign(measured[index]!, await step(side));
    }
    for (const [index, side] of sides.entries()) {
      const complete = measured[index] as Round;
      results[index]!.push(complete);
      if (record) log(`peers: ${side.entry.name} round ${round + 1}: ${describe(complete)}`);
    }
  }
  return results;
}

async function storm({ options }: BenchContext, { entry, server, database }: Side, seconds: number): Promise<Storm> {
  const before = await countersOf(database.name);
  const result = await load({
    url: `${server.url}/ready`,
    connections: options.stormConnections,
    seconds,
    serverPid: server.child.process.pid,
  });
  // A 503 from /ready is a result (a check failed under load), not a broken benchmark.
  assertClean(`${entry.name} /ready storm`, result, { allowOtherStatuses: true });
  const after = await countersOf(database.name);
  return {
    result,
    checks: after.transactions - before.transactions - (after.sessions - before.sessions),
    allowed: Math.floor((result.seconds * 1000) / HEALTH_CACHE_MS) + 1,
  };
}

async function scrape({ options }: BenchContext, { entry, server }: Side): Promise<Round['scrape']> {
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < options.scrapesPerRound; i++) {
    const answer = await get(`${server.url}/metrics`);
    if (answer.status !== 200) throw new Error(`${entry.name}: /metrics answered ${answer.status}`);
    times.push(answer.ms);
    size = answer.bytes;
  }
  return { ms: median(times), bytes: size };
}

/** Resident set size from /proc (VmRSS, in kB). */
async function rssOf(server: RunningServer): Promise<number> {
  const status = await readFile(`/proc/${server.child.process.pid}/status`, 'utf8');
  const kilobytes = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kilobytes === undefined ? NaN : Number(kilobytes) * 1024;
}

/** From spawn to the first 200 on /ready, polled every 10 ms on a new connection each time (so up to 10 ms late). */
async function startToReady(
  entry: Contender,
  database: BenchDatabase,
  round: number,
  log: (message: string) => void,
): Promise<number> {
  const server = await entry.startFresh(database);
  try {
    const readyMs = await waitForStatus(`${server.url}/ready`, {
      since: server.spawnedAt,
      everyMs: 10,
      timeoutMs: 60_000,
      isAlive: () => server.child.process.exitCode === null && server.child.process.signalCode === null,
    });
    if (round >= 0) log(`peers: ${entry.name} start to ready, round ${round + 1}: ${ms(readyMs)}`);
    return readyMs;
  } catch (error) {
    throw new Error(`${server.child.name}: ${(error as Error).message}\n${server.child.output()}`, { cause: error });
  } finally {
    await server.child.stop();
  }
}

const describe = (round: Round) =>
  `/greetings ${int(round.greetings.rps)} req/s, /healthz ${int(round.healthz.rps)} req/s, /db ${int(round.db.rps)} req/s, ` +
  `/ready storm ${int(round.storm.result.ok)} served (${int(round.storm.result.responses - round.storm.result.ok)} non-2xx) with ${int(round.storm.checks)} checks` +
  (round.scrape ? `, /metrics ${ms(round.scrape.ms)} for ${bytes(round.scrape.bytes)}` : '');

/** One line of the comparison: how a contender's value is read and compared. */
interface Measure {
  benchmark: string;
  measure: string;
  /** The contender's value in each round (in the order of the rounds), empty where it has none. */
  rounds(result: Result): number[];
  show(value: number, result: Result): string;
  higherIsBetter: boolean;
  /** The template's target, from issue 16, on the ratios to bare Koa and to the best peer. */
  target?: { text: string; met(toBare: number, toBest: number, result: Result): boolean };
}

function measures({ options }: BenchContext): Measure[] {
  const rps = (pick: (round: Round) => LoadResult) => (result: Result) => result.rounds.map((r) => pick(r).rps);
  const perSecond = (value: number) => `${int(value)} req/s`;
  const connections = `${options.connections} connections`;
  const checksPerSecond = (result: Result) => medianOf(result.rounds, (r) => r.storm.checks / r.storm.result.seconds);
  return [
    {
      benchmark: `Peers: \`GET /greetings/:name\` (trivial JSON), ${connections}`,
      measure: 'requests/s',
      rounds: rps((r) => r.greetings),
      show: perSecond,
      higherIsBetter: true,
      target: { text: '≥ 0.75 / ≥ 1.10', met: (toBare, toBest) => toBare >= 0.75 && toBest >= 1.1 },
    },
    {
      benchmark: `Peers: \`GET /healthz\` (liveness), ${connections}`,
      measure: 'requests/s',
      rounds: rps((r) => r.healthz),
      show: perSecond,
      higherIsBetter: true,
    },
    {
      benchmark: `Peers: \`GET /ready\` (readiness, database check), storm of ${options.stormConnections} connections × ${options.stormSeconds} s`,
      measure: 'requests served (2xx); database checks/s',
      rounds: (result) => result.rounds.map((r) => r.storm.result.ok),
      show: (value, result) => {
        const checks = checksPerSecond(result);
        return `${int(value)}; ${checks < 10 ? checks.toFixed(2) : int(checks)} checks/s`;
      },
      higherIsBetter: true,
      target: {
        text: `— / ≥ 1.00, ≤ 1 check per ${HEALTH_CACHE_MS} ms`,
        met: (_toBare, toBest, result) => toBest >= 1 && result.rounds.every((r) => r.storm.checks <= r.storm.allowed),
      },
    },
    {
      benchmark: `Peers: \`GET /db\` (one \`select 1\` through knex), ${connections}`,
      measure: 'requests/s',
      rounds: rps((r) => r.db),
      show: perSecond,
      higherIsBetter: true,
      target: { text: '≥ 0.85 / ≥ 1.10', met: (toBare, toBest) => toBare >= 0.85 && toBest >= 1.1 },
    },
    {
      benchmark: `Peers: \`GET /metrics\` after the loads, ${options.scrapesPerRound} sequential scrapes per round`,
      measure: 'time (request to last byte); size',
      rounds: (result) => (result.contender.metrics ? result.rounds.map((r) => r.scrape!.ms) : []),
      show: (value, result) => `${ms(value)}; ${bytes(medianOf(result.rounds, (r) => r.scrape?.bytes ?? NaN))}`,
      higherIsBetter: false,
    },
    {
      benchmark: 'Peers: resident memory after every load above',
      measure: 'RSS',
      rounds: (result) => [result.rss],
      show: (value) => `${(value / 2 ** 20).toFixed(0)} MiB`,
      higherIsBetter: false,
    },
    {
      benchmark: 'Peers: process start to first 200 on `/ready` (PostgreSQL)',
      measure: 'time',
      rounds: (result) => result.starts,
      show: ms,
      higherIsBetter: false,
      target: { text: '≤ 1.50 / —', met: (toBare) => toBare <= 1.5 },
    },
  ];
}

/** The median over rounds of the ratio within each round (A's round r against B's round r); NaN when B has none. */
function sameRoundRatio(a: readonly number[], b: readonly number[]): number {
  if (b.length === 0 || a.length !== b.length) return NaN;
  return median(a.map((value, round) => value / b[round]!));
}

async function section(context: BenchContext, results: Result[]): Promise<Section> {
  const { options } = context;
  const bare = results.find((result) => result.contender.name === 'bare Koa')!;
  const peersOnly = results.filter((result) => result.contender.peer);
  const rows: Row[] = [];
  for (const measure of measures(context)) {
    const value = (result: Result) => median(measure.rounds(result));
    const valued = peersOnly.filter((result) => Number.isFinite(value(result)));
    const best = valued.reduce((a, b) => {
      const better = measure.higherIsBetter ? value(b) > value(a) : value(b) < value(a);
      return better ? b : a;
    });
    for (const result of results.filter((r) => r !== bare)) {
      const toBare = sameRoundRatio(measure.rounds(result), measure.rounds(bare));
      const toBest = sameRoundRatio(measure.rounds(result), measure.rounds(best));
      const target = result.contender.name === 'template' ? measure.target : undefined;
      rows.push({
        benchmark: measure.benchmark,
        measure: measure.measure,
        measured: `${measure.show(value(result), result)} (${result.contender.name})`,
        baseline: [
          Number.isFinite(value(bare)) ? `${measure.show(value(bare), bare)} (bare Koa)` : 'bare Koa: none',
          `${measure.show(value(best), best)} (best peer: ${best.contender.name})`,
        ].join('; '),
        ratio: `${Number.isFinite(toBare) ? ratio(toBare) : '—'} / ${ratio(toBest)}`,
        target: target?.text ?? '—',
        met: target ? met(target.met(toBare, toBest, result)) : '—',
      });
    }
  }

  const versions = await versionsOf();
  return {
    title: 'Peers',
    rows,
    method: [
      'Five servers, each its own process on plain `node` (TypeScript transpiled first, so no loader is measured) with its own PostgreSQL database, on the same routes: ' +
        '`GET /greetings/:name` → `{"message":"Hello, <name>!"}`, `GET /healthz` (liveness, no dependency), `GET /ready` (readiness with a `select 1` on the database, as each library runs it), ' +
        '`GET /db` (one `select 1` through knex, pool of 10), `GET /metrics` (HTTP metrics by method, route and status, as each library gives them). Access logs at info go to /dev/null.',
      "Template: its built app (`template/dist`) as `server.ts` builds it, every middleware, plus `GET /db` through the container's knex and query hook (`bench/servers/template-app.ts`: the template has no route that queries); its /ready runs the checks at most once per 1 s window. Start-up is timed on `node template/dist/src/server.js`.",
      `Bare Koa (\`bench/servers/bare.ts\`): Koa ${versions.koa} + @koa/router ${versions['@koa/router']}, each route alone, no log, no metrics; /ready runs \`select 1\` on every call. The baseline, not a peer.`,
      `Fastify (\`bench/peers/fastify.ts\`): Fastify ${versions.fastify} with its pino logger at info (two lines per request), fastify-metrics ${versions['fastify-metrics']}, @fastify/under-pressure ${versions['@fastify/under-pressure']} whose status route is /ready and calls the health check each time, knex ${versions.knex}.`,
      `NestJS (\`bench/peers/nest.ts\`): NestJS ${versions['@nestjs/core']} on Express, nestjs-pino ${versions['nestjs-pino']}, @willsoto/nestjs-prometheus ${versions['@willsoto/nestjs-prometheus']} with a histogram middleware (it ships none), @nestjs/terminus ${versions['@nestjs/terminus']} with a knex indicator, knex ${versions.knex}.`,
      `Express (\`bench/peers/express.ts\`): Express ${versions.express}, express-prom-bundle ${versions['express-prom-bundle']}, pino-http ${versions['pino-http']}, @godaddy/terminus ${versions['@godaddy/terminus']} (which answers the probes before Express), knex ${versions.knex}. ` +
        'The peers install from `bench/peers/package.json` and its lockfile, into `bench/peers/node_modules`, when the bench first needs them.',
      `Loads: wrk, one thread in its own process, ${options.connections} connections (the storm ${options.stormConnections}), ${options.loadSeconds} s per route and round (the storm ${options.stormSeconds} s), ` +
        `each route's load (then the storm, then the scrapes) run on the five servers in turn within a round${options.warmupSeconds > 0 ? ` after ${options.warmupSeconds} s of unrecorded load per route and server` : ''}; medians over rounds.`,
      'Database checks: `xact_commit + xact_rollback` of the server’s database in `pg_stat_database` before and after each storm, less the connection starts (`sessions`), read as the probe-storm part reads them.',
      `Scrapes: ${options.scrapesPerRound} sequential \`GET /metrics\` per round, each on a new connection, after that round's loads. RSS: \`VmRSS\` of the process after all its loads. Start-up: new processes, spawn to the first 200 on /ready, polled every 10 ms, rotating over the servers${options.warmupSeconds > 0 ? ' after one unrecorded start of each' : ''}.`,
      'Ratio: to bare Koa / to the best peer, the best of Fastify, NestJS and Express by median (the most requests, or the least time or memory); each ratio is the median over rounds of the ratio within a round. Targets (issue 16) apply to the template only.',
    ],
    rounds: results.map(
      (result) =>
        `${result.contender.name}: ${result.rounds.map((round, index) => `round ${index + 1}: ${describe(round)}`).join('; ')}; ` +
        `RSS after the loads ${(result.rss / 2 ** 20).toFixed(0)} MiB; start to ready ${result.starts.map(ms).join(', ')}`,
    ),
  };
}

/** The versions installed, for the report. */
async function versionsOf(): Promise<Record<string, string>> {
  const packages = {
    koa: ROOT,
    '@koa/router': ROOT,
    knex: PEERS_DIR,
    fastify: PEERS_DIR,
    'fastify-metrics': PEERS_DIR,
    '@fastify/under-pressure': PEERS_DIR,
    '@nestjs/core': PEERS_DIR,
    'nestjs-pino': PEERS_DIR,
    '@willsoto/nestjs-prometheus': PEERS_DIR,
    '@nestjs/terminus': PEERS_DIR,
    express: PEERS_DIR,
    'express-prom-bundle': PEERS_DIR,
    'pino-http': PEERS_DIR,
    '@godaddy/terminus': PEERS_DIR,
  };
  const versions: Record<string, string> = {};
  for (const [name, dir] of Object.entries(packages)) {
    const manifest = JSON.parse(await readFile(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    };
    versions[name] = manifest.version;
  }
  return versions;
}
