/**
 * The template's app, built in process with createAppContainer/createApp as
 * server.ts builds it, for the scrape benchmark and the peers' comparison.
 *
 * - With BENCH_EXTRA_SERIES=N a test-only gauge adds N series (one label
 *   value each) to the app's registry.
 * - With BENCH_QUERY_ROUTE=1, `GET /db` runs one `select 1` through the
 *   container's knex (with its query hook), as a module's route would: the
 *   template has no route that queries, and the peers each have one.
 * - With CONTROL_PORT, a second listener reports what only this process can
 *   see, so that asking for it adds no series to the app's registry:
 *   the longest event-loop stall since the last reset (monitorEventLoopDelay),
 *   and how long each registry.metrics() call took. prom-client awaits only
 *   synchronous collectors here, so the whole call runs as one chain of
 *   microtasks: its duration is time the event loop is blocked. Without it
 *   nothing is measured (the monitor's 1 ms timer would cost the loads).
 */
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Router from '@koa/router';
import { Gauge } from 'prom-client';
import { createApp } from '../../template/src/app.js';
import { loadConfig } from '../../template/src/config.js';
import { createAppContainer, disposeContainer } from '../../template/src/container.js';

const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' });
const container = createAppContainer(config);
const { metrics, db } = container.cradle;

const extra = Number(process.env.BENCH_EXTRA_SERIES ?? 0);
if (extra > 0) {
  const gauge = new Gauge({
    name: 'bench_extra_series',
    help: 'Test-only series that make the registry larger.',
    labelNames: ['series_id'],
    registers: [metrics],
  });
  for (let i = 0; i < extra; i++) gauge.set({ series_id: String(i) }, i);
}

const app = createApp(container);
if (process.env.BENCH_QUERY_ROUTE === '1') {
  const router = new Router();
  router.get('/db', async (ctx) => {
    await db.raw('select 1');
    ctx.body = { ok: true };
  });
  app.use(router.routes());
}
const handle = app.callback();
createServer((request, response) => void handle(request, response)).listen(Number(process.env.PORT), '127.0.0.1');

if (process.env.CONTROL_PORT) {
  const collectMs: number[] = [];
  const original = metrics.metrics.bind(metrics);
  metrics.metrics = async () => {
    const started = performance.now();
    const text = await original();
    collectMs.push(performance.now() - started);
    return text;
  };

  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();

  createServer((request, response) => {
    if (request.url === '/reset') {
      loop.reset();
      collectMs.length = 0;
    }
    response.setHeader('content-type', 'application/json');
    // The histogram counts in nanoseconds.
    response.end(JSON.stringify({ loopMaxMs: loop.max / 1e6, collectMs }));
  }).listen(Number(process.env.CONTROL_PORT), '127.0.0.1');
}

// As server.ts does: readiness waits for the start-up migrations.
void container.cradle.migrator.start();

process.once('SIGTERM', () => void disposeContainer(container).finally(() => process.exit(0)));
