import { Gauge, type Registry } from 'prom-client';
import type { Knex } from 'knex';
import { poolOf, poolStats, type PoolStats } from '../db/pool.js';

/**
 * The connection pool's state, read at scrape time (OpenTelemetry's
 * `db.client.connection.*`, named so that promtool accepts them).
 */
export function registerPoolMetrics(db: Knex, metrics: Registry): void {
  const read = (): PoolStats => {
    const pool = poolOf(db);
    return pool ? poolStats(pool) : { used: 0, free: 0, pending: 0, max: 0 };
  };
  new Gauge({
    name: 'db_client_connections',
    help: 'Connections in the pool, by state (idle or used).',
    labelNames: ['state'],
    registers: [metrics],
    collect() {
      const { used, free } = read();
      this.set({ state: 'idle' }, free);
      this.set({ state: 'used' }, used);
    },
  });
  new Gauge({
    name: 'db_client_connection_max',
    help: 'Largest number of connections the pool may open.',
    registers: [metrics],
    collect() {
      this.set(read().max);
    },
  });
  new Gauge({
    name: 'db_client_connection_pending_requests',
    help: 'Requests waiting for a connection from the pool.',
    registers: [metrics],
    collect() {
      this.set(read().pending);
    },
  });
}
