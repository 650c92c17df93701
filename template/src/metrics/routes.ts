import Router from '@koa/router';
import type { Registry } from 'prom-client';
import { gzipWhenAccepted } from '../http/gzip.js';
import { expose } from './exposition.js';

/**
 * `GET /metrics`: the app's own registry, in the Prometheus text format or,
 * when the scraper asks for it, in OpenMetrics with exemplars.
 */
export function createMetricsRouter(metrics: Registry): Router {
  const router = new Router();
  // On the route, not router.use(): nested in the app's one router, that would gzip every route.
  router.get('/metrics', gzipWhenAccepted(), async (ctx) => {
    const { contentType, body } = await expose(metrics, ctx.get('Accept'));
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Vary', 'Accept');
    ctx.type = contentType;
    ctx.body = body;
  });
  return router;
}
