import * as fs from 'node:fs';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { PlanError, applyPlan, type Plan } from '../../src/plan.js';
import { tempDirs, treeSnapshot } from '../helpers/tree.js';

/** The Plan's delete change, Buffer contents, and the undo of a failed in-place plan that adds, changes and deletes. */

const temp = tempDirs('plan-delete-test');
test.after.always(() => temp.cleanup());

function root(): string {
  const dir = temp.make();
  mkdirSync(path.join(dir, 'services/demo/src/old'), { recursive: true });
  writeFileSync(path.join(dir, 'services/demo/src/old/gone.ts'), 'gone\n');
  writeFileSync(path.join(dir, 'services/demo/kept.ts'), 'before\n');
  writeFileSync(path.join(dir, 'services/demo/blob.bin'), Buffer.from([0, 1, 2]));
  return dir;
}

const plan = (dir: string): Plan => ({
  root: dir,
  changes: [
    { type: 'add', path: 'services/demo/src/new/added.ts', content: 'added\n' },
    { type: 'delete', path: 'services/demo/src/old/gone.ts', before: 'gone\n' },
    { type: 'modify', path: 'services/demo/kept.ts', before: 'before\n', content: 'after\n' },
    { type: 'modify', path: 'services/demo/blob.bin', before: Buffer.from([0, 1, 2]), content: Buffer.from([3]) },
  ],
});

test('adds, deletes (with the directory left empty) and changes, text and bytes', (t) => {
  const dir = root();
  applyPlan(plan(dir));
  t.is(readFileSync(path.join(dir, 'services/demo/src/new/added.ts'), 'utf8'), 'added\n');
  t.false(existsSync(path.join(dir, 'services/demo/src/old')), 'no empty directory left');
  t.is(readFileSync(path.join(dir, 'services/demo/kept.ts'), 'utf8'), 'after\n');
  t.deepEqual(readFileSync(path.join(dir, 'services/demo/blob.bin')), Buffer.from([3]));
});

test('a delete of a file that changed since planning is refused, nothing written', (t) => {
  const dir = root();
  writeFileSync(path.join(dir, 'services/demo/src/old/gone.ts'), 'edited meanwhile\n');
  const before = treeSnapshot(dir);
  t.throws(() => applyPlan(plan(dir)), {
    instanceOf: PlanError,
    message: /services\/demo\/src\/old\/gone\.ts changed while the generator ran/,
  });
  t.deepEqual(treeSnapshot(dir), before);
});

for (const failing of [1, 2, 3]) {
  test(`write ${failing} failing: every file and directory as it was`, (t) => {
    const dir = root();
    const before = treeSnapshot(dir);
    let writes = 0;
    const io = {
      rmSync: fs.rmSync,
      writeFileSync: ((...args: Parameters<typeof fs.writeFileSync>) => {
        if (++writes === failing) throw new Error('injected');
        fs.writeFileSync(...args);
      }) as typeof fs.writeFileSync,
    };
    t.throws(() => applyPlan(plan(dir), io), { message: 'injected' });
    t.deepEqual(treeSnapshot(dir), before);
  });
}

test('a failing removal is undone too', (t) => {
  const dir = root();
  const before = treeSnapshot(dir);
  const io = {
    writeFileSync: fs.writeFileSync,
    rmSync: (() => {
      throw new Error('EBUSY (injected)');
    }) as typeof fs.rmSync,
  };
  t.throws(() => applyPlan(plan(dir), io), { message: /injected/ });
  t.deepEqual(treeSnapshot(dir), before);
});
