import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { runToEnd } from '../lib/children.js';
import type { BenchContext } from '../lib/context.js';
import { get, waitForStatus } from '../lib/http.js';
import { withDatabase, type BenchDatabase } from '../lib/postgres.js';
import { met, ms, ratio, type Section } from '../lib/report.js';
import { alternate, median } from '../lib/rounds.js';
import { logMark, ROOT, startService } from '../lib/template.js';

/** The bar for a start on PostgreSQL. */
const TARGET_MS = 1500;
/** The bar for the longest event-loop stall while the embedded database starts. */
const STALL_TARGET_MS = 50;

/** Time of `npx plop service <name> --skip-install --dest <tmp>`, from spawn to exit, as a user runs it. */
async function generate(): Promise<number> {
  const dest = await mkdtemp(path.join(os.tmpdir(), 'bench-plop-'));
  try {
    const started = performance.now();
    await runToEnd({
      name: 'npx plop service',
      command: 'npx',
      args: ['plop', 'service', 'bench-generated', '--skip-install', '--dest', dest],
      cwd: ROOT,
      timeoutMs: 60_000,
    });
    const elapsed = performance.now() - started;
    // A generator that wrote nothing was not measured: check the service is there.
    const written = JSON.parse(await readFile(path.join(dest, 'services/bench-generated/package.json'), 'utf8')) as {
      name: string;
    };
    if (written.name !== 'bench-generated') throw new Error(`plop wrote a package named ${written.name}`);
    return elapsed;
  } finally {
    await rm(dest, { recursive: true, force: true });
  }
}

interface Start {
  /** Spawn to the first 200 on /healthz: the modules are loaded and the server listens. */
  listeningMs: number;
  /** Spawn to the service's "migrations up to date" log line. */
  migratedMs: number;
  /** Spawn to the first 200 on /ready. */
  readyMs: number;
}

/**
 * From spawning `node dist/src/server.js` to its first 200 on /healthz, then
 * on /ready, polled every 10 ms on a new connection each time (so each figure
 * is up to 10 ms late). /healthz runs no check, so polling it first does not
 * change when /ready turns 200.
 */
