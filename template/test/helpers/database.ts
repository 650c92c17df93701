import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestDatabase {
  /** Environment for `loadConfig`: a fresh PostgreSQL database, or in-memory PGlite. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file. With DATABASE_URL set (CI runs the
 * suite both ways), a new PostgreSQL database is created on that server and
 * dropped afterwards, so test files run in parallel without sharing tables;
 * without it, an in-memory PGlite.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    return { env: { PGLITE_DATA_DIR: 'memory://' }, drop: async () => {} };
  }
  const name = `test_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: () => admin(serverUrl, `drop database if exists ${name} with (force)`),
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export const usingPostgres = (): boolean => Boolean(process.env.DATABASE_URL);
