import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import * as prettier from 'prettier';
import { planModel } from '../src/model-plan.js';
import { MODULE_IMPORTS_MARKER, MODULE_ROUTERS_MARKER, moduleNames, planModule } from '../src/module-plan.js';
import { InvalidNameError } from '../src/names.js';
import { PlanError, applyPlan } from '../src/plan.js';
import { makeService, TEMPLATE_DIR } from './helpers/service.js';
import { tempDirs, treeHash } from './helpers/tree.js';

const temp = tempDirs('module-plan-test');
test.after.always(() => temp.cleanup());

const NOW = new Date('2025-03-04T05:06:07.890Z');
const APP = 'services/orders/src/app.ts';

function serviceRoot(): string {
  const root = temp.make();
  makeService(root, 'orders');
  return root;
}

test('names: the model gives the table, the path, the directory and the factory', (t) => {
  t.like(moduleNames('LineItem'), {
    model: 'LineItem',
    modelFile: 'line-item',
    table: 'line_items',
    resource: 'line-items',
    factory: 'createLineItemsRouter',
    label: 'line item',
    one: 'a line item',
  });
  t.like(moduleNames('Order'), { resource: 'orders', one: 'an order' });
  t.like(moduleNames('Category'), { table: 'categories', resource: 'categories' });
});

