import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { HealthChecker } from '../health/types.js';

const RESOLUTION_MS = 20;

export interface EventLoopCheckerOptions {
  /** Warn when the 99th percentile of event-loop delay since the last check is over this. */
  warnAboveMs?: number;
}

/**
 * An example of a service's own checker: it warns, without failing readiness
 * (`critical: false`), when the event loop lags, which is the first sign of
 * CPU-bound work blocking every request.
 */
export function createEventLoopChecker(options: EventLoopCheckerOptions = {}): HealthChecker {
  const warnAboveMs = options.warnAboveMs ?? 200;
  // Samples every 20 ms without keeping the process alive; each sample
  // includes those 20 ms, which are taken off below.
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  return {
    name: 'event-loop',
    critical: false,
    async check() {
      const p99Ms = delay.count === 0 ? 0 : Math.max(0, Math.round(delay.percentile(99) / 1e6 - RESOLUTION_MS));
      delay.reset();
      return {
        ...(p99Ms > warnAboveMs && { status: 'warn' as const, output: `event loop delay p99 over ${warnAboveMs} ms` }),
        observedValue: p99Ms,
        observedUnit: 'ms',
      };
    },
  };
}
