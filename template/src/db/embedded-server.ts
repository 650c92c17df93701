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

/** The first wait before a database that died is started again; it doubles at each death in a row. */
const RESTART_FIRST_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 30_000;
/** A database that stayed up this long had recovered: its next death waits the first delay again. */
const RESTART_STABLE_MS = 60_000;

/**
 * The embedded database as a server of its own: PGlite runs in a child
 * process (embedded-server-child.ts) and serves the PostgreSQL protocol on a
 * loopback port, so the service talks to it through `pg` as to PostgreSQL,
 * and PGlite's start and its queries never hold the service's event loop.
 *
 * The child starts at once; until it is ready, connecting fails at once as a
 * PostgreSQL server that is starting would refuse (57P03). It dies with the
 * service: stopped by `stop()`, or on its own when the service's process is gone.
 * If it dies on its own once ready (killed, out of memory), it is started
 * again on the same data directory, as a supervisor restarts PostgreSQL:
 * readiness fails meanwhile, and the liveness probe, which a restart of the
 * pod would not help, stays up. A start that fails is final, as the first is.
 */
export class EmbeddedServer {
  readonly #dataDir: string;
  readonly #logger: Logger;
  #child!: ChildProcess;
  #state: EmbeddedState = 'starting';
  #port: number | undefined;
  #failure = '';
  #exited!: Promise<void>;
  #restarts = 0;
  #readyAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Resolves once the database first accepts connections; rejects if it cannot start or was stopped first. */
  readonly started: Promise<void>;

  constructor(dataDir: string, logger: Logger) {
    this.#dataDir = dataDir;
    this.#logger = logger;
    this.started = new Promise((resolve, reject) => this.#spawn(resolve, reject));
    // Callers that never wait for it must not see an unhandled rejection.
    this.started.catch(() => {});
  }

  #spawn(resolve: () => void = () => {}, reject: (error: Error) => void = () => {}): void {
    const logger = this.#logger;
    const startedAt = performance.now();
    const tsx = CHILD_ENTRY.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
    const child = fork(CHILD_ENTRY, [this.#dataDir], {
      // Not the service's own flags (a test's --import, an inspector port): only what runs TypeScript.
      execArgv: tsx,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.#child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4096)));
    this.#exited = new Promise((done) => child.once('exit', () => done()));
    // Once it has started (or failed), the child no longer keeps the service's
    // process alive: a process that ends without stopping it ends it too.
    const settled = () => this.#unref(child);

    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        this.#state = 'ready';
        this.#port = message.port;
        this.#readyAt = performance.now();
        const ms = Math.round(performance.now() - startedAt);
        logger.info(
          { port: message.port, pid: child.pid, ms },
          `embedded database ready on 127.0.0.1:${message.port} after ${ms} ms`,
        );
        settled();
        resolve();
      } else {
        this.#fail(`could not start: ${message.message}`);
        settled();
        reject(new Error(this.#failure));
      }
    });
    child.once('error', (error) => {
      this.#fail(`could not start its process: ${error.message}`);
      settled();
      reject(new Error(this.#failure));
    });
    child.once('exit', (code, signal) => {
      const lastLine = stderr.trim().split('\n').at(-1);
      const how = `exited (${signal ?? `code ${code}`})${lastLine ? `: ${lastLine}` : ''}`;
      if (this.#state === 'ready') this.#restartLater(how);
      else if (this.#state === 'starting') this.#fail(how);
      settled();
      reject(new Error(this.#failure || 'the embedded database was stopped'));
    });
  }

  /** Starts the database again after it died, waiting longer at each death in a row. */
  #restartLater(how: string): void {
    if (performance.now() - this.#readyAt >= RESTART_STABLE_MS) this.#restarts = 0;
    const delayMs = Math.min(RESTART_FIRST_DELAY_MS * 2 ** this.#restarts, RESTART_MAX_DELAY_MS);
    this.#restarts += 1;
    this.#state = 'starting';
    this.#logger.error(`embedded database ${safeText(how, 512)}; starting it again in ${delayMs} ms`);
    this.#restartTimer = setTimeout(() => this.#spawn(), delayMs).unref();
  }

  /**
   * pg's settings for a new connection, for knex's connection provider:
   * fails at once while the database is starting, has failed or was stopped.
   */
  async connection(connectTimeoutMs: number): Promise<Knex.PgConnectionConfig & { expirationChecker(): boolean }> {
    if (this.#state === 'starting') throw new EmbeddedDatabaseError('the database system is starting up', '57P03');
    if (this.#state !== 'ready') {
      throw new EmbeddedDatabaseError(`the embedded database ${this.#failure || 'was stopped'}`, '08001');
    }
    const port = this.#port;
    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: connectTimeoutMs,
      // knex keeps these settings until this says they are stale: once the
      // database was started again, on another port, they are.
      expirationChecker: () => this.#port !== port || this.#state !== 'ready',
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
    clearTimeout(this.#restartTimer);
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    // Started, it no longer kept the process alive: waiting for its exit must.
    this.#child.ref();
    if (this.#child.connected) this.#child.send({ type: 'stop' } satisfies ParentMessage, () => {});
    const kill = setTimeout(() => this.#child.kill('SIGKILL'), starting ? 0 : STOP_GRACE_MS);
    await this.#exited;
    clearTimeout(kill);
  }

  #unref(child: ChildProcess): void {
    child.unref();
    child.channel?.unref();
    (child.stderr as Socket | null)?.unref();
  }

  #fail(reason: string): void {
    this.#state = 'failed';
    this.#failure = safeText(reason, 512);
    this.#logger.error(`embedded database ${this.#failure}`);
  }
}
