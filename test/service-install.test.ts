import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:os';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import nodePlop from 'node-plop';
import { registerGenerators } from '../generators/index.js';
import { PLOP_BIN, REPO } from './helpers/plop-bin.js';
import { TEMPLATE_DIR } from './helpers/service.js';
import { tempDirs } from './helpers/tree.js';

/**
 * `plop service <name>` with its install: the service appears only once
 * installed. The real command line runs the real npm against a registry on
 * loopback that this test controls: one that never answers (an install that
 * takes as long as the test wants) and one that refuses every package.
 */

const temp = tempDirs('service-install-test');
test.after.always(() => temp.cleanup());

/** Bounds a wait on a busy machine (npm starting, plop loading TypeScript); not a speed. */
const WAIT_MS = 120_000;

/** A registry on loopback that records requests and either never answers them or answers 404. */
async function registry(t: ExecutionContext, mode: 'hang' | 'not-found') {
  const requests: string[] = [];
  let firstRequest!: () => void;
  const requested = new Promise<void>((resolve) => (firstRequest = resolve));
  const server = http.createServer((request, response) => {
    requests.push(request.url ?? '');
    firstRequest();
    if (mode === 'not-found')
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not found"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests, requested };
}

interface Plop {
  pid: number;
  done: Promise<{ code: number; output: string }>;
}

/**
 * The real `npx plop --dest <root> ...`, in its own process group as a shell
 * runs a command, with npm pointed at `registryUrl` and an empty cache.
 */
function plop(t: ExecutionContext, root: string, registryUrl: string, ...args: string[]): Plop {
  const child = spawn(process.execPath, [PLOP_BIN, '--dest', root, ...args], {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NO_COLOR: '1',
      npm_config_registry: registryUrl,
      npm_config_cache: temp.make(),
      npm_config_fetch_retries: '0',
      npm_config_audit: 'false',
      npm_config_update_notifier: 'false',
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 4 * WAIT_MS);
  t.teardown(() => killGroup(child.pid!, 'SIGKILL'));
  const done = once(child, 'close').then(([code, signal]) => {
    clearTimeout(timer);
    // The status a shell reports: 128 + the signal's number when a signal ended it.
    return { code: (code as number | null) ?? 128 + constants.signals[signal as NodeJS.Signals], output };
  });
  return { pid: child.pid!, done };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Whether any process of the group (plop, npm) is still alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS)),
    ),
  ]).finally(() => clearTimeout(timer));
}

test('Ctrl-C during npm install: npm stops, nothing is left, and the same command then works', async (t) => {
  const npm = await registry(t, 'hang');
  const root = temp.make();
  const run = plop(t, root, npm.url, 'service', 'demo');
  await within(npm.requested, 'request from npm install');

  // Mid-install, the service is not there yet: only its hidden sibling is.
  t.false(existsSync(path.join(root, 'services/demo')));
  t.true(readdirSync(path.join(root, 'services')).some((entry) => entry.startsWith('.demo.partial-')));

  // Ctrl-C on a terminal signals the whole foreground group: plop and npm.
  killGroup(run.pid, 'SIGINT');
  const { code, output } = await within(run.done, 'exit after Ctrl-C');
  t.is(code, 130, output);
  t.regex(output, /interrupted: services\/demo was not created and nothing is left behind/);
  t.false(groupAlive(run.pid), 'npm was left running');
  t.deepEqual(readdirSync(root), [], 'nothing left behind, not even services/');

  const again = plop(t, root, npm.url, 'service', 'demo', '--skip-install');
  const second = await within(again.done, 'second run');
  t.is(second.code, 0, second.output);
  t.true(existsSync(path.join(root, 'services/demo/package.json')));
});

test('a service there without its dependencies: refused with the command that finishes it', async (t) => {
  const npm = await registry(t, 'hang');
  const root = temp.make();
  t.is((await within(plop(t, root, npm.url, 'service', 'demo', '--skip-install').done, 'first run')).code, 0);
  const { code, output } = await within(plop(t, root, npm.url, 'service', 'demo').done, 'second run');
  t.not(code, 0);
  t.regex(
    output,
    /services\/demo already exists; nothing was written\. Its dependencies are not installed: cd services\/demo && npm install/,
  );
  t.is(npm.requests.length, 0, 'no install started');
});

test('SIGTERM to plop alone during npm install: it stops npm and cleans up too', async (t) => {
  const npm = await registry(t, 'hang');
  const root = temp.make();
  mkdirSync(path.join(root, 'services'));
  writeFileSync(path.join(root, 'services/other.txt'), 'kept');
  const run = plop(t, root, npm.url, 'service', 'demo');
  await within(npm.requested, 'request from npm install');

  process.kill(run.pid, 'SIGTERM');
  const { code, output } = await within(run.done, 'exit after SIGTERM');
  t.is(code, 143, output);
  t.false(groupAlive(run.pid), 'npm was left running');
  t.deepEqual(readdirSync(path.join(root, 'services')), ['other.txt'], 'an existing services/ stays, with its files');
});

test('a failed install: exit 1, why in one line, nothing written', async (t) => {
  const npm = await registry(t, 'not-found');
  const root = temp.make();
  const { code, output } = await within(plop(t, root, npm.url, 'service', 'demo').done, 'exit');
  t.is(code, 1, output);
  t.regex(output, /npm install failed \(exit 1: .*404.*\); services\/demo was not created\./);
  t.regex(output, /or add --skip-install to write it without installing/);
  t.true(npm.requests.length > 0);
  t.deepEqual(readdirSync(root), []);
});

test('the install runs in the hidden sibling, which is renamed into place once it succeeds', async (t) => {
  const root = temp.make();
  const seen: { dir: string; targetExisted: boolean }[] = [];
  const plopApi = await nodePlop(undefined, { destBasePath: root, force: false });
  registerGenerators(plopApi, {
    dryRun: false,
    skipInstall: false,
    templateDir: TEMPLATE_DIR,
    generator: { name: 'x', version: '1.2.3' },
    install: async (dir) => {
      seen.push({ dir, targetExisted: existsSync(path.join(root, 'services/orders')) });
      mkdirSync(path.join(dir, 'node_modules'));
      writeFileSync(path.join(dir, 'node_modules/.installed'), 'yes');
    },
  });
  const result = await plopApi.getGenerator('service').runActions({ name: 'orders' });
  t.deepEqual(result.failures, []);
  t.is(seen.length, 1);
  t.regex(path.relative(root, seen[0]!.dir), /^services\/\.orders\.partial-[0-9a-f]{8}$/);
  t.false(seen[0]!.targetExisted);
  t.is(readFileSync(path.join(root, 'services/orders/node_modules/.installed'), 'utf8'), 'yes');
  t.deepEqual(readdirSync(path.join(root, 'services')), ['orders']);
  t.regex(result.changes[0]!.path, /^services\/orders: \d+ files written, dependencies installed$/);
});
