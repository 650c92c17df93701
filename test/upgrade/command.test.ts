import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { planModule } from '../../src/module-plan.js';
import { applyPlan } from '../../src/plan.js';
import { tempDirs, treeHash, treeSnapshot } from '../helpers/tree.js';
import { Fixture, type Extension } from './helpers/fixture.js';

/**
 * `upgrade` called as a function, on real git repositories: a copy of the
 * generator whose template changes between two commits, and a project holding
 * the service. Each test asserts the tree the upgrade leaves.
 */

const temp = tempDirs('upgrade-command-test');
test.after.always(() => temp.cleanup());

const fixture = () => new Fixture(temp.make());
const services = (f: Fixture) => treeHash(path.join(f.project, 'services'));
const HISTORY: Extension[] = [
  { checker: 'payments-api' },
  { model: 'LineItem', now: new Date('2026-12-02T03:04:05Z') },
];

/** Template changes of several kinds, committed: an edit, a new file, a removed file. */
function changeTemplate(f: Fixture): string {
  f.editTemplate('src/app.ts', (text) => `// The upgraded template.\n${text}`);
  f.writeTemplate('src/new-module.ts', 'export const added = true;\n');
  f.removeTemplate('src/safe-text.ts');
  f.editTemplate('src/checks/index.ts', (text) =>
    text.replace('  // plop:checkers', '  // A line the template adds next to the marker.\n  // plop:checkers'),
  );
  return f.commitTemplate('Template: a new module, app.ts annotated');
}

test('an untouched service upgraded is byte-identical to one generated from the new template; a second run writes nothing', async (t) => {
  const f = fixture();
  f.generate('demo', HISTORY);
  changeTemplate(f);
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  t.true(run.out.some((line) => /updated +src\/app\.ts/.test(line)));
  t.true(run.out.some((line) => /added +src\/new-module\.ts/.test(line)));
  t.true(run.out.some((line) => /deleted +src\/safe-text\.ts/.test(line)));
  t.true(run.out.includes('  - Template: a new module, app.ts annotated'), run.out.join('\n'));

  const fresh = temp.make();
  f.generate('demo', HISTORY, fresh);
  t.deepEqual(treeSnapshot(f.file('')), treeSnapshot(path.join(fresh, 'services/demo')));

  f.commitProject('Upgrade');
  const before = services(f);
  const second = await f.upgrade();
  t.is(second.code, 0, second.err.join('\n'));
  t.regex(second.out.join('\n'), /is current with template [0-9a-f]{7}; nothing written/);
  t.is(services(f), before);
});

test('your edit and the template edit far apart in one file: both present, exit 0', async (t) => {
  const f = fixture();
  f.generate();
  f.edit('README.md', (text) => `# My service\n\n${text}`);
  f.commitProject('My README');
  f.editTemplate('README.md', (text) => `${text}\nA paragraph the template adds at the end.\n`);
  f.commitTemplate('README: one more paragraph');
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  const readme = f.read('README.md');
  t.true(readme.startsWith('# My service\n'));
  t.true(readme.endsWith('A paragraph the template adds at the end.\n'));
  t.notRegex(readme, /^<<<<<<< /m);
  t.true(run.out.some((line) => /merged +README\.md/.test(line)));
});

