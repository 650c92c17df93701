import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { safeText } from '../safe-text.js';
import type { ChildMessage, ParentMessage } from './embedded-protocol.js';

/** The child's entry beside this file: `.ts` under tsx (tests, `npm run dev`), `.js` once built. */
const CHILD_ENTRY = path.join(import.meta.dirname, `embedded-server-child${path.extname(import.meta.filename)}`);

/** How long the child may take to close PGlite when asked (a fraction of a second), before it is killed. */
const STOP_GRACE_MS = 1000;

type EmbeddedState = 'starting' | 'ready' | 'failed' | 'stopped';

/** A connection error with PostgreSQL's SQLSTATE, so it is classified as PostgreSQL's own would be. */
class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * The embedded database as a server of its own: PGlite runs in a child
 * process (embedded-server-child.ts) and serves the PostgreSQL protocol on a
 * loopback port, so the service talks to it through `pg` as to PostgreSQL,
 * and PGlite's start and its queries never hold the service's event loop.
 *
 * The child starts at once; until it is ready, connecting fails at once as a
 * PostgreSQL server that is starting would refuse (57P03). It dies with the
 * service: stopped by `stop()`, or on its own when the service's process is gone.
 */
export class EmbeddedServer {
  readonly #logger: Logger;
  readonly #child: ChildProcess;
  #state: EmbeddedState = 'starting';
  #port: number | undefined;
  #failure = '';
  #exited: Promise<void>;
  /** Resolves once the database accepts connections; rejects if it cannot start or was stopped first. */
  readonly started: Promise<void>;

  constructor(dataDir: string, logger: Logger) {
    this.#logger = logger;
    const startedAt = performance.now();
    const tsx = CHILD_ENTRY.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
    this.#child = fork(CHILD_ENTRY, [dataDir], {
      // Not the service's own flags (a test's --import, an inspector port): only what runs TypeScript.
      execArgv: tsx,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    let stderr = '';
    this.#child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    this.#exited = new Promise((resolve) => this.#child.once('exit', () => resolve()));

    this.started = new Promise((resolve, reject) => {
      this.#child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') {
          this.#state = 'ready';
          this.#port = message.port;
          const ms = Math.round(performance.now() - startedAt);
          logger.info(
            { port: message.port, pid: this.#child.pid, ms },
            `embedded database ready on 127.0.0.1:${message.port} after ${ms} ms`,
          );
          resolve();
        } else {
          this.#fail(`could not start: ${message.message}`);
          reject(new Error(this.#failure));
        }
      });
      this.#child.once('error', (error) => {
        this.#fail(`could not start its process: ${error.message}`);
        reject(new Error(this.#failure));
      });
      this.#child.once('exit', (code, signal) => {
        if (this.#state === 'starting' || this.#state === 'ready') {
          const lastLine = stderr.trim().split('\n').at(-1);
          this.#fail(`exited (${signal ?? `code ${code}`})${lastLine ? `: ${lastLine}` : ''}`);
        }
        reject(new Error(this.#failure || 'the embedded database was stopped'));
      });
    });
    // Callers that never wait for it must not see an unhandled rejection. Once
    // it has started (or failed), the child no longer keeps the service's
    // process alive: a process that ends without stopping it ends it too.
    this.started.catch(() => {}).finally(() => this.#unref());
  }

  /**
   * pg's settings for a new connection, for knex's connection provider:
   * fails at once while the database is starting, has failed or was stopped.
   */
  async connection(connectTimeoutMs: number): Promise<Knex.PgConnectionConfig> {
    if (this.#state === 'starting') throw new EmbeddedDatabaseError('the database system is starting up', '57P03');
    if (this.#state !== 'ready') {
      throw new EmbeddedDatabaseError(`the embedded database ${this.#failure || 'was stopped'}`, '08001');
    }
    return {
      host: '127.0.0.1',
      port: this.#port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: connectTimeoutMs,
    };
  }

  /**
   * Asks the child to close PGlite and exit, and kills it if it has not
   * within STOP_GRACE_MS. A child still starting is killed at once: its
   * WebAssembly start cannot stop half-way to answer, and a kill then is
   * safe (a new database is written under another name first; an existing
   * one recovers from its write-ahead log, as PostgreSQL does after a crash).
   */
  async stop(): Promise<void> {
    const starting = this.#state === 'starting';
    if (this.#state !== 'failed') this.#state = 'stopped';
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    // Started, it no longer kept the process alive: waiting for its exit must.
    this.#child.ref();
    if (this.#child.connected) this.#child.send({ type: 'stop' } satisfies ParentMessage, () => {});
    const kill = setTimeout(() => this.#child.kill('SIGKILL'), starting ? 0 : STOP_GRACE_MS);
    await this.#exited;
    clearTimeout(kill);
  }

  #unref(): void {
    this.#child.unref();
    this.#child.channel?.unref();
    (this.#child.stderr as Socket | null)?.unref();
  }

  #fail(reason: string): void {
    this.#state = 'failed';
    this.#failure = safeText(reason, 512);
    this.#logger.error(`embedded database ${this.#failure}`);
  }
}
