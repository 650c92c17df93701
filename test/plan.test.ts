import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { PlanError, applyPlan, checkPlan, resolveInside, type Plan } from '../src/plan.js';
import { tempDirs, treeHash, treeSnapshot } from './helpers/tree.js';

const temp = tempDirs('plan-test');
test.after.always(() => temp.cleanup());

/** A root with `services/` and one existing file, `services/existing.txt`. */
function root(): string {
  const dir = temp.make();
  mkdirSync(path.join(dir, 'services'));
  writeFileSync(path.join(dir, 'services/existing.txt'), 'before\n');
  return dir;
}

const stagingLeft = (dir: string) => readdirSync(dir).filter((name) => name.includes('.staging-'));

test('a new directory is written whole, with modes, and no staging directory is left', (t) => {
  const dir = root();
  const plan: Plan = {
    root: dir,
    newDirectory: 'services/orders',
    changes: [
      { type: 'add', path: 'services/orders/package.json', content: '{"name":"orders"}\n' },
      { type: 'add', path: 'services/orders/src/deep/a.ts', content: 'export {};\n' },
      { type: 'add', path: 'services/orders/bin/run.sh', content: '#!/bin/sh\n', mode: 0o755 },
      { type: 'add', path: 'services/orders/blob.bin', content: Buffer.from([0, 1, 2, 255]) },
    ],
  };
  const written = applyPlan(plan);
  t.deepEqual(
    written,
    plan.changes.map((change) => change.path),
  );
  t.is(readFileSync(path.join(dir, 'services/orders/package.json'), 'utf8'), '{"name":"orders"}\n');
  t.is(readFileSync(path.join(dir, 'services/orders/src/deep/a.ts'), 'utf8'), 'export {};\n');
  t.deepEqual(readFileSync(path.join(dir, 'services/orders/blob.bin')), Buffer.from([0, 1, 2, 255]));
  t.is(statSync(path.join(dir, 'services/orders/bin/run.sh')).mode & 0o111, 0o111);
  t.deepEqual(stagingLeft(path.join(dir, 'services')), []);
  t.deepEqual(readdirSync(path.join(dir, 'services')).sort(), ['existing.txt', 'orders']);
});

test('a new directory that fails half way is not created, and its staging directory is removed', (t) => {
  const dir = root();
  const before = treeSnapshot(dir);
  const plan: Plan = {
    root: dir,
    newDirectory: 'services/orders',
    changes: [
      { type: 'add', path: 'services/orders/a', content: 'a file' },
      // `a` is a file: its "directory" cannot be made, after the first file was written.
      { type: 'add', path: 'services/orders/a/b', content: 'under a file' },
    ],
  };
  t.throws(() => applyPlan(plan));
  t.false(existsSync(path.join(dir, 'services/orders')));
  t.deepEqual(treeSnapshot(dir), before);
});

test('a new directory refuses a modify change and writes nothing', (t) => {
  const dir = root();
  const before = treeHash(dir);
  const plan: Plan = {
    root: dir,
    newDirectory: 'services/orders',
    changes: [
      { type: 'add', path: 'services/orders/a.txt', content: 'a' },
      { type: 'modify', path: 'services/existing.txt', before: 'before\n', content: 'after\n' },
    ],
  };
  t.throws(() => applyPlan(plan), { instanceOf: PlanError, message: /cannot modify services\/existing.txt/ });
  t.is(treeHash(dir), before);
});

for (const existing of ['empty', 'with a file']) {
  test(`an existing target directory (${existing}) is refused and nothing is written`, (t) => {
    const dir = root();
    mkdirSync(path.join(dir, 'services/orders'));
    if (existing !== 'empty') writeFileSync(path.join(dir, 'services/orders/keep.txt'), 'mine');
    const before = treeHash(dir);
    const plan: Plan = {
      root: dir,
      newDirectory: 'services/orders',
      changes: [{ type: 'add', path: 'services/orders/new.txt', content: 'new' }],
    };
    t.throws(() => applyPlan(plan), {
      instanceOf: PlanError,
      message: 'services/orders already exists; nothing was written',
    });
    t.is(treeHash(dir), before);
  });
}

