/**
 * The template's middleware chain rebuilt piece by piece from template/src,
 * in the order of createApp (template/src/app.ts), for the breakdown of what
 * each piece costs. BENCH_WITHOUT lists pieces to leave out (comma-separated):
 *
 * - request-id, route-name, http-metrics, access-log, error-handler,
 *   decodable-path, unknown-methods: the middleware;
 * - other-routers: the probe and /metrics routers, mounted before the greetings router;
 * - greeting-validation: the greetings route without zod and its counter
 *   (a route that only answers the same JSON).
 *
 * BENCH_ONLY, instead, lists the only pieces to keep: with `access-log` alone
 * this is Koa, one router (and its 405 answers) and the access log, the
 * least a template that keeps its access log can cost.
 *
 * Keep it in step with createApp: the breakdown checks that the full chain
 * costs what the built service costs.
 */
import { createServer } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { loadConfig } from '../../template/src/config.js';
import { createAppContainer } from '../../template/src/container.js';
import { healthIdentity } from '../../template/src/health/health-body.js';
import { createHealthRouter } from '../../template/src/health/routes.js';
import { accessLog } from '../../template/src/http/access-log.js';
import { decodablePath } from '../../template/src/http/decodable-path.js';
import { errorHandler } from '../../template/src/http/error-handler.js';
import { observeRequests, type RequestObserver } from '../../template/src/http/observe-requests.js';
import { createApiDocs } from '../../template/src/http/openapi.js';
import { requestId } from '../../template/src/http/request-id.js';
import { unknownMethods } from '../../template/src/http/unknown-methods.js';
import { httpMetrics } from '../../template/src/metrics/http-metrics.js';
import { createMetricsRouter } from '../../template/src/metrics/routes.js';
import { createGreetingsRouter } from '../../template/src/modules/greetings/routes.js';
import { routeName } from '../../template/src/tracing/route-name.js';

const list = (value: string | undefined) => new Set((value ?? '').split(',').filter(Boolean));
const only = process.env.BENCH_ONLY === undefined ? undefined : list(process.env.BENCH_ONLY);
const omitted = list(process.env.BENCH_WITHOUT);
const without = { has: (piece: string) => (only ? !only.has(piece) : omitted.has(piece)) };
const container = createAppContainer(loadConfig(process.env));
const { health, metrics, errorMetrics, service, config, logger } = container.cradle;

const routers: Router[] = [];
if (!without.has('other-routers'))
  routers.push(createHealthRouter(health, healthIdentity(service, config.releaseId)), createMetricsRouter(metrics));
if (without.has('greeting-validation')) {
  const plain = new Router({ prefix: '/greetings' });
  plain.get('/:name', (ctx) => {
    ctx.body = { message: `Hello, ${ctx.params.name}!` };
  });
  routers.push(plain);
} else {
  routers.push(createGreetingsRouter(container.cradle, createApiDocs()));
}

const app = new Koa();
if (!without.has('request-id')) app.use(requestId());
const observers: RequestObserver[] = [];
if (!without.has('route-name')) observers.push(routeName);
if (!without.has('http-metrics')) observers.push(httpMetrics(metrics));
if (!without.has('access-log')) observers.push(accessLog(logger));
if (observers.length > 0) app.use(observeRequests(observers));
if (!without.has('error-handler')) app.use(errorHandler(logger, errorMetrics));
if (!without.has('decodable-path')) app.use(decodablePath());
if (!without.has('unknown-methods')) app.use(unknownMethods(routers));
const router = new Router();
for (const moduleRouter of routers) router.use(moduleRouter.routes());
app.use(router.routes());
app.use(router.allowedMethods());

const handle = app.callback();
createServer((request, response) => void handle(request, response)).listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
