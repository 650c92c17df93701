import { readFileSync } from 'node:fs';
import test from 'ava';
import { CHECKER_IMPORTS_MARKER, CHECKERS_MARKER } from '../../src/checker-plan.js';
import { insertAtMarker } from '../../src/markers.js';
import { mergeTrees, similarity } from '../../src/upgrade/merge-tree.js';
import type { FileOutcome, Tree } from '../../src/upgrade/types.js';

const labels = { yours: 'yours', base: 'template 1a2b3c4', theirs: 'template 5d6e7f8' };
const tree = (files: Record<string, string | Buffer>): Tree => new Map(Object.entries(files));
const lines = (...list: string[]): string => list.map((line) => `${line}\n`).join('');
const ten = lines('one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten');

/** The one outcome for a path, so that each test reads as the rule it checks. */
function outcome(outcomes: FileOutcome[], path: string): FileOutcome {
  const found = outcomes.filter((entry) => entry.path === path);
  if (found.length !== 1) throw new Error(`${found.length} outcomes for ${path}`);
  return found[0]!;
}

test('a file the template did not change is unchanged, whatever you did to it', (t) => {
  const outcomes = mergeTrees({
    base: tree({ 'a.ts': ten, 'b.ts': ten, 'c.ts': ten }),
    theirs: tree({ 'a.ts': ten, 'b.ts': ten, 'c.ts': ten }),
    yours: tree({ 'a.ts': ten, 'b.ts': `${ten}eleven\n` }),
    labels,
  });
  t.deepEqual(outcomes, [
    { path: 'a.ts', status: 'unchanged' },
    { path: 'b.ts', status: 'unchanged' },
    { path: 'c.ts', status: 'unchanged' },
  ]);
});

test('a file you did not change takes the template’s; one already equal to it is unchanged', (t) => {
  const theirs = ten.replace('five', 'FIVE');
  const outcomes = mergeTrees({
    base: tree({ 'a.ts': ten, 'b.ts': ten }),
    theirs: tree({ 'a.ts': theirs, 'b.ts': theirs }),
    yours: tree({ 'a.ts': ten, 'b.ts': theirs }),
    labels,
  });
  t.deepEqual(outcome(outcomes, 'a.ts'), { path: 'a.ts', status: 'updated', content: theirs });
  t.deepEqual(outcome(outcomes, 'b.ts'), { path: 'b.ts', status: 'unchanged' });
});

test('changed on both sides: merged when apart, markers and a count when on the same lines', (t) => {
  const outcomes = mergeTrees({
    base: tree({ 'apart.ts': ten, 'same.ts': ten, 'equal.ts': ten }),
    theirs: tree({
      'apart.ts': ten.replace('nine', 'NINE'),
      'same.ts': ten.replace('five', 'template'),
      'equal.ts': ten.replace('five', 'FIVE'),
    }),
    yours: tree({
      'apart.ts': ten.replace('two', 'TWO'),
      'same.ts': ten.replace('five', 'mine'),
      'equal.ts': ten.replace('five', 'FIVE').replace('nine', 'NINE'),
    }),
    labels,
  });
  t.deepEqual(outcome(outcomes, 'apart.ts'), {
    path: 'apart.ts',
    status: 'merged',
    content: ten.replace('two', 'TWO').replace('nine', 'NINE'),
  });
  const same = outcome(outcomes, 'same.ts');
  t.is(same.status, 'conflict');
  t.is(same.conflicts, 1);
  t.is(
    same.content,
    ten.replace(
      'five\n',
      lines(
        '<<<<<<< yours',
        'mine',
        '||||||| template 1a2b3c4',
        'five',
        '=======',
        'template',
        '>>>>>>> template 5d6e7f8',
      ),
    ),
  );
  // The template's change was already in yours: the merge gives yours back.
  t.deepEqual(outcome(outcomes, 'equal.ts'), { path: 'equal.ts', status: 'unchanged' });
});

test('a file the template adds is added; one you already have the same is unchanged', (t) => {
  const outcomes = mergeTrees({
    base: tree({}),
    theirs: tree({ 'new.ts': ten, 'same.ts': ten }),
    yours: tree({ 'same.ts': ten }),
    labels,
  });
  t.deepEqual(outcomes, [
    { path: 'new.ts', status: 'added', content: ten },
    { path: 'same.ts', status: 'unchanged' },
  ]);
});

