import Router from '@koa/router';
import type { Context } from 'koa';
import type { HealthRegistry } from './registry.js';
import type { CheckResult, HealthReport } from './types.js';

/**
 * The Kubernetes probes:
 * - `GET /healthz` (liveness) answers from memory and calls no dependency, so
 *   a slow database never gets a healthy pod restarted; it stays 200 while draining.
 * - `GET /ready` and `GET /ready/:check` (readiness) run the registered checks
 *   and answer `application/health+json`: 200 on pass or warn, 503 on fail.
 */
export function createHealthRouter(health: HealthRegistry): Router {
  const router = new Router();

  router.get('/healthz', (ctx) => {
    send(ctx, 200, { status: 'pass' });
  });

  router.get('/ready', async (ctx) => {
    const report = await health.report();
    send(ctx, report.status === 'fail' ? 503 : 200, serialised(report));
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

function send(ctx: Context, status: number, body: object | string): void {
  ctx.status = status;
  // Probes must see the live state: no caching, no ETag, no 304.
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'application/health+json';
  ctx.body = body;
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