test('plans a new model with name unique, the module, its test and its registration', (t) => {
  const root = serviceRoot();
  const before = treeHash(root);
  const plan = planModule({ root, service: 'orders', name: 'LineItem', now: NOW });
  t.is(treeHash(root), before, 'planning writes nothing');
  t.is(plan.newDirectory, undefined);
  t.deepEqual(
    plan.changes.map((change) => [change.type, change.path]),
    [
      ['add', 'services/orders/src/models/line-item.ts'],
      ['add', 'services/orders/migrations/20250304050607_create_line_items.ts'],
      ['add', 'services/orders/test/models/line-item.test.ts'],
      ['add', 'services/orders/src/modules/line-items/schemas.ts'],
      ['add', 'services/orders/src/modules/line-items/routes.ts'],
      ['add', 'services/orders/test/modules/line-items/routes.test.ts'],
      ['modify', APP],
      ['modify', 'services/orders/.generator.json'],
    ],
  );
  const content = (file: string) => String(plan.changes.find((change) => change.path.endsWith(file))!.content);
  t.regex(content('_create_line_items.ts'), /table\.string\('name', 255\)\.notNullable\(\)\.unique\(\);/);
  const routes = content('line-items/routes.ts');
  t.regex(routes, /export function createLineItemsRouter\(\{ db \}: \{ db: Knex \}, docs: ApiDocs\): Router \{/);
  for (const route of ["get('/line-items'", "get('/line-items/:id'", "post('/line-items'", "patch('/line-items/:id'"]) {
    t.true(routes.includes(`router.${route}`), route);
  }
  t.true(routes.includes("router.delete('/line-items/:id'"));
  // Every route validates its input and registers its path with the same schema.
  t.is((routes.match(/validate\(ctx, /g) ?? []).length, 6);
  t.is((routes.match(/docs\.registerPath\(/g) ?? []).length, 5);
  t.regex(content('line-items/schemas.ts'), /max\(PAGE_SIZE_MAX\)/);
  t.regex(content('line-items/schemas.ts'), /\.meta\(\{ id: 'LineItemInput' \}\)/);
  t.deepEqual((JSON.parse(content('.generator.json')) as { history: unknown[] }).history.at(-1), {
    generator: 'module',
    answers: { name: 'LineItem', migration: '20250304050607_create_line_items.ts' },
  });
});

test('the registration lands just above each marker of app.ts, with its indentation', (t) => {
  const root = serviceRoot();
  const plan = planModule({ root, service: 'orders', name: 'Order' });
  const app = plan.changes.find((change) => change.path === APP)!;
  const lines = String(app.content).split('\n');
  const imports = lines.findIndex((line) => line.includes(MODULE_IMPORTS_MARKER));
  const routers = lines.findIndex((line) => line.includes(MODULE_ROUTERS_MARKER));
  t.is(lines[imports - 1], "import { createOrdersRouter } from './modules/orders/routes.js';");
  const indent = /^\s*/.exec(lines[routers]!)![0];
  t.true(indent.length > 0);
  t.is(lines[routers - 1], `${indent}createOrdersRouter(container.cradle, docs),`);
  t.is(lines.length, readFileSync(path.join(root, APP), 'utf8').split('\n').length + 2);
  t.true(
    String(app.content).includes('createGreetingsRouter(container.cradle, docs)'),
    "the template's own module stays",
  );
});

test('an existing model (from plop model) is used, with a migration making its name unique', (t) => {
  const root = serviceRoot();
  applyPlan(planModel({ root, service: 'orders', name: 'Order', now: NOW }));
  const model = readFileSync(path.join(root, 'services/orders/src/models/order.ts'), 'utf8');
  const plan = planModule({ root, service: 'orders', name: 'Order', now: NOW });
  t.deepEqual(
    plan.changes.filter((change) => change.type === 'add').map((change) => change.path),
    [
      'services/orders/migrations/20250304050608_unique_orders_name.ts',
      'services/orders/src/modules/orders/schemas.ts',
      'services/orders/src/modules/orders/routes.ts',
      'services/orders/test/modules/orders/routes.test.ts',
    ],
  );
  t.regex(String(plan.changes[0]!.content), /alterTable\('orders'[\s\S]*table\.unique\(\['name'\]\)/);
  t.regex(String(plan.changes[0]!.content), /dropUnique\(\['name'\]\)/);
  applyPlan(plan);
  t.is(readFileSync(path.join(root, 'services/orders/src/models/order.ts'), 'utf8'), model, 'the model is untouched');
  const history = JSON.parse(readFileSync(path.join(root, 'services/orders/.generator.json'), 'utf8')) as {
    history: unknown[];
  };
  t.deepEqual(history.history.at(-1), {
    generator: 'module',
    answers: { name: 'Order', uniqueMigration: '20250304050608_unique_orders_name.ts' },
  });
});

test('replaying the recorded answers gives the same files', (t) => {
  const first = serviceRoot();
  const planned = planModule({ root: first, service: 'orders', name: 'Order', now: NOW });
  const second = serviceRoot();
  const replayed = planModule({
    root: second,
    service: 'orders',
    name: 'Order',
    migration: '20250304050607_create_orders.ts',
  });
  t.deepEqual(
    replayed.changes.map((change) => [change.path, change.content]),
    planned.changes.map((change) => [change.path, change.content]),
  );
});

test('the generated files are formatted as the service lints them, for short and long names', async (t) => {
  const options = JSON.parse(readFileSync(path.join(TEMPLATE_DIR, '.prettierrc.json'), 'utf8')) as prettier.Options;
  for (const name of ['Ab', 'Order', 'AbcdefghijAbcdefghijAbcdefghijAbcd', 'AbAbAbAbAbAbAbAbAbAbAbAbAb']) {
    const root = serviceRoot();
    const plan = planModule({ root, service: 'orders', name });
    for (const change of plan.changes.filter((change) => change.path.endsWith('.ts'))) {
      const source = String(change.content);
      t.true(await prettier.check(source, { ...options, filepath: change.path }), `${name}: ${change.path}`);
    }
  }
});

test('a module that exists is refused, and nothing is written', (t) => {
  const root = serviceRoot();
  applyPlan(planModule({ root, service: 'orders', name: 'Order' }));
  const before = treeHash(root);
  t.throws(() => planModule({ root, service: 'orders', name: 'Order' }), {
    instanceOf: PlanError,
    message: 'module orders already exists in services/orders/src/modules/orders; nothing was written',
  });
  t.throws(() => planModule({ root, service: 'orders', name: 'Greeting' }), {
    instanceOf: PlanError,
    message: /module greetings already exists/,
  });
  t.is(treeHash(root), before);
});

test('an app.ts without its marker is refused, and nothing is written', (t) => {
  const root = serviceRoot();
  const file = path.join(root, APP);
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^.*plop:module-routers.*\n/m, ''));
  const before = treeHash(root);
  t.throws(() => planModule({ root, service: 'orders', name: 'Order' }), {
    instanceOf: PlanError,
    message: /marker "plop:module-routers" not found in services\/orders\/src\/app\.ts/,
  });
  t.is(treeHash(root), before);
  t.deepEqual(
    readdirSync(path.join(root, 'services/orders/migrations')).filter((name) => name !== '.gitkeep'),
    [],
  );
});

test('a missing service is refused with the command that creates it', (t) => {
  const root = temp.make();
  t.throws(() => planModule({ root, service: 'billing', name: 'Order' }), {
    instanceOf: PlanError,
    message: /npx plop service billing/,
  });
  t.deepEqual(readdirSync(root), []);
});

for (const name of [
  'order',
  'Model',
  'Line_Item',
  'A',
  '',
  '../Order',
  'Problem',
  'HealthBody',
  'AbcdefghijAbcdefghijAbcdefghijAbcdefghij',
]) {
  test(`module name ${JSON.stringify(name)} is refused`, (t) => {
    const root = serviceRoot();
    const before = treeHash(root);
    t.throws(() => planModule({ root, service: 'orders', name }), { instanceOf: InvalidNameError });
    t.is(treeHash(root), before);
  });
}