test('a file you created that the template now creates differently is merged against nothing, and said so', (t) => {
  const outcomes = mergeTrees({
    base: tree({}),
    theirs: tree({ 'docs/a.md': lines('# A', 'template') }),
    yours: tree({ 'docs/a.md': lines('# A', 'mine') }),
    labels,
  });
  const [result] = outcomes;
  t.is(result?.status, 'conflict');
  t.is(result?.conflicts, 1);
  t.is(
    result?.content,
    lines(
      '<<<<<<< yours',
      '# A',
      'mine',
      '||||||| template 1a2b3c4',
      '=======',
      '# A',
      'template',
      '>>>>>>> template 5d6e7f8',
    ),
  );
  t.regex(result?.note ?? '', /you created it; the template now creates it too/);
});

test('a file the template removed: deleted if untouched, kept if you changed it, nothing if already gone', (t) => {
  const other = lines('completely', 'different', 'content');
  const outcomes = mergeTrees({
    base: tree({ 'untouched.ts': ten, 'changed.ts': other, 'gone.ts': ten }),
    theirs: tree({}),
    yours: tree({ 'untouched.ts': ten, 'changed.ts': `${other}mine\n` }),
    labels,
  });
  t.deepEqual(outcomes, [
    { path: 'changed.ts', status: 'kept-modified', note: 'you changed it; the template removed it' },
    { path: 'gone.ts', status: 'unchanged' },
    { path: 'untouched.ts', status: 'deleted', remove: true },
  ]);
});

test('a file you deleted stays deleted when the template changed it, and is reported', (t) => {
  const outcomes = mergeTrees({
    base: tree({ 'a.ts': ten }),
    theirs: tree({ 'a.ts': ten.replace('one', 'ONE') }),
    yours: tree({}),
    labels,
  });
  t.deepEqual(outcomes, [{ path: 'a.ts', status: 'kept-deleted', note: 'you deleted it; the template changed it' }]);
});

test('a file the template renamed moves, with your changes merged into its new content', (t) => {
  const moved = ten.replace('nine', 'NINE');
  const outcomes = mergeTrees({
    base: tree({ 'src/old.ts': ten }),
    theirs: tree({ 'src/new.ts': moved }),
    yours: tree({ 'src/old.ts': ten.replace('two', 'TWO') }),
    labels,
  });
  t.deepEqual(outcomes, [
    {
      path: 'src/new.ts',
      status: 'merged',
      content: moved.replace('two', 'TWO'),
      movedFrom: 'src/old.ts',
      note: 'moved from src/old.ts by the template',
    },
  ]);
});

test('a renamed file you did not change moves as the template’s; one you changed on the same lines conflicts there', (t) => {
  const outcomes = mergeTrees({
    base: tree({ 'a.ts': ten, 'b.ts': lines('x', 'y', 'z', 'w') }),
    theirs: tree({ 'a2.ts': ten, 'b2.ts': lines('x', 'y', 'Z', 'w') }),
    yours: tree({ 'a.ts': ten, 'b.ts': lines('x', 'y', 'mine', 'w') }),
    labels,
  });
  t.deepEqual(outcome(outcomes, 'a2.ts'), {
    path: 'a2.ts',
    status: 'updated',
    content: ten,
    movedFrom: 'a.ts',
    note: 'moved from a.ts by the template',
  });
  const b2 = outcome(outcomes, 'b2.ts');
  t.is(b2.status, 'conflict');
  t.is(b2.movedFrom, 'b.ts');
  t.is(b2.conflicts, 1);
  t.is(outcomes.length, 2);
});

test('a renamed file you had deleted stays deleted, and the old path is not named for removal', (t) => {
  const outcomes = mergeTrees({ base: tree({ 'a.ts': ten }), theirs: tree({ 'b.ts': ten }), yours: tree({}), labels });
  t.deepEqual(outcomes, [
    { path: 'b.ts', status: 'kept-deleted', note: 'you deleted a.ts; the template moved it here' },
  ]);
});

test('a rename onto a path you already use is no move: the old file follows the removal rules, the new one is merged', (t) => {
  const outcomes = mergeTrees({
    base: tree({ 'a.ts': ten }),
    theirs: tree({ 'b.ts': ten }),
    yours: tree({ 'a.ts': ten, 'b.ts': lines('your own b') }),
    labels,
  });
  t.deepEqual(
    outcomes.map((entry) => [entry.path, entry.status, entry.movedFrom]),
    [
      ['a.ts', 'deleted', undefined],
      ['b.ts', 'conflict', undefined],
    ],
  );
});

