import { createHistogram } from 'node:perf_hooks';
import type { HealthChecker } from '../health/types.js';

const INTERVAL_MS = 20;

export interface EventLoopCheckerOptions {
  /** Warn when the 99th percentile of event-loop delay since the last check is over this. */
  warnAboveMs?: number;
  /** The clock, in ms; `performance.now` by default. Tests pass their own to decide what a delay was. */
  now?: () => number;
}

/**
 * An example of a service's own checker: it warns, without failing readiness
 * (`critical: false`), when the event loop lags, which is the first sign of
 * CPU-bound work blocking every request.
 *
 * A timer measures how late it fires. (`monitorEventLoopDelay` would do, but
 * its `reset()` also drops the interval in progress, so a stall that starts
 * just after a check would never be seen.) The timer does not keep the
 * process alive.
 *
 * Measuring starts at the timer's first run: until then the process is still
 * doing the synchronous work of its start (building the app, listening),
 * which is not lag, and would make the first check after start warn.
 */
export function createEventLoopChecker(options: EventLoopCheckerOptions = {}): HealthChecker {
  const warnAboveMs = options.warnAboveMs ?? 200;
  const now = options.now ?? (() => performance.now());
  const delays = createHistogram();
  let last: number | undefined;
  setInterval(() => {
    const at = now();
    if (last !== undefined) delays.record(Math.max(1, Math.round(at - last - INTERVAL_MS)));
    last = at;
  }, INTERVAL_MS).unref();

  return {
    name: 'event-loop',
    critical: false,
    componentType: 'system',
    async check() {
      // The interval now running has not been recorded yet: count it too.
      const running = last === undefined ? 0 : Math.round(now() - last - INTERVAL_MS);
      const p99Ms = Math.max(delays.count === 0 ? 0 : delays.percentile(99), running, 0);
      delays.reset();
      return {
        ...(p99Ms > warnAboveMs && { status: 'warn' as const, output: `event loop delay p99 over ${warnAboveMs} ms` }),
        observedValue: p99Ms,
        observedUnit: 'ms',
      };
    },
  };
}
