import type { BenchContext } from '../lib/context.js';
import { get } from '../lib/http.js';
import { assertClean, load, type LoadResult } from '../lib/load.js';
import { countersOf, createBenchDatabase } from '../lib/postgres.js';
import { int, met, ms, ratio, us, type Section } from '../lib/report.js';
import { alternate, medianOf } from '../lib/rounds.js';
import { startService, untilAnswers } from '../lib/template.js';

/** The template's default (config.ts); the service runs with it. */
const HEALTH_CACHE_MS = 1000;
/** The issue's bar: /ready serves at least this share of what /healthz serves under the same storm. */
const TARGET_SHARE = 0.9;

interface Storm {
  result: LoadResult;
  /** Every transaction PostgreSQL counted for the database during the storm. */
  transactions: number;
  /** Connections opened meanwhile; each counted one of the transactions above. */
  sessions: number;
  /** transactions - sessions: the checks' own queries. */
  checks: number;
  /** One check per HEALTH_CACHE_MS window: a storm of S ms overlaps at most floor(S / window) + 1 windows. */
  allowed: number;
}

/**
 * Part 2. 200 connections on one probe route against the service on a
 * database of its own, counting the transactions PostgreSQL saw meanwhile.
 * /ready runs the checks (at most once per HEALTH_CACHE_MS, shared by
 * concurrent probes); /healthz calls nothing and is the ceiling.
 */
export async function probeStorm({ options, log }: BenchContext): Promise<Section> {
  // Its own database: no other part's connections in its counters.
  const database = await createBenchDatabase('storm');
  const service = await startService({ DATABASE_URL: database.url }, 'template service (storm)');
  let storms;
  try {
    await untilAnswers(service, '/ready');
    const storm =
      (route: string, seconds = options.stormSeconds) =>
      async (round: number): Promise<Storm> => {
        const before = await countersOf(database.name);
        const result = await load({
          url: service.url + route,
          connections: options.stormConnections,
          seconds,
          serverPid: service.child.process.pid,
        });
        // A 503 from /ready is a result (a check failed under load), not a broken benchmark.
        assertClean(`${route} storm`, result, { allowOtherStatuses: true });
        const after = await countersOf(database.name);
        const transactions = after.transactions - before.transactions;
        const sessions = after.sessions - before.sessions;
        const storm = {
          result,
          transactions,
          sessions,
          checks: transactions - sessions,
          allowed: Math.floor((result.seconds * 1000) / HEALTH_CACHE_MS) + 1,
        };
        if (round >= 0) log(`storm ${route} round ${round + 1}: ${describe(storm)}`);
        return storm;
      };
    if (options.warmupSeconds > 0) {
      await storm('/ready', options.warmupSeconds)(-1);
      await storm('/healthz', options.warmupSeconds)(-1);
    }
    storms = await alternate(options.rounds, storm('/ready'), storm('/healthz'));
    // A probe storm must not break the service: it is still ready afterwards.
    const after = await get(service.url + '/ready');
    if (after.status !== 200) throw new Error(`/ready answers ${after.status} after the storms: ${after.body}`);
  } finally {
    await service.child.stop();
    await database.drop();
  }

  const { a: ready, b: healthz } = storms;
  const servedReady = medianOf(ready, (s) => s.result.ok);
  const servedHealthz = medianOf(healthz, (s) => s.result.ok);
  const share = servedReady / servedHealthz;
  const perSecond = (s: Storm) => s.checks / s.result.seconds;
  const benchmark = `Probe storm, ${options.stormConnections} connections × ${options.stormSeconds} s`;
  const non2xx = (list: Storm[]) => list.reduce((sum, s) => sum + s.result.responses - s.result.ok, 0);
  const transactions = (list: Storm[]) =>
    `${int(medianOf(list, (s) => s.checks))} + ${int(medianOf(list, (s) => s.sessions))} connection starts`;

  return {
    title: 'Probe storm',
    rows: [
      {
        benchmark,
        measure: 'requests served (2xx)',
        measured: `${int(servedReady)} on /ready${non2xx(ready) ? ` (and ${int(non2xx(ready))} non-2xx over all rounds)` : ''}`,
        baseline: `${int(servedHealthz)} on /healthz`,
        ratio: ratio(share),
        target: `≥ ${TARGET_SHARE}`,
        met: met(share >= TARGET_SHARE),
      },
      {
        benchmark,
        measure: 'latency p99',
        measured: `${ms(medianOf(ready, (s) => s.result.p99Ms))} on /ready`,
        baseline: `${ms(medianOf(healthz, (s) => s.result.p99Ms))} on /healthz`,
        ratio: ratio(medianOf(ready, (s) => s.result.p99Ms) / medianOf(healthz, (s) => s.result.p99Ms)),
        target: '—',
        met: '—',
      },
      {
        benchmark,
        measure: 'server CPU per request',
        measured: `${us(medianOf(ready, (s) => s.result.serverCpuUs))} on /ready`,
        baseline: `${us(medianOf(healthz, (s) => s.result.serverCpuUs))} on /healthz`,
        ratio: ratio(medianOf(ready, (s) => s.result.serverCpuUs) / medianOf(healthz, (s) => s.result.serverCpuUs)),
        target: '—',
        met: '—',
      },
      {
        benchmark,
        measure: 'PostgreSQL transactions during a storm (checks + connection starts)',
        measured: `${transactions(ready)} on /ready: ${medianOf(ready, perSecond).toFixed(2)} checks/s`,
        baseline: `${transactions(healthz)} on /healthz`,
        ratio: '—',
        target: `≤ one check per HEALTH_CACHE_MS window (${(1000 / HEALTH_CACHE_MS).toFixed(2)}/s): ≤ ${Math.max(...ready.map((s) => s.allowed))} a storm`,
        met: met(ready.every((s) => s.checks <= s.allowed)),
      },
    ],
    method: [
      `The built template service on a PostgreSQL database of its own, created for this part; ${options.stormConnections} connections for ${options.stormSeconds} s per round, /ready and /healthz alternating${options.warmupSeconds > 0 ? `, after an unrecorded ${options.warmupSeconds} s storm of each` : ''}.`,
      'Requests served: 2xx answers. A non-2xx answer (a check failing under load) is counted, not an error of the benchmark.',
      'Transactions: `xact_commit + xact_rollback` of that database in `pg_stat_database`, read before and after each storm from a connection to another database. ' +
        "PostgreSQL 15 keeps a backend's counters in the backend for up to 10 s once idle, so before each reading the connections to the database are ended: a backend flushes its counters as it exits. " +
        'The pool then opens a new connection on its next check, and PostgreSQL counts one transaction for every connection start (`sessions` in the same view tells how many): those are shown apart, and the checks are the rest.',
      `Bound: one check run per HEALTH_CACHE_MS window (${HEALTH_CACHE_MS} ms, the default); a storm of S ms overlaps at most floor(S / ${HEALTH_CACHE_MS}) + 1 windows. Met means no round went over its bound.`,
    ],
    rounds: (
      [
        ['/ready', ready],
        ['/healthz', healthz],
      ] as const
    ).map(([route, list]) => `${route}: ${list.map(describe).join('; ')}`),
  };
}

function describe(s: Storm): string {
  return (
    `${int(s.result.ok)} served in ${s.result.seconds.toFixed(1)} s, ${int(s.result.responses - s.result.ok)} non-2xx, p99 ${ms(s.result.p99Ms)}, ${us(s.result.serverCpuUs)} CPU/request, ` +
    `${s.transactions} transactions (${s.sessions} connection starts; ${s.checks} checks, bound ${s.allowed})`
  );
}
