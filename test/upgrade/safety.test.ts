import { readFileSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { tempDirs, treeHash, treeSnapshot } from '../helpers/tree.js';
import { Fixture } from './helpers/fixture.js';

/** What an upgrade refuses, what it leaves untouched, and how it undoes a failed write. */

const temp = tempDirs('upgrade-safety-test');
test.after.always(() => temp.cleanup());

const services = (f: Fixture) => treeHash(path.join(f.project, 'services'));

/** A service behind its template by an edit, a new file and a removed file. */
function behind(): Fixture {
  const f = new Fixture(temp.make());
  f.generate();
  f.edit('src/app.ts', (text) => `// mine\n${text}`);
  f.commitProject('Mine');
  f.editTemplate('src/app.ts', (text) => `${text}// theirs\n`);
  f.editTemplate('README.md', (text) => `${text}\nMore.\n`);
  f.writeTemplate('src/new-module.ts', 'export const added = true;\n');
  f.removeTemplate('src/safe-text.ts');
  f.commitTemplate('Template changes');
  return f;
}

test('--dry-run prints one status per file and the counts, and leaves the tree as it was', async (t) => {
  const f = behind();
  const before = services(f);
  const run = await f.upgrade({ dryRun: true });
  t.is(run.code, 0, run.err.join('\n'));
  t.is(services(f), before);
  const lines = run.out.join('\n');
  t.regex(lines, /merged +src\/app\.ts/);
  t.regex(lines, /updated +README\.md/);
  t.regex(lines, /added +src\/new-module\.ts/);
  t.regex(lines, /deleted +src\/safe-text\.ts/);
  t.regex(lines, /updated +\.generator\.json/);
  t.false(/unchanged +/.test(lines));
  t.regex(lines, /Counts: \d+ unchanged, 1 updated, 1 merged, 1 added, 1 deleted\./);
});

test('--check: exit 1 and why when behind, nothing written; exit 0 once upgraded', async (t) => {
  const f = behind();
  const before = services(f);
  const check = await f.upgrade({ check: true });
  t.is(check.code, 1);
  t.regex(check.out[0]!, /^services\/demo is behind: template [0-9a-f]{7} → [0-9a-f]{7}; run npx plop upgrade demo\.$/);
  t.is(services(f), before);
  t.is((await f.upgrade()).code, 0);
  f.commitProject('Upgrade');
  const after = services(f);
  const current = await f.upgrade({ check: true });
  t.is(current.code, 0, current.out.join('\n'));
  t.regex(current.out[0]!, /is current with template/);
  t.is(services(f), after);
});

test('a commit elsewhere in the generator does not make the service behind', async (t) => {
  const f = new Fixture(temp.make());
  f.generate();
  writeFileSync(path.join(f.generator, 'NOTES.md'), 'not the template\n');
  f.commitTemplate('Notes outside the template');
  t.is((await f.upgrade({ check: true })).code, 0);
  t.is((await f.upgrade()).code, 0);
});

test('uncommitted changes in the service are refused; changes elsewhere in the project are not', async (t) => {
  const f = behind();
  f.edit('src/config.ts', (text) => `${text}// not committed\n`);
  const before = services(f);
  const refused = await f.upgrade();
  t.is(refused.code, 2);
  t.regex(
    refused.err.join('\n'),
    /services\/demo has uncommitted changes \(1: M services\/demo\/src\/config\.ts\); commit or stash them first/,
  );
  t.is(services(f), before);

  f.commitProject('Committed');
  writeFileSync(path.join(f.project, 'README.md'), 'dirt elsewhere\n');
  writeFileSync(path.join(f.project, 'untracked.txt'), 'more dirt\n');
  const run = await f.upgrade();
  t.is(run.code, 0, run.err.join('\n'));
  t.true(f.read('src/app.ts').endsWith('// theirs\n'));
});

test('a write that fails half way: every file is restored, exit 2', async (t) => {
  const f = behind();
  const before = treeSnapshot(path.join(f.project, 'services'));
  let writes = 0;
  const failing = {
    rmSync: fs.rmSync,
    writeFileSync: ((...args: Parameters<typeof fs.writeFileSync>) => {
      // The third write fails: by then a file was added, one deleted and one changed.
      if (++writes === 3) throw new Error('ENOSPC: no space left on device (injected)');
      fs.writeFileSync(...args);
    }) as typeof fs.writeFileSync,
  };
  const run = await f.upgrade({ fs: failing });
  t.is(run.code, 2);
  t.regex(run.err.join('\n'), /injected/);
  t.true(writes >= 3);
  t.deepEqual(treeSnapshot(path.join(f.project, 'services')), before);
});

test('a provenance of 0.1.0 is refused with the hint, and upgrades with --from', async (t) => {
  const f = behind();
  const provenance = f.file('.generator.json');
  writeFileSync(
    provenance,
    `${JSON.stringify({ generator: 'koa-service-generator', version: '0.1.0', generatedAt: '2026-11-28T10:00:00.000Z', command: 'service', answers: { name: 'demo' } }, null, 2)}\n`,
  );
  f.commitProject('As 0.1.0 wrote it');
  const before = services(f);
  const refused = await f.upgrade();
  t.is(refused.code, 2);
  t.is(refused.err.length, 1);
  t.regex(refused.err[0]!, /records no template commit/);
  t.regex(refused.err[0]!, /git log --oneline -- template\//);
  t.regex(refused.err[0]!, /npx plop upgrade demo --from <commit>/);
  t.is(services(f), before);

  const run = await f.upgrade({ from: f.first.slice(0, 9) });
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  t.true(f.read('src/app.ts').startsWith('// mine\n'));
  t.true(f.read('src/app.ts').endsWith('// theirs\n'));
  const upgraded = JSON.parse(readFileSync(provenance, 'utf8')) as { template: { commit: string }; history: unknown[] };
  t.is(upgraded.template.commit, (await import('./helpers/fixture.js')).git(f.generator, 'rev-parse', 'HEAD'));
  t.deepEqual(upgraded.history, [{ generator: 'service', answers: { name: 'demo' } }]);
  f.commitProject('Upgraded');
  t.is((await f.upgrade({ check: true })).code, 0);
});

test('a base that does not reproduce the recorded files is refused with the hint', async (t) => {
  const f = behind();
  f.edit('.generator.json', (text) => text.replace(/"README\.md": "[0-9a-f]+"/, `"README.md": "${'0'.repeat(64)}"`));
  f.commitProject('A wrong hash');
  const before = services(f);
  const run = await f.upgrade();
  t.is(run.code, 2);
  t.regex(
    run.err.join('\n'),
    /does not reproduce the files recorded in services\/demo\/\.generator\.json \(1 differ: README\.md\).*--from <commit>/,
  );
  t.is(services(f), before);
});

test('a commit that does not exist is refused; a bad or missing service too', async (t) => {
  const f = behind();
  const unknown = await f.upgrade({ from: 'deadbeef' });
  t.is(unknown.code, 2);
  t.regex(unknown.err.join('\n'), /commit deadbeef is not in the repository/);
  const missing = await f.upgrade({}, 'nope');
  t.is(missing.code, 2);
  t.regex(missing.err.join('\n'), /no service at services\/nope/);
  const bad = await f.upgrade({}, '../x');
  t.is(bad.code, 2);
  t.regex(bad.err.join('\n'), /service name "\.\.\/x" is invalid/);
});

test('a service git does not track (ignored) is refused: nothing could show or undo the upgrade', async (t) => {
  const f = new Fixture(temp.make());
  writeFileSync(path.join(f.project, '.gitignore'), 'services/\n');
  f.generate();
  f.editTemplate('src/app.ts', (text) => `${text}// theirs\n`);
  f.commitTemplate('Template change');
  const before = services(f);
  const run = await f.upgrade();
  t.is(run.code, 2);
  t.regex(run.err.join('\n'), /services\/demo is not committed to git \(never added, or ignored\)/);
  t.is(services(f), before);
});

test('a template with uncommitted changes: the upgrade warns and records no commit, so the next one needs --from', async (t) => {
  const f = new Fixture(temp.make());
  f.generate();
  f.editTemplate('src/app.ts', (text) => `${text}// not committed in the generator\n`);
  const run = await f.upgrade();
  t.is(run.code, 0, run.err.join('\n'));
  t.true(run.out.some((line) => line.startsWith('Warning: template/ has uncommitted changes')));
  t.true(run.out.some((line) => line.startsWith('Upgraded services/demo from ') && line.endsWith(' to working tree.')));
  const provenance = JSON.parse(f.read('.generator.json')) as { template: object };
  t.deepEqual(provenance.template, {});
  f.commitProject('Upgraded from a dirty template');
  const next = await f.upgrade();
  t.is(next.code, 2);
  t.regex(next.err.join('\n'), /records no template commit/);
});
