import Router from '@koa/router';
import type { Registry } from 'prom-client';
import { gzipWhenAccepted } from '../http/gzip.js';

/** `GET /metrics`: the Prometheus text format of the app's own registry. */
export function createMetricsRouter(metrics: Registry): Router {
  const router = new Router();
  router.use(gzipWhenAccepted());
  router.get('/metrics', async (ctx) => {
    const body = await metrics.metrics();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.contentType;
    ctx.body = body;
  });
  return router;
}
