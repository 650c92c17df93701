import path from 'node:path';
import { runToEnd } from '../lib/children.js';
import type { BenchContext } from '../lib/context.js';
import { withDatabase, type BenchDatabase } from '../lib/postgres.js';
import { int, met, ratio, us, type Section } from '../lib/report.js';
import { medianOf } from '../lib/rounds.js';
import { ROOT } from '../lib/template.js';

/** The bar: the hook keeps 97% of the loop's queries per second. */
const TARGET_RATIO = 0.97;

const describe = (round: { queriesPerSecond: number; cpuUs: number }) =>
  `${int(round.queriesPerSecond)} queries/s (${us(round.cpuUs)} CPU/query)`;

/**
 * Part 4. A sequential loop of `select 1` with and without the query hook,
 * switched on and off in alternating slices inside one worker process
 * (bench/workers/query-loop.ts).
 */
export function queryHook(context: BenchContext): Promise<Section> {
  return withDatabase('queries', (database) => measure(context, database));
}

async function measure({ options, log }: BenchContext, database: BenchDatabase): Promise<Section> {
  const warmup = options.warmupSeconds > 0 ? 1 : 0.2;
  const output = await runToEnd({
    name: 'query loop',
    command: process.execPath,
    args: [
      '--import',
      'tsx',
      path.join(ROOT, 'bench/workers/query-loop.ts'),
      database.url,
      String(options.queryLoopRounds),
      String(options.queryLoopSeconds),
      String(warmup),
    ],
    cwd: ROOT,
    timeoutMs: (options.queryLoopRounds * 2 * options.queryLoopSeconds + 2 * warmup + 30) * 1000,
  });
  interface Round {
    queriesPerSecond: number;
    cpuUs: number;
  }
  const result = JSON.parse(output) as { plain: Round[]; hooked: Round[]; observed: number };
  if (result.observed === 0) throw new Error('the query hook observed no query: it is not installed');
  const hooked = medianOf(result.hooked, (r) => r.queriesPerSecond);
  const plain = medianOf(result.plain, (r) => r.queriesPerSecond);
  const hookedCpu = medianOf(result.hooked, (r) => r.cpuUs);
  const plainCpu = medianOf(result.plain, (r) => r.cpuUs);
  const benchmark = `Query hook, sequential \`select 1\` loop (knex, PostgreSQL), ${options.queryLoopSeconds} s per round`;
  log(`query loop: ${int(hooked)} queries/s with the hook, ${int(plain)} without`);
  return {
    title: 'Query hook',
    rows: [
      {
        benchmark,
        measure: 'queries/s',
        measured: `${int(hooked)} (with instrumentQueries)`,
        baseline: `${int(plain)} (without)`,
        ratio: ratio(hooked / plain),
        target: `≥ ${TARGET_RATIO}`,
        met: met(hooked / plain >= TARGET_RATIO),
      },
      {
        benchmark,
        measure: 'Node CPU per query',
        measured: `${us(hookedCpu)} (with instrumentQueries)`,
        baseline: `${us(plainCpu)} (without)`,
        ratio: ratio(hookedCpu / plainCpu),
        target: '—',
        met: '—',
      },
    ],
    method: [
      "One worker process (`bench/workers/query-loop.ts`) with one knex instance from the template's `createDatabase` and one connection, `instrumentQueries` installed and its listeners switched on and off: same connection, same PostgreSQL backend, same JIT state on both sides. " +
        `Each round awaits \`db.raw('select 1')\` one after another for ${options.queryLoopSeconds} s per side, in 20 slices per side alternating A B, B A …; ${options.queryLoopRounds} rounds, after ${warmup} s of warm-up per side.`,
      "The loop is latency-bound (one round trip at a time), so every microsecond the hook adds on the Node side shows in full. Node CPU per query: the worker's user + system time (process.cpuUsage) over the round, divided by its queries.",
    ],
    rounds: [
      `with the hook: ${result.hooked.map(describe).join('; ')}`,
      `without: ${result.plain.map(describe).join('; ')}`,
      `the hook's histogram counted ${int(result.observed)} queries`,
    ],
  };
}