test('the same lines edited on both sides: markers, every other file updated, exit 1; --check then exits 1', async (t) => {
  const f = fixture();
  f.generate();
  f.edit('src/checks/event-loop.ts', (text) => `// yours\n${text}`);
  f.commitProject('My first line');
  f.editTemplate('src/checks/event-loop.ts', (text) => `// theirs\n${text}`);
  f.editTemplate('src/app.ts', (text) => `${text}// theirs too\n`);
  const commit = f.commitTemplate('Template: first lines');
  const run = await f.upgrade();
  t.is(run.code, 1, [...run.out, ...run.err].join('\n'));
  const merged = f.read('src/checks/event-loop.ts');
  const short = f.first.slice(0, 7);
  t.true(
    merged.startsWith(
      `<<<<<<< yours\n// yours\n||||||| template ${short}\n=======\n// theirs\n>>>>>>> template ${commit.slice(0, 7)}\n`,
    ),
    merged.slice(0, 200),
  );
  t.true(f.read('src/app.ts').endsWith('// theirs too\n'));
  t.true(run.out.some((line) => line.startsWith('Conflicts in 1 file: src/checks/event-loop.ts')));
  t.true(run.out.some((line) => line.startsWith('Next: resolve each <<<<<<< yours')));

  f.commitProject('Upgrade, with a conflict');
  const before = services(f);
  const check = await f.upgrade({ check: true });
  t.is(check.code, 1);
  t.regex(check.out.join('\n'), /unresolved conflict markers \(<<<<<<< yours\) in: src\/checks\/event-loop\.ts/);
  t.is(services(f), before);
  const second = await f.upgrade();
  t.is(second.code, 0, second.err.join('\n'));
  t.regex(second.out.join('\n'), /nothing written/);
  t.is(services(f), before);
});

test('the same edit made on both sides: no conflict', async (t) => {
  const f = fixture();
  f.generate();
  const edit = (text: string) => text.replace('registerCheckers', 'registerCheckers /* same */');
  f.edit('src/checks/index.ts', edit);
  f.commitProject('My edit');
  f.editTemplate('src/checks/index.ts', edit);
  f.commitTemplate('The same edit');
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  t.is(f.read('src/checks/index.ts'), f.templateText('src/checks/index.ts'));
  t.false(run.out.some((line) => line.includes('conflict')));
});

test('a checker and a model added before, the template adding a line next to a marker: all present, markers once, no conflict', async (t) => {
  const f = fixture();
  f.generate('demo', HISTORY);
  f.edit('src/checks/index.ts', (text) =>
    text.replace('  // plop:checkers', '  // A line of yours above the marker.\n  // plop:checkers'),
  );
  f.commitProject('Mine');
  f.editTemplate('src/checks/index.ts', (text) =>
    text
      .replace('// plop:checker-imports', "import './template-import.js';\n// plop:checker-imports")
      .replace('  // plop:checkers', '  // A line the template adds.\n  // plop:checkers'),
  );
  f.commitTemplate('Template: a line above each marker');
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  const index = f.read('src/checks/index.ts');
  for (const line of [
    "import { createPaymentsApiChecker } from './payments-api.js';",
    "import './template-import.js';",
    'health.register(createPaymentsApiChecker());',
    '// A line of yours above the marker.',
    '// A line the template adds.',
  ]) {
    t.is(index.split(line).length, 2, `${line} once in:\n${index}`);
  }
  t.is(index.split('plop:checkers').length, 2);
  t.is(index.split('plop:checker-imports').length, 2);
  t.notRegex(index, /^<<<<<<< /m);
  t.true(existsSync(f.file('src/checks/payments-api.ts')));
  t.true(existsSync(f.file('src/models/line-item.ts')));
  t.true(existsSync(f.file('migrations/20261202030405_create_line_items.ts')));
  const provenance = JSON.parse(f.read('.generator.json')) as { history: unknown[] };
  t.deepEqual(provenance.history, [
    { generator: 'service', answers: { name: 'demo' } },
    { generator: 'checker', answers: { name: 'payments-api' } },
    { generator: 'model', answers: { name: 'LineItem', migration: '20261202030405_create_line_items.ts' } },
  ]);
});

