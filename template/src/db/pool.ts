import type { Knex } from 'knex';

/** The part of knex's connection pool (tarn) that the service reads. */
export interface ConnectionPool {
  readonly max: number;
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
  acquire(): { promise: Promise<unknown>; abort(): void };
  release(connection: unknown): boolean;
}

export interface PoolStats {
  used: number;
  free: number;
  pending: number;
  max: number;
}

/** The pool of a knex instance; undefined once the instance is destroyed. */
export function poolOf(db: Knex): ConnectionPool | undefined {
  return (db.client as { pool?: ConnectionPool }).pool;
}

/** Reads the pool's counters without taking a connection. */
export function poolStats(pool: ConnectionPool): PoolStats {
  return {
    used: pool.numUsed(),
    free: pool.numFree(),
    pending: pool.numPendingAcquires(),
    max: pool.max,
  };
}
