import path from 'node:path';
import test from 'ava';
import { tempDirs, treeHash } from '../helpers/tree.js';
import { Fixture } from './helpers/fixture.js';

/**
 * `npx plop upgrade` as CI runs it: the real plop with the copied generator's
 * plopfile and standard input closed, for its exit codes and its lines.
 */

const temp = tempDirs('upgrade-cli-test');
test.after.always(() => temp.cleanup());

const services = (f: Fixture) => treeHash(path.join(f.project, 'services'));

test('conflict: exit 1 with the summary; --check exits 1; --dry-run and --check write nothing', async (t) => {
  const f = new Fixture(temp.make());
  f.generate();
  f.edit('src/app.ts', (text) => `// yours\n${text}`);
  f.commitProject('Mine');
  f.editTemplate('src/app.ts', (text) => `// theirs\n${text}`);
  f.commitTemplate('Template: app.ts first line');

  const before = services(f);
  const dry = await f.plop('upgrade', 'demo', '--dry-run');
  t.is(dry.code, 0, dry.stderr);
  t.regex(dry.stdout, /conflict +src\/app\.ts \(1 conflict\)/);
  const behind = await f.plop('upgrade', 'demo', '--check');
  t.is(behind.code, 1, behind.stderr);
  t.regex(behind.stdout, /services\/demo is behind/);
  t.is(services(f), before);

  const run = await f.plop('upgrade', 'demo', '--skip-install');
  t.is(run.code, 1, run.stderr);
  t.regex(run.stdout, /What changed in the template:\n {2}- Template: app\.ts first line\n/);
  t.regex(run.stdout, /Conflicts in 1 file: src\/app\.ts\./);
  t.regex(run.stdout, /Next: resolve each <<<<<<< yours/);
  f.commitProject('Upgrade with a conflict');
  const markers = await f.plop('upgrade', 'demo', '--check');
  t.is(markers.code, 1);
  t.regex(markers.stdout, /unresolved conflict markers \(<<<<<<< yours\) in: src\/app\.ts/);

  f.edit('src/app.ts', (text) =>
    text.replace(/^<<<<<<< yours\n\/\/ yours\n\|\|\|\|\|\|\| .*\n=======\n(.*)\n>>>>>>> .*\n/, '$1\n'),
  );
  f.commitProject('Conflict resolved');
  const current = await f.plop('upgrade', 'demo', '--check');
  t.is(current.code, 0, current.stdout + current.stderr);
});

test('without a service, an old provenance without --from, or a dirty service: exit 2 and one line', async (t) => {
  const f = new Fixture(temp.make());
  f.generate();
  const missing = await f.plop('upgrade');
  t.is(missing.code, 2);
  t.is(missing.stderr, 'plop: missing service (no terminal to ask): run npx plop upgrade <service>\n');

  f.write('.generator.json', '{\n  "version": "0.1.0",\n  "command": "service",\n  "answers": { "name": "demo" }\n}\n');
  f.commitProject('Old provenance');
  const old = await f.plop('upgrade', 'demo');
  t.is(old.code, 2);
  t.is(old.stderr.trim().split('\n').length, 1, old.stderr);
  t.regex(old.stderr, /^upgrade: .*git log --oneline -- template\/.*--from <commit>\n$/);

  f.write('src/app.ts', 'dirty\n');
  const before = services(f);
  const dirty = await f.plop('upgrade', 'demo', '--from', f.first);
  t.is(dirty.code, 2);
  t.regex(dirty.stderr, /has uncommitted changes/);
  t.is(services(f), before);
});
