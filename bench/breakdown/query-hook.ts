/**
 * What the query hook (template/src/metrics/db-query-metrics.ts) costs per
 * query, without a database: `node --import tsx bench/breakdown/query-hook.ts`.
 *
 * Emits the events knex emits for one query (`start`, `query`,
 * `query-response`) on knex instances that differ only in their listeners,
 * and times a tight loop of them; then times prom-client's
 * `Histogram.observe(labels, value)` alone with the hook's label set. The
 * differences say what part of the hook's time is event dispatch, its own
 * bookkeeping, and the histogram. Prints Markdown; writes nothing.
 */
import knex, { type Knex } from 'knex';
import { Histogram, Registry } from 'prom-client';
import { instrumentQueries } from '../../template/src/metrics/db-query-metrics.js';

const QUERIES = 300_000;
const REPEATS = 7;

/** Median nanoseconds per iteration of `body` over REPEATS timed loops (after one untimed). */
function time(body: (i: number) => void): number {
  const runs: number[] = [];
  for (let repeat = 0; repeat <= REPEATS; repeat++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < QUERIES; i++) body(i);
    const elapsed = Number(process.hrtime.bigint() - started) / QUERIES;
    if (repeat > 0) runs.push(elapsed);
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}

/** The three events of one `db.raw('select 1')`, shaped as knex makes them. */
const emitQuery = (db: Knex) => (i: number) => {
  const query = { __knexUid: 'u1', __knexQueryUid: `q${i}`, method: 'raw', sql: 'select 1', bindings: [] };
  db.emit('start', { _single: {} });
  db.emit('query', query);
  db.emit('query-response', [], query, {});
};

const bare = knex({ client: 'pg' });
const empty = knex({ client: 'pg' });
for (const event of ['start', 'query', 'query-response']) empty.on(event, () => {});
const hooked = knex({ client: 'pg' });
instrumentQueries(hooked, new Registry());

const histogram = new Histogram({
  name: 'observe_only',
  help: 'The hook’s histogram, observed directly.',
  labelNames: ['db_operation_name', 'db_collection_name', 'error_type'],
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
  registers: [new Registry()],
});
const child = histogram.labels({ db_operation_name: 'raw', db_collection_name: '', error_type: '' });

const results: [string, number][] = [
  ['events, no listener', time(emitQuery(bare))],
  ['events, three empty listeners', time(emitQuery(empty))],
  ['events, instrumentQueries', time(emitQuery(hooked))],
  [
    'Histogram.observe(labels, value) alone, a new label object each time',
    time((i) =>
      histogram.observe({ db_operation_name: 'raw', db_collection_name: '', error_type: '' }, (i % 100) / 1e5),
    ),
  ],
  [
    'the same through a child resolved once (histogram.labels(...).observe(value), what the hook does)',
    time((i) => child.observe((i % 100) / 1e5)),
  ],
  ['performance.now() twice', time(() => performance.now() + performance.now())],
];
await Promise.all([bare.destroy(), empty.destroy(), hooked.destroy()]);

const rows = results.map(([name, ns]) => `| ${name} | ${(ns / 1000).toFixed(2)} µs |`);
process.stdout.write(
  [
    `Per query, median of ${REPEATS} loops of ${QUERIES.toLocaleString('en-US')}:`,
    '',
    '| what runs | time per query |',
    '| --- | --- |',
    ...rows,
    '',
    `The hook's own cost: ${((results[2]![1] - results[0]![1]) / 1000).toFixed(2)} µs per query, of which event dispatch to three listeners ${((results[1]![1] - results[0]![1]) / 1000).toFixed(2)} µs.`,
    '',
  ].join('\n'),
);
