import { Gauge, type Registry } from 'prom-client';
import type { HealthRegistry } from '../health/registry.js';
import type { HealthStatus } from '../health/types.js';

const STATUS_VALUE: Record<HealthStatus, number> = { pass: 1, warn: 0.5, fail: 0 };

/**
 * Exports the latest result of each check. Values are read at scrape time
 * from what the probes, or the background runs (`HEALTH_INTERVAL_MS`),
 * produced: a scrape never runs a check.
 */
export function registerHealthMetrics(metrics: Registry, health: HealthRegistry): void {
  new Gauge({
    name: 'health_check_status',
    help: 'Latest result of each readiness check: 1 pass, 0.5 warn, 0 fail.',
    labelNames: ['check'],
    registers: [metrics],
    collect() {
      this.reset();
      for (const [check, result] of health.lastResults()) {
        this.set({ check }, STATUS_VALUE[result.status]);
      }
    },
  });
  new Gauge({
    name: 'health_check_duration_seconds',
    help: 'Duration of the latest run of each readiness check.',
    labelNames: ['check'],
    registers: [metrics],
    collect() {
      this.reset();
      for (const [check, result] of health.lastResults()) {
        this.set({ check }, result.durationMs / 1000);
      }
    },
  });
}
