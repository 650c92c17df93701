import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';

/**
 * `npm start` builds first (`prestart`), so a first start works with no
 * `dist/`; the build must then cost nothing when nothing changed, and rebuild
 * when a source did. Run on a copy: the service's own `dist/` is left alone.
 */

const TEMPLATE_DIR = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);

/** The node_modules that holds the compiler: the service's own, or a workspace root's. */
function nodeModules(): string {
  for (const dir of [TEMPLATE_DIR, path.dirname(TEMPLATE_DIR)]) {
    if (existsSync(path.join(dir, 'node_modules/typescript'))) return path.join(dir, 'node_modules');
  }
  throw new Error('typescript not installed');
}

test('prestart builds when dist is missing, leaves an up-to-date build alone, rebuilds a changed source', async (t) => {
  const pkg = JSON.parse(readFileSync(path.join(TEMPLATE_DIR, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  t.is(pkg.scripts.prestart, 'npm run build');

  const dir = mkdtempSync(path.join(os.tmpdir(), 'build-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const entry of ['src', 'migrations', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(path.join(TEMPLATE_DIR, entry), path.join(dir, entry), { recursive: true });
  }
  symlinkSync(nodeModules(), path.join(dir, 'node_modules'), 'dir');
  // A busy machine may take a minute to compile; a bound on a hang, not a speed.
  const build = () => run('npm', ['run', 'build'], { cwd: dir, timeout: 300_000 });
  const server = path.join(dir, 'dist/src/server.js');
  const buildInfo = path.join(dir, 'dist/.tsbuildinfo');

  await build();
  t.true(existsSync(server));
  const built = { server: statSync(server).mtimeMs, buildInfo: statSync(buildInfo).mtimeMs };

  await build();
  t.deepEqual(
    { server: statSync(server).mtimeMs, buildInfo: statSync(buildInfo).mtimeMs },
    built,
    'the second build wrote nothing',
  );

  appendFileSync(path.join(dir, 'src/server.ts'), '\n// changed\n');
  await build();
  t.true(readFileSync(server, 'utf8').includes('// changed'));
});
