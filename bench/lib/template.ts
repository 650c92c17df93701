import path from 'node:path';
import { freePort, runToEnd, start, type Child } from './children.js';
import { waitForStatus } from './http.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const TEMPLATE_DIR = path.join(ROOT, 'template');
/** The built service: what `npm start` and the Docker image run. */
export const SERVER_JS = path.join(TEMPLATE_DIR, 'dist/src/server.js');
/** The tracing preload `npm start` and the image run the service with; it does nothing unless OTEL_* asks. */
export const TRACING_REGISTER_JS = path.join(TEMPLATE_DIR, 'dist/src/tracing/register.js');

/** Builds the template (tsc), so the benchmarks run the code production runs. */
export async function buildTemplate(): Promise<void> {
  await runToEnd({
    name: 'npm run build -w template',
    command: 'npm',
    args: ['run', 'build', '-w', 'template'],
    cwd: ROOT,
    timeoutMs: 120_000,
  });
}

export interface RunningServer {
  child: Child;
  url: string;
  /** performance.now() just before the process was spawned. */
  spawnedAt: number;
  /** Date.now() at the same moment, to place the service's log times (pino's `time`). */
  spawnedAtWall: number;
}

/**
 * Starts the built template service on a free loopback port, as `npm start` does. Its JSON log
 * goes to /dev/null: the access log is still written (serialised and handed
 * to the kernel) at the default level, only nobody reads it.
 */
export function startService(
  env: Record<string, string>,
  name = 'template service',
  { readLog = false } = {},
): Promise<RunningServer> {
  return spawnServer(name, ['--import', TRACING_REGISTER_JS, SERVER_JS], {
    cwd: TEMPLATE_DIR,
    env,
    stdout: readLog ? 'pipe' : 'ignore',
  });
}

/** Milliseconds from spawn to the first log line whose message starts with `message`, if any. */
export function logMark(server: RunningServer, message: string): number | undefined {
  for (const line of server.child.stdout().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { time?: number; msg?: string };
    if (entry.msg?.startsWith(message) && entry.time !== undefined) return entry.time - server.spawnedAtWall;
  }
  return undefined;
}

/** Starts a bench server written in TypeScript (bench/servers/*.ts) through tsx. */
export function startBenchServer(script: string, env: Record<string, string>, name = script): Promise<RunningServer> {
  return spawnServer(name, ['--import', 'tsx', path.join(ROOT, 'bench/servers', script)], { cwd: ROOT, env });
}

/** Starts a JavaScript file (a compiled bench server or peer, lib/compile.ts) on plain node, in its folder. */
export function startScript(file: string, env: Record<string, string>, name: string): Promise<RunningServer> {
  return spawnServer(name, [file], { cwd: path.dirname(file), env });
}

/** `node <args>` with HOST and PORT set to a free loopback port. */
async function spawnServer(
  name: string,
  args: string[],
  { cwd, env, stdout = 'ignore' }: { cwd: string; env: Record<string, string>; stdout?: 'ignore' | 'pipe' },
): Promise<RunningServer> {
  const port = await freePort();
  const spawnedAtWall = Date.now();
  const spawnedAt = performance.now();
  const child = start({
    name,
    command: process.execPath,
    args,
    cwd,
    env: { HOST: '127.0.0.1', PORT: String(port), ...env },
    stdout,
  });
  return { child, url: `http://127.0.0.1:${port}`, spawnedAt, spawnedAtWall };
}

/** Waits until the server answers 200 on `route`; fails with its output if it dies or never does. */
export async function untilAnswers(server: RunningServer, route: string, timeoutMs = 30_000): Promise<void> {
  const alive = () => server.child.process.exitCode === null && server.child.process.signalCode === null;
  try {
    await waitForStatus(server.url + route, { timeoutMs, everyMs: 20, isAlive: alive });
  } catch (error) {
    throw new Error(`${server.child.name}: ${(error as Error).message}\n${server.child.output()}`, { cause: error });
  }
}
