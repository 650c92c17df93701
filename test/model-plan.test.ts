import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { nextTimestamp, planModel } from '../src/model-plan.js';
import { InvalidNameError } from '../src/names.js';
import { PlanError, applyPlan } from '../src/plan.js';
import { makeService } from './helpers/service.js';
import { tempDirs, treeHash } from './helpers/tree.js';

const temp = tempDirs('model-plan-test');
test.after.always(() => temp.cleanup());

const NOW = new Date('2025-03-04T05:06:07.890Z');

function serviceRoot(): string {
  const root = temp.make();
  makeService(root, 'orders');
  return root;
}

const migrations = (root: string) =>
  readdirSync(path.join(root, 'services/orders/migrations')).filter((name) => name.endsWith('.ts'));

test('plans the model, a timestamped migration and a test', (t) => {
  const root = serviceRoot();
  const before = treeHash(root);
  const plan = planModel({ root, service: 'orders', name: 'LineItem', now: NOW });
  t.is(treeHash(root), before, 'planning writes nothing');
  t.is(plan.newDirectory, undefined);
  t.deepEqual(
    plan.changes.map((change) => [change.type, change.path]),
    [
      ['add', 'services/orders/src/models/line-item.ts'],
      ['add', 'services/orders/migrations/20250304050607_create_line_items.ts'],
      ['add', 'services/orders/test/models/line-item.test.ts'],
      ['modify', 'services/orders/.generator.json'],
    ],
  );
  const [model, migration, modelTest] = plan.changes.map((change) => String(change.content));
  t.regex(model!, /export class LineItem extends Model \{/);
  t.regex(model!, /static override tableName = 'line_items';/);
  t.regex(migration!, /createTable\('line_items'/);
  t.regex(migration!, /dropTable\('line_items'\)/);
  t.regex(modelTest!, /import \{ LineItem \} from '\.\.\/\.\.\/src\/models\/line-item\.js';/);
});

test('applied, the files are written and the migration name matches the template migration source', (t) => {
  const root = serviceRoot();
  applyPlan(planModel({ root, service: 'orders', name: 'Order' }));
  t.true(
    readFileSync(path.join(root, 'services/orders/src/models/order.ts'), 'utf8').includes('class Order extends Model'),
  );
  t.true(readFileSync(path.join(root, 'services/orders/test/models/order.test.ts'), 'utf8').includes("test('Order"));
  const [migration, ...others] = migrations(root);
  t.deepEqual(others, []);
  // The template's DirectoryMigrationSource only loads files named like this.
  t.regex(migration!, /^\d{14}_[\w-]+\.(js|ts)$/);
  t.regex(migration!, /^\d{14}_create_orders\.ts$/);
});

test('the migration timestamp is 14 digits, now in UTC', (t) => {
  t.is(nextTimestamp(NOW, []), '20250304050607');
  t.is(nextTimestamp(new Date('1999-12-31T23:59:59.999Z'), ['README.md', '.gitkeep']), '19991231235959');
});

test('the migration timestamp is later than every existing migration', (t) => {
  t.is(nextTimestamp(NOW, ['20250304050607_create_orders.ts']), '20250304050608');
  t.is(nextTimestamp(NOW, ['20990101000000_future.ts', '20200101000000_old.ts']), '20990101000001');
  t.is(nextTimestamp(NOW, ['20251231235959_x.js']), '20260101000000', 'carries into the next year');
  t.is(nextTimestamp(NOW, ['20200101000000_old.ts', 'notes.md', '123_short.ts']), '20250304050607');
});

test('two models planned in the same second get increasing migrations', (t) => {
  const root = serviceRoot();
  applyPlan(planModel({ root, service: 'orders', name: 'Order', now: NOW }));
  applyPlan(planModel({ root, service: 'orders', name: 'LineItem', now: NOW }));
  applyPlan(planModel({ root, service: 'orders', name: 'Category', now: new Date('2020-01-01T00:00:00Z') }));
  const names = migrations(root).sort();
  t.deepEqual(names, [
    '20250304050607_create_orders.ts',
    '20250304050608_create_line_items.ts',
    '20250304050609_create_categories.ts',
  ]);
  for (const name of names) t.regex(name, /^\d{14}_/);
});

test('a model that exists is refused and nothing is written', (t) => {
  const root = serviceRoot();
  applyPlan(planModel({ root, service: 'orders', name: 'Order' }));
  const before = treeHash(root);
  t.throws(() => planModel({ root, service: 'orders', name: 'Order' }), {
    instanceOf: PlanError,
    message: 'model Order already exists in services/orders/src/models/order.ts; nothing was written',
  });
  t.is(treeHash(root), before);
});

test('a migration creating the same table is refused even without the model file', (t) => {
  const root = serviceRoot();
  writeFileSync(path.join(root, 'services/orders/migrations/20240101000000_create_orders.ts'), 'export {};\n');
  const before = treeHash(root);
  t.throws(() => planModel({ root, service: 'orders', name: 'Order' }), {
    instanceOf: PlanError,
    message: /a migration creating table orders already exists/,
  });
  t.is(treeHash(root), before);
});

test('a missing service is refused with the command that creates it', (t) => {
  const root = temp.make();
  t.throws(() => planModel({ root, service: 'billing', name: 'Order' }), {
    instanceOf: PlanError,
    message: /npx plop service billing/,
  });
  t.deepEqual(readdirSync(root), []);
});

for (const name of ['order', 'Model', 'Line_Item', 'A', '', '../Order']) {
  test(`model name ${JSON.stringify(name)} is refused`, (t) => {
    const root = serviceRoot();
    const before = treeHash(root);
    t.throws(() => planModel({ root, service: 'orders', name }), { instanceOf: InvalidNameError });
    t.is(treeHash(root), before);
  });
}
