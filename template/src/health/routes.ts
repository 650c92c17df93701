import Router from '@koa/router';
import type { Context } from 'koa';
import { parseProbeQuery } from './probe-query.js';
import type { HealthRegistry } from './registry.js';
import type { CheckResult, HealthReport } from './types.js';
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
export function createHealthRouter(health: HealthRegistry): Router {
  const router = new Router();

  router.get('/healthz', (ctx) => {
    if (parseProbeQuery(ctx.query).verbose) return sendText(ctx, 200, LIVENESS_TEXT);
    send(ctx, 200, { status: 'pass' });
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

/**
 * The registry hands out the same report for as long as it reuses every
 * result: serialise each once, not once per probe.
 */
const bodies = new WeakMap<HealthReport, string>();

function serialised(report: HealthReport): string {
  let body = bodies.get(report);
  if (body === undefined) {
    body = JSON.stringify(toBody(report));
    bodies.set(report, body);
  }
  return body;
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

/** The draft's shape: each check is a list of measurements; ours have one each. */
function toBody(report: HealthReport): object {
  const checks: Record<string, [object]> = {};
  for (const [name, result] of Object.entries(report.checks)) {
    checks[name] = [toEntry(result)];
  }
  return {
    status: report.status,
    ...(report.output !== undefined && { output: report.output }),
    checks,
  };
}

function toEntry(result: CheckResult): object {
  return {
    status: result.status,
    time: result.time,
    ...(result.observedValue !== undefined && { observedValue: result.observedValue }),
    ...(result.observedUnit !== undefined && { observedUnit: result.observedUnit }),
    ...(result.output !== undefined && { output: result.output }),
  };
}
