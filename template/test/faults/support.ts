import { setTimeout as sleep } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import Router from '@koa/router';
import { asValue } from 'awilix';
import type Koa from 'koa';
import type { Knex } from 'knex';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createAppContainer, disposeContainer, type AppContainer } from '../../src/container.js';
import { poolOf, poolStats, type PoolStats } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, usingPostgres } from '../helpers/database.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Shared pieces of the fault-injection tests: the whole service in process
 * (createApp) on a database reached through a TcpProxy, with a password in its
 * URL that no answer may show, and a few routes that make the database work.
 */

export const PG_ONLY = ' [PostgreSQL only: skipped without DATABASE_URL]';
/** The password in the proxied URL; trust auth ignores it, no answer may show it. */
export const SECRET_PASSWORD = 's3cr3t-pw';
/** Sent on every request, so the only request id in a body is one we know. */
export const REQUEST_ID = 'fault-test';

export interface FaultApp {
  container: AppContainer;
  db: Knex;
  /** createApp's callback, with the fault routes mounted after the app's own. */
  callback: ReturnType<Koa['callback']>;
  /** The proxy in front of PostgreSQL; undefined on PGlite. */
  proxy: TcpProxy | undefined;
  /** The DATABASE_URL the service was given (with SECRET_PASSWORD), or undefined on PGlite. */
  databaseUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * The service on a fresh database: on PostgreSQL through a TcpProxy, with
 * `DATABASE_URL=postgres://postgres:s3cr3t-pw@127.0.0.1:<proxy port>/<database>`;
 * on PGlite, in memory. Migrations have run when it resolves. Logs are off,
 * or written at `info` to `logs` when given.
 */
export async function createFaultApp(env: Record<string, string> = {}, logs?: Writable): Promise<FaultApp> {
  const database = await createTestDatabase();
  let proxy: TcpProxy | undefined;
  let databaseUrl: string | undefined;
  const dbEnv: Record<string, string> = { ...database.env };
  if (usingPostgres()) {
    proxy = await new TcpProxy(upstream()).start('forward');
    const url = new URL(database.env.DATABASE_URL!);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    url.username = 'postgres';
    url.password = SECRET_PASSWORD;
    databaseUrl = url.toString();
    dbEnv.DATABASE_URL = databaseUrl;
  }
  const config = loadConfig({ LOG_LEVEL: 'silent', ...dbEnv, ...env });
  const container = createAppContainer(config);
  if (logs) container.register({ logger: asValue(createLogger({ logLevel: 'info' }, container.cradle.service, logs)) });
  const app = createApp(container);
  // Koa composes its middleware when `callback()` is called: routes added now
  // come after the app's own, and reach the same error handler and metrics.
  app.use(faultRoutes(container.cradle.db).routes());
  const callback = app.callback();
  await container.cradle.migrator.start();
  return {
    container,
    db: container.cradle.db,
    callback,
    proxy,
    databaseUrl,
    async close() {
      await disposeContainer(container);
      await proxy?.stop().catch(() => {});
      await database.drop();
    },
  };
}

/** Routes that make the service use its database the way a module would. */
function faultRoutes(db: Knex): Router {
  const router = new Router({ prefix: '/faults' });
  router.get('/sleep/:seconds', async (ctx) => {
    const seconds = Math.min(Math.max(Number(ctx.params.seconds) || 0, 0), 5);
    await db.raw('select pg_sleep(?)', [seconds]);
    ctx.body = { slept: seconds };
  });
  router.get('/query', async (ctx) => {
    await db.raw('select 1');
    ctx.body = { ok: true };
  });
  return router;
}

/** The PostgreSQL server of DATABASE_URL, which the proxy forwards to. */
export function upstream(): { host: string; port: number } {
  const url = new URL(process.env.DATABASE_URL!);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

export interface Answer {
  status: number;
  type: string;
  text: string;
  body: unknown;
  ms: number;
}

/** One GET through supertest, timed, with our request id. */
export async function get(callback: FaultApp['callback'], path: string): Promise<Answer> {
  const started = performance.now();
  const res = await request(callback).get(path).set('x-request-id', REQUEST_ID).timeout(15_000);
  return { status: res.status, type: res.type, text: res.text, body: res.body, ms: performance.now() - started };
}

/** The single entry of one check in a health+json body. */
export function checkEntry(body: unknown, name: string): { status: string; output?: string; observedValue?: unknown } {
  const found = (body as { checks?: Record<string, [{ status: string }] | undefined> }).checks?.[name]?.[0];
  if (!found) throw new Error(`no check ${name} in ${JSON.stringify(body)}`);
  return found;
}

export function pool(db: Knex): PoolStats {
  const found = poolOf(db);
  if (!found) throw new Error('the knex instance has no pool');
  return poolStats(found);
}

/** Polls `condition` every `everyMs` until it holds or `withinMs` passes. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, withinMs: number, everyMs = 20) {
  const started = performance.now();
  for (;;) {
    if (await condition()) return performance.now() - started;
    if (performance.now() - started > withinMs) return undefined;
    await sleep(everyMs);
  }
}

/** Runs `probe` every `everyMs` until stopped (or `maxRuns`), keeping what it returned. */
export function poll<T>(probe: () => Promise<T>, everyMs: number, maxRuns = 1000) {
  const results: T[] = [];
  let stopped = false;
  const done = (async () => {
    for (let run = 0; run < maxRuns && !stopped; run++) {
      results.push(await probe());
      await sleep(everyMs);
    }
  })();
  return {
    results,
    async stop(): Promise<T[]> {
      stopped = true;
      await done;
      return results;
    },
  };
}

/** Repeats a GET until `accept` holds or `withinMs` passes; returns the last answer and the time taken. */
export async function getUntil(
  callback: FaultApp['callback'],
  path: string,
  accept: (answer: Answer) => boolean,
  withinMs: number,
): Promise<{ answer: Answer; ms: number; answers: Answer[] }> {
  const started = performance.now();
  const answers: Answer[] = [];
  for (;;) {
    const answer = await get(callback, path);
    answers.push(answer);
    const ms = performance.now() - started;
    if (accept(answer) || ms > withinMs) return { answer, ms, answers };
    await sleep(50);
  }
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (enough of the format for prom-client's output). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples of `name` whose labels include `labels`. */
export function metricValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

export async function scrape(callback: FaultApp['callback']): Promise<Sample[]> {
  const res = await request(callback).get('/metrics').expect(200);
  return parseMetrics(res.text);
}

/**
 * What an answer must never show: any part of the database URL (password,
 * user, host, port, database name), the word password, SQL, a stack trace.
 * Returns the problems found, empty when the text is clean.
 */
export function leaks(text: string, databaseUrl: string | undefined): string[] {
  const found: string[] = [];
  const forbidden: string[] = [SECRET_PASSWORD, 'password', 'postgres', '127.0.0.1', 'localhost'];
  if (databaseUrl) {
    const url = new URL(databaseUrl);
    forbidden.push(databaseUrl, url.port, `:${url.port}`, url.pathname.slice(1), `${url.hostname}:${url.port}`);
  }
  const lower = text.toLowerCase();
  for (const word of forbidden) if (word !== '' && lower.includes(word.toLowerCase())) found.push(word);
  for (const pattern of [/\bselect\b/i, /pg_sleep/i, /\bat\s+(?:\S+\s+\()?(?:file:\/\/|node:|\/)/, /\.ts:\d+/]) {
    if (pattern.test(text)) found.push(String(pattern));
  }
  return found;
}
