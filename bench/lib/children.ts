import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import net from 'node:net';

/**
 * Every process the benchmarks start, so that a failure, a signal or the
 * deadline stops them all: a benchmark must never leave a server running.
 */
const running = new Set<Child>();

export interface Child {
  name: string;
  process: ChildProcess;
  /** The last few kilobytes of stderr (and of stdout when piped), for the error message when it dies. */
  output(): string;
  /** Everything written to stdout, when piped. */
  stdout(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /**
   * Where stdout goes: 'ignore' (/dev/null) for the services, whose access
   * log would otherwise cost this process, the load generator, CPU to read.
   */
  stdout?: 'ignore' | 'pipe';
}

const KEEP_CHARS = 8_000;

export function start(options: StartOptions): Child {
  const stdio: StdioOptions = ['ignore', options.stdout ?? 'ignore', 'pipe'];
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio,
  });
  let output = '';
  let stdout = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-KEEP_CHARS);
  };
  child.stderr?.on('data', keep);
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    keep(chunk);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (error) => {
      output += `\n${error.message}`;
      resolve(-1);
    });
  });
  const entry: Child = {
    name: options.name,
    process: child,
    output: () => output,
    stdout: () => stdout,
    exited,
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(entry);
    },
  };
  running.add(entry);
  void exited.then(() => running.delete(entry));
  return entry;
}

/** Stops every process still running; used on failure, on a signal and at the deadline. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop(2_000)));
}

/** Kills every process at once, for a synchronous `exit` handler. */
export function killAllNow(): void {
  for (const child of running) child.process.kill('SIGKILL');
}

/** Runs a command to its end; rejects on a non-zero exit or after `timeoutMs`. */
export async function runToEnd(options: StartOptions & { timeoutMs: number }): Promise<string> {
  const child = start({ ...options, stdout: 'pipe' });
  const timer = setTimeout(() => child.process.kill('SIGKILL'), options.timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(`${options.name} exited with ${String(code)}:\n${child.output()}`);
  }
  return child.stdout();
}

/**
 * Ports handed out in this run. The kernel may give a port again once the
 * probe below closes it, before the server it was meant for has bound it:
 * two servers started together once got the same port (EADDRINUSE).
 */
const handedOut = new Set<number>();

/** A port free on the loopback address at the time of asking, and not handed out before in this run. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await anyFreePort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
