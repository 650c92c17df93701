import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ServiceIdentity } from '../service.js';

/**
 * prom-client's defaults export these as gauges with a `_total` suffix, which
 * `promtool check metrics` rejects; the same counts stay available without
 * the suffix (`nodejs_active_handles`, … by type).
 */
const NON_CONFORMING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * A registry per app instance, never prom-client's global one: two apps in one
 * process (tests, hot reload) would otherwise collide on metric names.
 */
export function createMetricsRegistry(service: ServiceIdentity): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of NON_CONFORMING_DEFAULTS) registry.removeSingleMetric(name);

  const buildInfo = new Gauge({
    name: 'service_build_info',
    help: 'Always 1; labels name the running service and its version.',
    labelNames: ['service_name', 'service_version', 'nodejs_version'],
    registers: [registry],
  });
  buildInfo.set({ service_name: service.name, service_version: service.version, nodejs_version: process.version }, 1);
  return registry;
}
