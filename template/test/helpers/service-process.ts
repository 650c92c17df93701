import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const TEMPLATE_DIR = path.resolve(import.meta.dirname, '../..');

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal), once all its output is read. */
  exited: Promise<number | null>;
}

export interface StartOptions {
  /** Modules to preload with `--import` (paths from the template's directory), such as a test's fault trigger. */
  imports?: string[];
  /** The module to run instead of `src/server.ts` (a test's own fixture service). */
  entry?: string;
}

/** Runs `src/server.ts` (or `options.entry`) in a child process, as `npm start` would, on a free port. */
export async function startService(env: Record<string, string>, options: StartOptions = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const imports = (options.imports ?? []).map((module) => `--import=./${module}`);
  const child = spawn(process.execPath, ['--import=tsx', ...imports, options.entry ?? 'src/server.ts'], {
    cwd: TEMPLATE_DIR,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'close', not 'exit': on a busy machine a process can exit before its last
  // output has been read, and a test reading output() at exit would miss it.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/**
 * How long a test waits for a service it spawned to listen or become ready.
 * tsx compiles the source first and PGlite (in its own process) compiles its
 * WebAssembly: seconds on a quiet machine, tens of seconds on a busy CI
 * machine running suites in parallel (over 90 s for PGlite with several
 * starting at once). Start-up time is the benchmark's to measure, not the tests'.
 */
export const START_TIMEOUT_MS = 180_000;

/** Polls until `probe` returns true or `timeoutMs` passes; returns the time taken. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what = 'condition'): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The status of a GET; gives up after 30 s, a hung answer rather than a slow one on a busy machine. */
export async function status(url: string): Promise<number> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
  return res.status;
}

/** A port nothing listens on now, on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
