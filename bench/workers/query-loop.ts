/**
 * Part 4's worker: `select 1` through knex in a tight sequential loop, on two
 * knex instances of the template's createDatabase, one of them with the
 * template's instrumentQueries hook, in alternating rounds within this one
 * process (same JIT state, same machine moment). One connection each, so
 * every query is a full round trip and nothing overlaps.
 *
 * argv: <database url> <rounds> <seconds per round> <warm-up seconds>
 * stdout: one JSON object, { plain: Round[], hooked: Round[], observed: number }
 * (`observed` is what the hook's histogram counted, proof that the hook ran).
 */
import { pino } from 'pino';
import { Registry, type Histogram } from 'prom-client';
import { loadConfig } from '../../template/src/config.js';
import { createDatabase } from '../../template/src/db/database.js';
import { instrumentQueries } from '../../template/src/metrics/db-query-metrics.js';

const [url = '', roundsArg = '3', secondsArg = '3', warmupArg = '1'] = process.argv.slice(2);
const config = loadConfig({ DATABASE_URL: url, DB_POOL_MAX: '1' });
const logger = pino({ level: 'silent' });
const plain = createDatabase(config, logger);
const hooked = createDatabase(config, logger);
const registry = new Registry();
instrumentQueries(hooked, registry);

interface Round {
  queriesPerSecond: number;
  /** This process's CPU time per query: what the hook adds, free of the database's share. */
  cpuUs: number;
}

/** Runs the loop for `seconds`. */
async function loop(db: typeof plain, seconds: number): Promise<Round> {
  const until = performance.now() + seconds * 1000;
  let count = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  while (performance.now() < until) {
    await db.raw('select 1');
    count++;
  }
  const used = process.cpuUsage(cpu);
  return {
    queriesPerSecond: count / ((performance.now() - started) / 1000),
    cpuUs: (used.user + used.system) / count,
  };
}

try {
  await loop(plain, Number(warmupArg));
  await loop(hooked, Number(warmupArg));
  const result = { plain: [] as Round[], hooked: [] as Round[], observed: 0 };
  for (let round = 0; round < Number(roundsArg); round++) {
    result.hooked.push(await loop(hooked, Number(secondsArg)));
    result.plain.push(await loop(plain, Number(secondsArg)));
  }
  const histogram = registry.getSingleMetric('db_client_operation_duration_seconds') as Histogram;
  const { values } = await histogram.get();
  result.observed = values.find((v) => v.metricName === 'db_client_operation_duration_seconds_count')?.value ?? 0;
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await Promise.all([plain.destroy(), hooked.destroy()]);
}
