import type { Knex } from 'knex';
import pg from 'pg';
import { poolOf, poolStats, type ConnectionPool } from '../db/pool.js';
import { HealthCheckError } from '../health/check-error.js';
import type { HealthChecker } from '../health/types.js';

/**
 * Runs `select 1` on a connection from the pool.
 *
 * The acquire and the query stop when the signal aborts: a pending acquire
 * leaves the pool's queue, and a connection whose query hangs is closed rather
 * than returned busy, so a hung database cannot keep a pool slot.
 *
 * When every connection is busy the check does not queue behind the
 * application's own queries: it reports `warn` (a saturated pool is load, not
 * an outage, and failing readiness on every replica at once would turn it into one).
 */
export function createDatabaseChecker(db: Knex): HealthChecker {
  return {
    name: 'database',
    componentType: 'datastore',
    async check(signal) {
      const pool = poolOf(db);
      if (!pool) throw new HealthCheckError('database connection closed');
      const observedValue = poolStats(pool);
      if (observedValue.used >= observedValue.max && observedValue.free === 0) {
        return { status: 'warn', output: 'connection pool saturated', observedValue, observedUnit: 'connections' };
      }
      const connection = await acquire(pool, signal);
      const onAbort = () => discard(connection);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await db.raw('select 1').connection(connection);
      } finally {
        signal.removeEventListener('abort', onAbort);
        pool.release(connection);
      }
      return { observedValue, observedUnit: 'connections' };
    },
  };
}

async function acquire(pool: ConnectionPool, signal: AbortSignal): Promise<unknown> {
  signal.throwIfAborted();
  const pending = pool.acquire();
  const onAbort = () => pending.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await pending.promise;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Marks a connection for the pool to destroy instead of reusing, and closes its
 * socket at once (pg's `end()` destroys it when a query is active). The
 * embedded database is reached through pg too: its session ends the same way.
 */
function discard(connection: unknown): void {
  if (!(connection instanceof pg.Client)) return;
  // knex's pool destroys a connection so marked instead of handing it out again.
  (connection as pg.Client & { __knex__disposed?: unknown }).__knex__disposed = new Error('health check aborted');
  connection.end().catch(() => {});
}
