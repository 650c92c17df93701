/**
 * The baseline: a bare Koa + @koa/router app with nothing but the route.
 *
 * - `GET /greetings/:name` answers the template's JSON, without request id,
 *   metrics, access log, error handler, body parser or validation.
 * - `GET /healthz` answers `{"status":"ok"}`, the liveness probe.
 * - With BENCH_DATABASE_URL, `GET /db` runs one `select 1` through knex, built
 *   by the template's own createDatabase; with BENCH_INSTRUMENT=1 the
 *   template's instrumentQueries hook times it, so the pair of processes
 *   measures the hook alone. `GET /ready` runs the same `select 1` on every
 *   call, the readiness probe a bare app would write.
 * - With BENCH_HTTP_METRICS=1 the template's HTTP metrics middleware (the
 *   duration histogram, request counter and in-flight gauge) comes first:
 *   the instrumentation alone, without the rest of the template's stack.
 */
import { createServer } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../template/src/config.js';
import { createDatabase } from '../../template/src/db/database.js';
import { instrumentQueries } from '../../template/src/metrics/db-query-metrics.js';
import { observeRequests } from '../../template/src/http/observe-requests.js';
import { httpMetrics } from '../../template/src/metrics/http-metrics.js';

const app = new Koa();
const router = new Router();
if (process.env.BENCH_HTTP_METRICS === '1') app.use(observeRequests([httpMetrics(new Registry())]));

router.get('/greetings/:name', (ctx) => {
  ctx.body = { message: `Hello, ${ctx.params.name}!` };
});
router.get('/healthz', (ctx) => {
  ctx.body = { status: 'ok' };
});

const databaseUrl = process.env.BENCH_DATABASE_URL;
if (databaseUrl) {
  const config = loadConfig({ DATABASE_URL: databaseUrl });
  const db = createDatabase(config, pino({ level: 'silent' }));
  if (process.env.BENCH_INSTRUMENT === '1') instrumentQueries(db, new Registry());
  router.get('/db', async (ctx) => {
    await db.raw('select 1');
    ctx.body = { ok: true };
  });
  router.get('/ready', async (ctx) => {
    await db.raw('select 1');
    ctx.body = { status: 'ok' };
  });
  process.once('SIGTERM', () => void db.destroy().finally(() => process.exit(0)));
} else {
  process.once('SIGTERM', () => process.exit(0));
}

app.use(router.routes());
const handle = app.callback();
createServer((request, response) => void handle(request, response)).listen(
  Number(process.env.PORT),
  process.env.HOST ?? '127.0.0.1',
);