test('renames pair one to one, the most similar first; a file too different is a removal and an addition', (t) => {
  const a = lines('a1', 'a2', 'a3', 'a4');
  const b = lines('b1', 'b2', 'b3', 'b4');
  const outcomes = mergeTrees({
    base: tree({ 'a.ts': a, 'b.ts': b }),
    // a3 keeps 3 of 4 lines of a (a rename); c shares only 1 of 4 lines with b (not one).
    theirs: tree({ 'a3.ts': a.replace('a4', 'A4'), 'c.ts': lines('b1', 'c2', 'c3', 'c4') }),
    yours: tree({ 'a.ts': a, 'b.ts': b }),
    labels,
  });
  t.deepEqual(
    outcomes.map((entry) => [entry.path, entry.status, entry.movedFrom]),
    [
      ['a3.ts', 'updated', 'a.ts'],
      ['b.ts', 'deleted', undefined],
      ['c.ts', 'added', undefined],
    ],
  );
});

test('similarity is the share of lines in common over the longer file, as git’s 50% rename threshold', (t) => {
  t.is(similarity(ten, ten), 1);
  t.is(similarity(lines('a', 'b', 'c'), lines('a', 'b', 'x')), 3 / 4); // the final empty line counts on both sides
  t.is(similarity(Buffer.from('x'), Buffer.from('y')), 0);
  t.is(similarity(Buffer.from('same'), 'same'), 1);
});

test('binary files: the template’s update taken, changed on both sides yours kept and reported', (t) => {
  const [one, two, three] = [Buffer.from([1, 0, 1]), Buffer.from([2, 0, 2]), Buffer.from([3, 0, 3])];
  const outcomes = mergeTrees({
    base: tree({ 'logo.png': one, 'icon.png': one }),
    theirs: tree({ 'logo.png': two, 'icon.png': two }),
    yours: tree({ 'logo.png': one, 'icon.png': three }),
    labels,
  });
  t.deepEqual(outcomes, [
    { path: 'icon.png', status: 'kept-modified', note: 'binary, changed on both sides: yours kept' },
    { path: 'logo.png', status: 'updated', content: two },
  ]);
});

test('package.json merges by key: conflicting keys keep yours, no markers, counted and named', (t) => {
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  const base = { name: 'orders', dependencies: { koa: '^2.15.0', pino: '^9.0.0' } };
  const outcomes = mergeTrees({
    base: tree({ 'package.json': json(base) }),
    theirs: tree({ 'package.json': json({ ...base, dependencies: { koa: '^2.16.0', pino: '^10.0.0' } }) }),
    yours: tree({
      'package.json': json({ ...base, dependencies: { koa: '^2.15.0', pino: '^9.5.0', undici: '^6.0.0' } }),
    }),
    labels,
  });
  t.deepEqual(outcomes, [
    {
      path: 'package.json',
      status: 'merged',
      content: json({ ...base, dependencies: { koa: '^2.16.0', pino: '^9.5.0', undici: '^6.0.0' } }),
      conflicts: 1,
      note: 'package.json: dependencies.pino changed on both sides: yours kept',
    },
  ]);
});

test('package.json changed on both sides without conflict is merged, with no count', (t) => {
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  const base = { name: 'orders', scripts: { test: 'ava' } };
  const [result] = mergeTrees({
    base: tree({ 'package.json': json(base) }),
    theirs: tree({ 'package.json': json({ ...base, scripts: { test: 'ava', lint: 'eslint .' } }) }),
    yours: tree({ 'package.json': json({ ...base, private: true }) }),
    labels,
  });
  t.deepEqual(result, {
    path: 'package.json',
    status: 'merged',
    content: json({ ...base, scripts: { test: 'ava', lint: 'eslint .' }, private: true }),
  });
});

test('.generator.json, package-lock.json and files only in yours are never listed', (t) => {
  const outcomes = mergeTrees({
    base: tree({ '.generator.json': '{}', 'package-lock.json': '{"a":1}' }),
    theirs: tree({ '.generator.json': '{"b":2}', 'package-lock.json': '{"a":2}' }),
    yours: tree({ '.generator.json': '{}', 'package-lock.json': '{"a":1}', 'src/mine.ts': ten }),
    labels,
  });
  t.deepEqual(outcomes, []);
});