test('a module added before, the template changing app.ts next to its marker: the module kept, no conflict', async (t) => {
  const f = fixture();
  f.generate('demo', HISTORY);
  const now = new Date('2026-12-02T04:00:00Z');
  applyPlan(planModule({ root: f.project, service: 'demo', name: 'Product', now }));
  f.commitProject('A products module');
  f.editTemplate('src/app.ts', (text) =>
    text.replace('    // plop:module-routers', '    // A router the template adds.\n    // plop:module-routers'),
  );
  f.commitTemplate('Template: a line above the routers marker');
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  const app = f.read('src/app.ts');
  for (const line of [
    "import { createProductsRouter } from './modules/products/routes.js';",
    'createProductsRouter(container.cradle, docs),',
    'createGreetingsRouter(container.cradle, docs),',
    '// A router the template adds.',
  ]) {
    t.is(app.split(line).length, 2, `${line} once in:\n${app}`);
  }
  t.notRegex(app, /^<<<<<<< /m);
  t.true(existsSync(f.file('src/modules/products/routes.ts')));
  t.true(existsSync(f.file('migrations/20261202040000_create_products.ts')));
  const provenance = JSON.parse(f.read('.generator.json')) as { history: unknown[] };
  t.deepEqual(provenance.history.at(-1), {
    generator: 'module',
    answers: { name: 'Product', migration: '20261202040000_create_products.ts' },
  });
});

test('a file you deleted that the template changed stays deleted and is reported', async (t) => {
  const f = fixture();
  f.generate();
  rmSync(f.file('Dockerfile'));
  f.commitProject('No Dockerfile');
  f.editTemplate('Dockerfile', (text) => `${text}# changed\n`);
  f.commitTemplate('Dockerfile changed');
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  t.false(existsSync(f.file('Dockerfile')));
  t.true(run.out.some((line) => /kept-deleted +Dockerfile/.test(line)));
});

test('a file the template removed: deleted when you never changed it, kept and reported when you did', async (t) => {
  const f = fixture();
  f.generate();
  f.edit('src/safe-text.ts', (text) => `${text}// mine\n`);
  f.commitProject('Mine');
  f.removeTemplate('src/safe-text.ts');
  f.removeTemplate('src/http/request-id.ts');
  f.commitTemplate('Two files removed');
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  t.false(existsSync(f.file('src/http/request-id.ts')));
  t.true(f.read('src/safe-text.ts').endsWith('// mine\n'));
  t.true(run.out.some((line) => /deleted +src\/http\/request-id\.ts/.test(line)));
  t.true(run.out.some((line) => /kept-modified +src\/safe-text\.ts/.test(line)));
});

test("a file the template renamed that you edited: moved, with your edit and the template's", async (t) => {
  const f = fixture();
  f.generate();
  f.edit('src/logger.ts', (text) => `// mine, at the top\n${text}`);
  f.commitProject('Mine');
  f.renameTemplate('src/logger.ts', 'src/logging/logger.ts');
  f.editTemplate('src/logging/logger.ts', (text) => `${text}// the template's, at the end\n`);
  f.commitTemplate('logger.ts moved');
  const run = await f.upgrade();
  t.is(run.code, 0, [...run.out, ...run.err].join('\n'));
  t.false(existsSync(f.file('src/logger.ts')));
  const moved = f.read('src/logging/logger.ts');
  t.true(moved.startsWith('// mine, at the top\n'));
  t.true(moved.endsWith("// the template's, at the end\n"));
  t.true(run.out.some((line) => line.includes('src/logging/logger.ts') && line.includes('moved from src/logger.ts')));
});

test('a binary file changed on both sides: yours kept, reported', async (t) => {
  const f = fixture();
  f.writeTemplate('assets/logo.bin', '');
  writeFileSync(path.join(f.templateDir, 'assets/logo.bin'), Buffer.from([0, 1, 2, 3]));
  f.commitTemplate('A binary asset');
  f.generate();
  writeFileSync(f.file('assets/logo.bin'), Buffer.from([0, 9, 9]));
  f.commitProject('My logo');
  writeFileSync(path.join(f.templateDir, 'assets/logo.bin'), Buffer.from([0, 7, 7, 7]));
  f.commitTemplate('A new logo');
  const run = await f.upgrade();
  t.deepEqual(readFileSync(f.file('assets/logo.bin')), Buffer.from([0, 9, 9]));
  t.is(run.code, 0, run.err.join('\n'));
  t.true(
    run.out.some((line) => /kept-modified +assets\/logo\.bin \(binary, changed on both sides: yours kept\)/.test(line)),
    run.out.join('\n'),
  );
});
