/**
 * Part 4's worker: `select 1` through knex in a tight sequential loop on one
 * knex instance of the template's createDatabase with one connection, the
 * template's instrumentQueries hook switched on and off in short alternating
 * slices. Same process, same connection, same PostgreSQL backend, same JIT
 * state: what differs between the sides is the hook's listeners, nothing else.
 * (Two instances, one hooked, measure their two backends as much as the hook.)
 *
 * argv: <database url> <rounds> <seconds per round and side> <warm-up seconds>
 * stdout: one JSON object, { plain: Round[], hooked: Round[], observed: number }
 * (`observed` is what the hook's histogram counted, proof that the hook ran).
 */
import { pino } from 'pino';
import { Registry, type Histogram } from 'prom-client';
import { loadConfig } from '../../template/src/config.js';
import { createDatabase } from '../../template/src/db/database.js';
import { instrumentQueries } from '../../template/src/metrics/db-query-metrics.js';

const [url = '', roundsArg = '3', secondsArg = '3', warmupArg = '1'] = process.argv.slice(2);
/** Slices per round and side: short enough that both sides see the same moment of the machine. */
const SLICES = 20;

const config = loadConfig({ DATABASE_URL: url, DB_POOL_MAX: '1' });
const db = createDatabase(config, pino({ level: 'silent' }));
const registry = new Registry();

// The hook's listeners are those instrumentQueries adds; switching them is switching the hook.
const EVENTS = ['start', 'query', 'query-response', 'query-error'] as const;
type Listener = (...args: unknown[]) => void;
const existing = new Map(EVENTS.map((event) => [event, db.listeners(event)]));
instrumentQueries(db, registry);
const hook = EVENTS.flatMap((event) =>
  db
    .listeners(event)
    .filter((listener) => !existing.get(event)!.includes(listener))
    .map((listener) => ({ event, listener: listener as Listener })),
);
function setHook(on: boolean): void {
  for (const { event, listener } of hook) {
    db.removeListener(event, listener);
    if (on) db.on(event, listener);
  }
}

interface Round {
  queriesPerSecond: number;
  /** This process's CPU time per query: what the hook adds, free of the database's share. */
  cpuUs: number;
}

interface Tally {
  queries: number;
  ms: number;
  cpuUs: number;
}

/** Runs the loop for `ms` with the hook on or off, adding to `tally`. */
async function slice(on: boolean, ms: number, tally: Tally): Promise<void> {
  setHook(on);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const until = started + ms;
  let count = 0;
  while (performance.now() < until) {
    await db.raw('select 1');
    count++;
  }
  const used = process.cpuUsage(cpu);
  tally.queries += count;
  tally.ms += performance.now() - started;
  tally.cpuUs += used.user + used.system;
}

const toRound = (tally: Tally): Round => ({
  queriesPerSecond: tally.queries / (tally.ms / 1000),
  cpuUs: tally.cpuUs / tally.queries,
});

try {
  const scratch: Tally = { queries: 0, ms: 0, cpuUs: 0 };
  await slice(false, Number(warmupArg) * 1000, scratch);
  await slice(true, Number(warmupArg) * 1000, scratch);
  const result = { plain: [] as Round[], hooked: [] as Round[], observed: 0 };
  const sliceMs = (Number(secondsArg) * 1000) / SLICES;
  for (let round = 0; round < Number(roundsArg); round++) {
    const hooked: Tally = { queries: 0, ms: 0, cpuUs: 0 };
    const plain: Tally = { queries: 0, ms: 0, cpuUs: 0 };
    for (let i = 0; i < SLICES; i++) {
      // A B, then B A: neither side always follows the other.
      const hookFirst = (round + i) % 2 === 0;
      await slice(hookFirst, sliceMs, hookFirst ? hooked : plain);
      await slice(!hookFirst, sliceMs, hookFirst ? plain : hooked);
    }
    result.hooked.push(toRound(hooked));
    result.plain.push(toRound(plain));
  }
  const histogram = registry.getSingleMetric('db_client_operation_duration_seconds') as Histogram;
  const { values } = await histogram.get();
  result.observed = values.find((v) => v.metricName === 'db_client_operation_duration_seconds_count')?.value ?? 0;
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await db.destroy();
}