test('an add in place is written, creating its directories', (t) => {
  const dir = root();
  const written = applyPlan({
    root: dir,
    changes: [
      { type: 'add', path: 'services/x/y/new.txt', content: 'new\n' },
      { type: 'modify', path: 'services/existing.txt', before: 'before\n', content: 'after\n' },
    ],
  });
  t.deepEqual(written, ['services/x/y/new.txt', 'services/existing.txt']);
  t.is(readFileSync(path.join(dir, 'services/x/y/new.txt'), 'utf8'), 'new\n');
  t.is(readFileSync(path.join(dir, 'services/existing.txt'), 'utf8'), 'after\n');
});

test('an add over an existing file is refused and nothing is written', (t) => {
  const dir = root();
  const before = treeHash(dir);
  const plan: Plan = {
    root: dir,
    changes: [
      { type: 'add', path: 'services/fresh.txt', content: 'fresh' },
      { type: 'add', path: 'services/existing.txt', content: 'overwritten' },
    ],
  };
  t.throws(() => applyPlan(plan), {
    instanceOf: PlanError,
    message: 'services/existing.txt already exists; nothing was written',
  });
  t.is(treeHash(dir), before);
  t.is(readFileSync(path.join(dir, 'services/existing.txt'), 'utf8'), 'before\n');
});

test('a modify of a file changed since planning is refused and nothing is written', (t) => {
  const dir = root();
  const plan: Plan = {
    root: dir,
    changes: [
      { type: 'add', path: 'services/fresh.txt', content: 'fresh' },
      { type: 'modify', path: 'services/existing.txt', before: 'before\n', content: 'after\n' },
    ],
  };
  t.notThrows(() => checkPlan(plan));
  writeFileSync(path.join(dir, 'services/existing.txt'), 'edited by someone\n');
  const before = treeHash(dir);
  t.throws(() => applyPlan(plan), {
    instanceOf: PlanError,
    message: 'services/existing.txt changed while the generator ran; nothing was written',
  });
  t.is(treeHash(dir), before);
});

test('a modify of a file deleted since planning is refused', (t) => {
  const dir = root();
  const plan: Plan = {
    root: dir,
    changes: [{ type: 'modify', path: 'services/gone.txt', before: 'x', content: 'y' }],
  };
  const before = treeHash(dir);
  t.throws(() => applyPlan(plan), {
    instanceOf: PlanError,
    message: /services\/gone.txt changed while the generator ran/,
  });
  t.is(treeHash(dir), before);
});

test('every problem of a plan is reported in one message', (t) => {
  const dir = root();
  mkdirSync(path.join(dir, 'services/orders'));
  const error = t.throws(() =>
    checkPlan({
      root: dir,
      changes: [
        { type: 'add', path: 'services/existing.txt', content: '' },
        { type: 'modify', path: 'services/missing.txt', before: '', content: 'x' },
      ],
    }),
  );
  t.regex(error.message, /services\/existing.txt already exists; services\/missing.txt changed/);
});

test('resolveInside returns the absolute path of a path inside the root', (t) => {
  const dir = root();
  t.is(resolveInside(dir, 'services/a/b.txt'), path.join(dir, 'services/a/b.txt'));
  t.is(resolveInside(dir, 'services/../services/a'), path.join(dir, 'services/a'));
  t.is(resolveInside(dir, path.join(dir, 'inside.txt')), path.join(dir, 'inside.txt'));
});

for (const escape of ['../x', 'services/../../x', '..', '', '.', '/etc/passwd', '/tmp']) {
  test(`resolveInside refuses ${JSON.stringify(escape)}`, (t) => {
    const dir = root();
    t.throws(() => resolveInside(dir, escape), { instanceOf: PlanError, message: /is outside/ });
  });
}

