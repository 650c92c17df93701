import type { Cradle } from '../container.js';
import type { HealthRegistry } from '../health/registry.js';
import { createDatabaseChecker } from './database.js';
import { createEventLoopChecker } from './event-loop.js';
// plop:checker-imports (generated checkers are imported above this line)

/**
 * Every readiness check of the service, registered in one place. Add yours
 * here (or with `npx plop checker <service> <name>`): it appears in `/ready`,
 * in `/ready/<name>` and in the `health_check_*` metrics.
 */
export function registerCheckers(health: HealthRegistry, cradle: Cradle): void {
  health.register(createDatabaseChecker(cradle.db));
  // Ready once the schema is current: migrated by this process, or by the migration Job.
  health.register(cradle.config.migrateOnStart ? cradle.migrator.checker() : cradle.migrator.appliedChecker());
  health.register(createEventLoopChecker());
  // plop:checkers (generated checkers are registered above this line)
}