async function startToReady(env: Record<string, string>, name: string): Promise<Start> {
  const service = await startService(env, name, { readLog: true });
  try {
    const poll = {
      since: service.spawnedAt,
      everyMs: 10,
      timeoutMs: 60_000,
      isAlive: () => service.child.process.exitCode === null,
    };
    const listeningMs = await waitForStatus(`${service.url}/healthz`, poll);
    const readyMs = await waitForStatus(`${service.url}/ready`, poll);
    return { listeningMs, readyMs, migratedMs: logMark(service, 'migrations up to date') ?? NaN };
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}\n${service.child.output()}`, { cause: error });
  } finally {
    await service.child.stop();
  }
}

interface FirstStart {
  /** Spawn to the first 200 on /ready. */
  readyMs: number;
  /** The slowest /healthz answer from the first 200 on /healthz to the first on /ready. */
  longestHealthzMs: number;
  /** How many /healthz answers that window held. */
  answers: number;
}

/**
 * A new user's first start: `node dist/src/server.js` on a new data
 * directory (PGlite writes its database, in its own process), to the first
 * 200 on /ready. Meanwhile /healthz is polled every 10 ms on new
 * connections, beside the /ready poll: its slowest answer bounds the
 * longest stall of the service's event loop in that window.
 */
async function firstStartOnNewDirectory(): Promise<FirstStart> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-pglite-'));
  const service = await startService({ PGLITE_DATA_DIR: path.join(dir, 'pglite') }, 'template service (PGlite, new)');
  const isAlive = () => service.child.process.exitCode === null;
  try {
    const poll = { since: service.spawnedAt, everyMs: 10, timeoutMs: 180_000, isAlive };
    await waitForStatus(`${service.url}/healthz`, poll);
    let ready = false;
    const latencies: number[] = [];
    const healthz = (async () => {
      while (!ready && isAlive()) {
        const started = performance.now();
        latencies.push(
          await get(`${service.url}/healthz`, 30_000).then(
            (answer) => answer.ms,
            () => performance.now() - started,
          ),
        );
        await sleep(10);
      }
    })();
    const readyMs = await waitForStatus(`${service.url}/ready`, poll).finally(() => (ready = true));
    await healthz;
    return { readyMs, longestHealthzMs: Math.max(...latencies), answers: latencies.length };
  } catch (error) {
    throw new Error(`first start on PGlite: ${(error as Error).message}\n${service.child.output()}`, { cause: error });
  } finally {
    await service.child.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const describeFirst = (start: FirstStart) =>
  `ready ${ms(start.readyMs)}, slowest /healthz ${ms(start.longestHealthzMs)} of ${start.answers}`;

const describe = (start: Start) =>
  `ready ${ms(start.readyMs)} (listening ${ms(start.listeningMs)}, migrated ${ms(start.migratedMs)})`;

/**
 * Part 5. The generator's time, and a service's time from process start to
 * ready on PGlite (in memory) and on PostgreSQL. A service generated with
 * --skip-install has no node_modules and cannot run, so start-up is measured
 * on the template's built output: the same code every generated service gets.
 */
export function startup(context: BenchContext): Promise<Section> {
  return withDatabase('startup', (database) => measure(context, database));
}

async function measure({ options, log }: BenchContext, database: BenchDatabase): Promise<Section> {
  const generator: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    generator.push(await generate());
    log(`generator round ${round + 1}: ${ms(generator.at(-1)!)}`);
  }

  const pglite = () => startToReady({ PGLITE_DATA_DIR: 'memory://' }, 'template service (PGlite)');
  const postgres = () => startToReady({ DATABASE_URL: database.url }, 'template service (PostgreSQL)');
  // One start of each first, unrecorded: it migrates the database (a deployed
  // service restarts on a migrated one) and fills the file cache.
  await postgres();
  if (options.warmupSeconds > 0) await pglite();
  const { a: onPostgres, b: onPglite } = await alternate(
    options.rounds,
    async (round) => {
      const start = await postgres();
      log(`start to ready on PostgreSQL, round ${round + 1}: ${describe(start)}`);
      return start;
    },
    async (round) => {
      const start = await pglite();
      log(`start to ready on PGlite, round ${round + 1}: ${describe(start)}`);
      return start;
    },
  );
  // Each takes seconds (PGlite writes a new database): fewer rounds than the others.
  const firstStarts: FirstStart[] = [];
  for (let round = 0; round < Math.min(options.rounds, 3); round++) {
    firstStarts.push(await firstStartOnNewDirectory());
    log(`first start on PGlite, new data directory, round ${round + 1}: ${describeFirst(firstStarts.at(-1)!)}`);
  }
  const stall = median(firstStarts.map((s) => s.longestHealthzMs));

  const ready = (starts: Start[]) => median(starts.map((s) => s.readyMs));
  const detail = (starts: Start[]) =>
    `listening ${ms(median(starts.map((s) => s.listeningMs)))}, migrated ${ms(median(starts.map((s) => s.migratedMs)))}`;

  return {
    title: 'Generator and start-up',
    rows: [
      {
        benchmark: 'Generator, `npx plop service x --skip-install --dest <tmp>`',
        measure: 'time, spawn to exit',
        measured: ms(median(generator)),
        baseline: '—',
        ratio: '—',
        target: '—',
        met: '—',
      },
      {
        benchmark: 'Start-up of the built template (`node dist/src/server.js`)',
        measure: 'process start to first 200 on /ready',
        measured: `${ms(ready(onPostgres))} on PostgreSQL (${detail(onPostgres)})`,
        baseline: `${ms(ready(onPglite))} on PGlite, memory:// (${detail(onPglite)})`,
        ratio: ratio(ready(onPostgres) / ready(onPglite)),
        target: `< ${TARGET_MS} ms on PostgreSQL`,
        met: met(ready(onPostgres) < TARGET_MS),
      },
      {
        benchmark: 'First start on PGlite, new data directory (`node dist/src/server.js`)',
        measure: 'slowest /healthz answer from listening to ready (event-loop stall)',
        measured: `${ms(stall)} (ready after ${ms(median(firstStarts.map((s) => s.readyMs)))})`,
        baseline: '—',
        ratio: '—',
        target: `< ${STALL_TARGET_MS} ms`,
        met: met(stall < STALL_TARGET_MS),
      },
    ],
    method: [
      'Generator: `npx plop service bench-generated --skip-install --dest <new temporary folder>` from the repository root, spawn to exit (npx included), checked to have written the service.',
      "Start-up: a service generated with `--skip-install` has no node_modules and cannot run, so it is measured on the template's built output, the same code: `node template/dist/src/server.js` with default settings, " +
        'on PGlite (`PGLITE_DATA_DIR=memory://`) or on a PostgreSQL database of its own, migrated by an unrecorded first start (a deployed service restarts on a migrated database).',
      "From spawn, /healthz and then /ready are polled every 10 ms on new connections: listening is the first 200 on /healthz, ready the first 200 on /ready; migrated is the time of the service's `migrations up to date` log line.",
      'First start: the built service on a new `PGLITE_DATA_DIR` in a new temporary folder (PGlite writes a new database in its own process), spawn to the first 200 on /ready; from the first 200 on /healthz to that moment, /healthz is also polled every 10 ms on new connections, and its slowest answer (a connection and an answer included) bounds the longest event-loop stall. Median over up to 3 rounds.',
    ],
    rounds: [
      `generator: ${generator.map(ms).join('; ')}`,
      `first start on PGlite, new data directory: ${firstStarts.map(describeFirst).join('; ')}`,
      `start on PostgreSQL: ${onPostgres.map(describe).join('; ')}`,
      `start on PGlite: ${onPglite.map(describe).join('; ')}`,
    ],
  };
}
