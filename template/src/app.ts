import Router from '@koa/router';
import Koa from 'koa';
import type { AppContainer } from './container.js';
import { healthIdentity } from './health/health-body.js';
import { documentHealthRoutes } from './health/openapi.js';
import { createHealthRouter } from './health/routes.js';
import { accessLog } from './http/access-log.js';
import { decodablePath } from './http/decodable-path.js';
import { errorHandler } from './http/error-handler.js';
import { observeRequests } from './http/observe-requests.js';
import { createApiDocs } from './http/openapi.js';
import { createOpenApiRouter } from './http/openapi-routes.js';
import { requestId } from './http/request-id.js';
import { unknownMethods } from './http/unknown-methods.js';
import { httpMetrics } from './metrics/http-metrics.js';
import { documentMetricsRoute } from './metrics/openapi.js';
import { createMetricsRouter } from './metrics/routes.js';
import { createGreetingsRouter } from './modules/greetings/routes.js';
import { routeName } from './tracing/route-name.js';
// plop:module-imports (generated modules are imported above this line)

/**
 * Builds the Koa app from the container, without listening: `server.ts`
 * listens, tests drive `app.callback()` through supertest.
 *
 * The order of the middleware is the path of a request: its id first, then
 * its observers, in one layer: the name of its trace span (the route, once
 * matched), metrics and the access log (so they see the final status), then
 * the error handler (so every error below it becomes a problem response), then the
 * refusals of paths and methods no route can take, then routes. A route that
 * takes a body parses it itself (`jsonBody()`), once it is known to be its.
 */
export function createApp(container: AppContainer): Koa {
  const { health, logger, metrics, errorMetrics, service, config } = container.cradle;
  const app = new Koa();
  // Each router documents its paths here, for `/openapi.json`.
  const docs = createApiDocs();
  documentHealthRoutes(docs);
  if (config.metricsPort === undefined) documentMetricsRoute(docs);
  const routers = [
    createHealthRouter(health, healthIdentity(service, config.releaseId)),
    // With METRICS_PORT, /metrics is served there only (createMetricsApp), never to the public.
    ...(config.metricsPort === undefined ? [createMetricsRouter(metrics)] : []),
    createOpenApiRouter(docs, service),
    createGreetingsRouter(container.cradle, docs),
    // plop:module-routers (generated modules are registered above this line)
  ];

  app.use(requestId());
  app.use(observeRequests([routeName, httpMetrics(metrics), accessLog(logger)]));
  app.use(errorHandler(logger, errorMetrics));
  app.use(decodablePath());
  app.use(unknownMethods(routers));
  // One router over them all: one match and one 405/OPTIONS answer per request, not one per router.
  const router = new Router();
  for (const moduleRouter of routers) router.use(moduleRouter.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());

  // Errors the handler above cannot see, such as a client that goes away mid-response.
  app.on('error', (err: unknown) => logger.warn({ err }, 'response error'));
  return app;
}

/** An app that serves only `/metrics`, for METRICS_PORT. */
export function createMetricsApp(container: AppContainer): Koa {
  const app = new Koa();
  const router = createMetricsRouter(container.cradle.metrics);
  app.use(router.routes());
  return app;
}