test('resolveInside refuses a sibling directory whose name starts with the root name', (t) => {
  const dir = root();
  t.throws(() => resolveInside(dir, `${dir}-sibling/x`), { instanceOf: PlanError });
});

for (const plan of [
  { changes: [{ type: 'add', path: '../escaped.txt', content: 'x' }] },
  { changes: [{ type: 'add', path: '/tmp/escaped-by-plan-test.txt', content: 'x' }] },
  { newDirectory: '../escaped', changes: [{ type: 'add', path: '../escaped/a.txt', content: 'x' }] },
  { newDirectory: 'services/orders', changes: [{ type: 'add', path: 'elsewhere/a.txt', content: 'x' }] },
] as Omit<Plan, 'root'>[]) {
  test(`a plan escaping its root is refused: ${JSON.stringify(plan)}`, (t) => {
    const parent = temp.make();
    const dir = path.join(parent, 'root');
    mkdirSync(path.join(dir, 'services'), { recursive: true });
    const before = treeHash(parent);
    t.throws(() => applyPlan({ root: dir, ...plan }), { instanceOf: PlanError });
    t.is(treeHash(parent), before);
    t.false(existsSync('/tmp/escaped-by-plan-test.txt'));
  });
}

test('an in-place plan whose second write fails removes the first and leaves the tree unchanged', (t) => {
  const dir = root();
  mkdirSync(path.join(dir, 'services/orders/src'), { recursive: true });
  // A file where the next add needs a directory: checkPlan cannot see it, the write fails.
  writeFileSync(path.join(dir, 'services/orders/src/blocked'), 'a file, not a directory');
  const before = treeSnapshot(dir);
  const plan: Plan = {
    root: dir,
    changes: [
      { type: 'add', path: 'services/orders/src/first.ts', content: 'first' },
      { type: 'modify', path: 'services/existing.txt', before: 'before\n', content: 'after\n' },
      { type: 'add', path: 'services/orders/src/blocked/second.ts', content: 'second' },
    ],
  };
  t.notThrows(() => checkPlan(plan));
  t.throws(() => applyPlan(plan));
  t.deepEqual(treeSnapshot(dir), before);
});

test('an in-place plan failing after a modify restores the modified file and removes the added one', (t) => {
  const dir = root();
  writeFileSync(path.join(dir, 'services/second.txt'), 'second before\n');
  const before = treeSnapshot(dir);
  const plan: Plan = {
    root: dir,
    changes: [
      { type: 'add', path: 'services/added.txt', content: 'added' },
      { type: 'modify', path: 'services/existing.txt', before: 'before\n', content: 'after\n' },
      // Content that cannot be written: the second modify throws after the first was applied.
      { type: 'modify', path: 'services/second.txt', before: 'second before\n', content: 42 as unknown as string },
    ],
  };
  t.notThrows(() => checkPlan(plan));
  t.throws(() => applyPlan(plan));
  t.deepEqual(treeSnapshot(dir), before);
  t.is(readFileSync(path.join(dir, 'services/existing.txt'), 'utf8'), 'before\n');
});

test('a failed in-place plan leaves no directory it created', (t) => {
  const dir = root();
  writeFileSync(path.join(dir, 'services/blocked'), 'a file');
  const before = treeSnapshot(dir);
  const plan: Plan = {
    root: dir,
    changes: [
      { type: 'add', path: 'services/orders/src/models/order.ts', content: 'first' },
      { type: 'add', path: 'services/blocked/second.ts', content: 'second' },
    ],
  };
  t.throws(() => applyPlan(plan));
  t.deepEqual(treeSnapshot(dir), before);
});

test('a failed new-directory plan leaves no parent directory it created', (t) => {
  const dir = temp.make();
  const plan: Plan = {
    root: dir,
    newDirectory: 'services/orders',
    changes: [
      { type: 'add', path: 'services/orders/a', content: 'a file' },
      { type: 'add', path: 'services/orders/a/b', content: 'under a file' },
    ],
  };
  t.throws(() => applyPlan(plan));
  t.deepEqual(treeSnapshot(dir), []);
});
