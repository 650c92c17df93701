import Router from '@koa/router';
import type { Context } from 'koa';
import { parseProbeQuery } from './probe-query.js';
import type { HealthRegistry } from './registry.js';
import { healthBody, type HealthIdentity } from './health-body.js';
import type { HealthReport } from './types.js';
import { verboseText } from './verbose-text.js';

/**
 * The Kubernetes probes:
 * - `GET /healthz` (liveness) answers from memory and calls no dependency, so
 *   a slow database never gets a healthy pod restarted; it stays 200 while draining.
 * - `GET /ready` and `GET /ready/:check` (readiness) run the registered checks
 *   and answer `application/health+json`: 200 on pass or warn, 503 on fail.
 *
 * `/ready` and `/healthz` read kube-apiserver's parameters: `?exclude=<check>`
 * (repeatable) skips a check, `?verbose` answers its plain-text list instead,
 * with the same status code. Other parameters are ignored.
 */
export function createHealthRouter(health: HealthRegistry, identity: HealthIdentity): Router {
  const router = new Router();
  const liveness = JSON.stringify(healthBody({ status: 'pass' }, identity));
  const toBody = (report: HealthReport) => healthBody(report, identity);
  /**
   * The registry hands out the same report for as long as it reuses every
   * result: serialise each once, not once per probe.
   */
  const bodies = new WeakMap<HealthReport, string>();
  const serialised = (report: HealthReport): string => {
    let body = bodies.get(report);
    if (body === undefined) {
      body = JSON.stringify(toBody(report));
      bodies.set(report, body);
    }
    return body;
  };

  router.get('/healthz', (ctx) => {
    if (parseProbeQuery(ctx.query).verbose) return sendText(ctx, 200, LIVENESS_TEXT);
    send(ctx, 200, liveness);
  });

  router.get('/ready', async (ctx) => {
    const { verbose, exclude } = parseProbeQuery(ctx.query);
    const report = await health.report(exclude);
    const status = report.status === 'fail' ? 503 : 200;
    if (!verbose) return send(ctx, status, serialised(report));
    const text = verboseText('readyz', report, {
      registered: health.names(),
      excluded: exclude,
      draining: health.draining,
    });
    sendText(ctx, status, text);
  });

  router.get('/ready/:check', async (ctx) => {
    const report = await health.reportOne(ctx.params.check ?? '');
    if (!report) return ctx.throw(404, `No health check is named ${JSON.stringify(ctx.params.check)}`);
    send(ctx, report.status === 'fail' ? 503 : 200, toBody(report));
  });

  return router;
}

/** Liveness checks nothing but that the process answers: Kubernetes' `ping`. */
const LIVENESS_TEXT = '[+]ping ok\nhealthz check passed\n';

function send(ctx: Context, status: number, body: object | string): void {
  ctx.status = status;
  // Probes must see the live state: no caching, no ETag, no 304.
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/health+json';
  ctx.body = body;
}

function sendText(ctx: Context, status: number, text: string): void {
  send(ctx, status, text);
  ctx.type = 'text/plain; charset=utf-8';
  // It may list names a client sent (unmatched excludes): never sniffed as HTML.
  ctx.set('X-Content-Type-Options', 'nosniff');
}
