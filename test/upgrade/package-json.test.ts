import { existsSync, readFileSync } from 'node:fs';
import test from 'ava';
import { tempDirs } from '../helpers/tree.js';
import { Fixture } from './helpers/fixture.js';

/** package.json merged by key, npm install only when dependencies changed, the lockfile never merged. */

const temp = tempDirs('upgrade-package-json-test');
test.after.always(() => temp.cleanup());

type Pkg = {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const json = (text: string) => JSON.parse(text) as Pkg;
const edit = (f: Fixture, change: (pkg: Pkg) => void) =>
  f.edit('package.json', (text) => {
    const pkg = json(text);
    change(pkg);
    return `${JSON.stringify(pkg, null, 2)}\n`;
  });
const editTemplate = (f: Fixture, change: (pkg: Pkg) => void) =>
  f.editTemplate('package.json', (text) => {
    const pkg = json(text);
    change(pkg);
    return `${JSON.stringify(pkg, null, 2)}\n`;
  });

const LOCKFILE = '{\n  "name": "demo",\n  "lockfileVersion": 3,\n  "packages": {}\n}\n';

test('a template bump, your added dependency and your bump of another all land; npm install runs; the lockfile is untouched', async (t) => {
  const f = new Fixture(temp.make());
  f.generate();
  f.write('package-lock.json', LOCKFILE);
  edit(f, (pkg) => {
    pkg.dependencies['left-pad'] = '^1.3.0';
    pkg.dependencies.zod = '^4.9.0';
  });
  f.commitProject('My dependencies');
  editTemplate(f, (pkg) => {
    pkg.dependencies.pino = '^10.9.0';
  });
  f.commitTemplate('Template: pino 10.9');
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  const pkg = json(f.read('package.json'));
  t.is(pkg.dependencies.pino, '^10.9.0');
  t.is(pkg.dependencies['left-pad'], '^1.3.0');
  t.is(pkg.dependencies.zod, '^4.9.0');
  t.deepEqual(run.installs, [f.file('')]);
  t.true(run.out.includes('npm install: ran, dependencies changed.'));
  t.is(f.read('package-lock.json'), LOCKFILE);
});

test('the same dependency bumped differently on both sides: yours kept, reported, exit 1', async (t) => {
  const f = new Fixture(temp.make());
  f.generate();
  edit(f, (pkg) => {
    pkg.dependencies.koa = '^3.4.0';
  });
  f.commitProject('koa 3.4');
  editTemplate(f, (pkg) => {
    pkg.dependencies.koa = '^3.5.0';
    pkg.dependencies.pino = '^10.9.0';
  });
  f.commitTemplate('Template: koa 3.5, pino 10.9');
  const run = await f.upgrade();
  t.is(run.code, 1, [...run.out, ...run.err].join('\n'));
  const pkg = json(f.read('package.json'));
  t.is(pkg.dependencies.koa, '^3.4.0');
  t.is(pkg.dependencies.pino, '^10.9.0');
  t.true(
    run.out.some((line) => line.includes('package.json') && /1 conflict/.test(line)),
    run.out.join('\n'),
  );
  t.true(run.out.some((line) => line.startsWith('Conflicts in 1 file: package.json')));
});

test('npm install does not run when only scripts or source changed, nor with --skip-install', async (t) => {
  const f = new Fixture(temp.make());
  f.generate();
  editTemplate(f, (pkg) => {
    pkg.scripts.extra = 'echo extra';
  });
  f.editTemplate('src/app.ts', (text) => `${text}// more\n`);
  f.commitTemplate('Template: a script');
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  t.is(json(f.read('package.json')).scripts.extra, 'echo extra');
  t.deepEqual(run.installs, []);
  t.true(run.out.includes('npm install: not needed (dependencies unchanged).'));
  t.false(existsSync(f.file('package-lock.json')), 'no lockfile made');

  f.commitProject('Upgrade');
  editTemplate(f, (pkg) => {
    pkg.devDependencies.ava = '^7.1.0';
  });
  f.commitTemplate('Template: ava 7.1');
  const skipped = await f.upgrade({ skipInstall: true });
  t.is(skipped.code, 0, skipped.err.join('\n'));
  t.deepEqual(skipped.installs, []);
  t.true(skipped.out.includes('npm install: skipped (--skip-install): run npm install in services/demo.'));
  t.is(json(readFileSync(f.file('package.json'), 'utf8')).devDependencies.ava, '^7.1.0');
});