test('outcomes are sorted by path and the same for the same trees, whatever the map order', (t) => {
  const files = { 'z.ts': ten, 'a/b.ts': ten, 'm.ts': ten };
  const theirs = { 'z.ts': `${ten}z\n`, 'a/b.ts': `${ten}b\n`, 'm.ts': `${ten}m\n` };
  const forward = mergeTrees({ base: tree(files), theirs: tree(theirs), yours: tree(files), labels });
  const reversed = mergeTrees({
    base: new Map(Object.entries(files).reverse()),
    theirs: new Map(Object.entries(theirs).reverse()),
    yours: new Map(Object.entries(files).reverse()),
    labels,
  });
  t.deepEqual(
    forward.map((entry) => entry.path),
    ['a/b.ts', 'm.ts', 'z.ts'],
  );
  t.deepEqual(reversed, forward);
});

test('an unreadable package.json of yours stops the merge with the reason', (t) => {
  t.throws(
    () =>
      mergeTrees({
        base: tree({ 'package.json': '{"a":1}\n' }),
        theirs: tree({ 'package.json': '{"a":2}\n' }),
        yours: tree({ 'package.json': '{"a":' }),
        labels,
      }),
    { message: /package\.json is not valid JSON/ },
  );
});

/**
 * The realistic marker case: the command renders base and theirs with the
 * service's history replayed (here two checkers added with `npx plop
 * checker`), so the history's lines are on all three sides, and only the
 * template's own change and yours differ.
 */
test('marker blocks keep every line, each marker once, when the template adds lines next to them', (t) => {
  const file = 'src/checks/index.ts';
  const template = readFileSync(new URL('../../template/src/checks/index.ts', import.meta.url), 'utf8');
  const withHistory = (content: string): string => {
    let result = content;
    for (const name of ['payments-api', 'queue']) {
      const factory = `create${name === 'queue' ? 'Queue' : 'PaymentsApi'}Checker`;
      result = insertAtMarker(result, CHECKER_IMPORTS_MARKER, `import { ${factory} } from './${name}.js';`, file);
      result = insertAtMarker(result, CHECKERS_MARKER, `health.register(${factory}());`, file);
    }
    return result;
  };
  // The new template imports and registers a new checker of its own, just above the markers.
  const newTemplate = insertAtMarker(
    insertAtMarker(template, CHECKER_IMPORTS_MARKER, "import { createDiskChecker } from './disk.js';", file),
    CHECKERS_MARKER,
    'health.register(createDiskChecker());',
    file,
  );
  const base = withHistory(template);
  const theirs = withHistory(newTemplate);
  // Your own edits: a word in the doc comment, and a checker wired by hand where the generator would put it.
  const yourEdits = (content: string): string =>
    insertAtMarker(
      insertAtMarker(
        content.replace('Every readiness check of the service', 'Every readiness check of the orders service'),
        CHECKER_IMPORTS_MARKER,
        "import { createCacheChecker } from './cache.js';",
        file,
      ),
      CHECKERS_MARKER,
      'health.register(createCacheChecker());',
      file,
    );
  const yours = yourEdits(base);
  t.true(yours.includes('the orders service'), 'the template still has the comment this test edits');

  const [result] = mergeTrees({
    base: tree({ [file]: base }),
    theirs: tree({ [file]: theirs }),
    yours: tree({ [file]: yours }),
    labels,
  });
  t.is(result?.status, 'merged');
  // Everything of both sides, in the generator's order, each marker once.
  t.is(result?.content, yourEdits(theirs));
  const merged = String(result?.content);
  for (const marker of [CHECKER_IMPORTS_MARKER, CHECKERS_MARKER]) t.is(merged.split(marker).length - 1, 1, marker);
});

test('the same template change next to a marker, with a checker you added there by hand, conflicts as git would', (t) => {
  const base = lines('a();', '// plop:checkers', '}');
  const outcomes = mergeTrees({
    base: tree({ 'index.ts': base }),
    theirs: tree({ 'index.ts': lines('a();', 'template();', '// plop:checkers', '}') }),
    yours: tree({ 'index.ts': lines('a();', 'mine();', '// plop:checkers', '}') }),
    labels,
  });
  const merged = String(outcomes[0]?.content);
  t.is(outcomes[0]?.status, 'conflict');
  // Both lines are there to choose from, and the marker is still there once, outside the conflict.
  t.true(merged.includes('mine();\n') && merged.includes('template();\n'));
  t.is(merged.split('// plop:checkers').length - 1, 1);
});
