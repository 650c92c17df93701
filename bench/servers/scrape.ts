/**
 * The template's app, built in process with createAppContainer/createApp,
 * for the scrape benchmark. With BENCH_EXTRA_SERIES=N a test-only gauge adds
 * N series (one label value each) to the app's registry.
 *
 * A second listener on CONTROL_PORT reports what only this process can see,
 * so that asking for it adds no series to the app's registry:
 * - the longest event-loop stall since the last reset (monitorEventLoopDelay);
 * - how long each registry.metrics() call took. prom-client awaits only
 *   synchronous collectors here, so the whole call runs as one chain of
 *   microtasks: its duration is time the event loop is blocked.
 */
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge } from 'prom-client';
import { createApp } from '../../template/src/app.js';
import { loadConfig } from '../../template/src/config.js';
import { createAppContainer, disposeContainer } from '../../template/src/container.js';

const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' });
const container = createAppContainer(config);
const { metrics } = container.cradle;

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

const handle = createApp(container).callback();
createServer((request, response) => void handle(request, response)).listen(Number(process.env.PORT), '127.0.0.1');
createServer((request, response) => {
  if (request.url === '/reset') {
    loop.reset();
    collectMs.length = 0;
  }
  response.setHeader('content-type', 'application/json');
  // The histogram counts in nanoseconds.
  response.end(JSON.stringify({ loopMaxMs: loop.max / 1e6, collectMs }));
}).listen(Number(process.env.CONTROL_PORT), '127.0.0.1');

// As server.ts does: readiness waits for the start-up migrations.
void container.cradle.migrator.start();

process.once('SIGTERM', () => void disposeContainer(container).finally(() => process.exit(0)));
