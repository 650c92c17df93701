import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { CHECKERS_MARKER, CHECKER_IMPORTS_MARKER, planChecker } from '../src/checker-plan.js';
import { InvalidNameError } from '../src/names.js';
import { PlanError, applyPlan } from '../src/plan.js';
import { makeService } from './helpers/service.js';
import { tempDirs, treeHash } from './helpers/tree.js';

const temp = tempDirs('checker-plan-test');
test.after.always(() => temp.cleanup());

const INDEX = 'services/orders/src/checks/index.ts';

function serviceRoot(): string {
  const root = temp.make();
  makeService(root, 'orders');
  return root;
}

test('plans the checker, its test and the registration in checks/index.ts', (t) => {
  const root = serviceRoot();
  const before = treeHash(root);
  const plan = planChecker({ root, service: 'orders', name: 'payment-gateway' });
  t.is(treeHash(root), before, 'planning writes nothing');
  t.is(plan.root, root);
  t.is(plan.newDirectory, undefined);
  t.deepEqual(
    plan.changes.map((change) => [change.type, change.path]),
    [
      ['add', 'services/orders/src/checks/payment-gateway.ts'],
      ['add', 'services/orders/test/checks/payment-gateway.test.ts'],
      ['modify', INDEX],
      ['modify', 'services/orders/.generator.json'],
    ],
  );
  const [checker, checkerTest, index] = plan.changes;
  t.regex(String(checker!.content), /export function createPaymentGatewayChecker\(\): HealthChecker \{/);
  t.regex(String(checker!.content), /name: 'payment-gateway',/);
  t.regex(String(checkerTest!.content), /from '\.\.\/\.\.\/src\/checks\/payment-gateway\.js'/);
  t.regex(String(checkerTest!.content), /health\.reportOne\('payment-gateway'\)/);
  t.is(index!.type === 'modify' ? index!.before : undefined, readFileSync(path.join(root, INDEX), 'utf8'));
});

test('the registration lands just above each marker, with its indentation', (t) => {
  const root = serviceRoot();
  const plan = planChecker({ root, service: 'orders', name: 'payment-gateway' });
  const lines = String(plan.changes[2]!.content).split('\n');
  const importMarker = lines.findIndex((line) => line.includes(CHECKER_IMPORTS_MARKER));
  const checkersMarker = lines.findIndex((line) => line.includes(CHECKERS_MARKER));
  t.is(lines[importMarker - 1], "import { createPaymentGatewayChecker } from './payment-gateway.js';");
  const indent = /^\s*/.exec(lines[checkersMarker]!)![0];
  t.true(indent.length > 0);
  t.is(lines[checkersMarker - 1], `${indent}health.register(createPaymentGatewayChecker());`);
  const before = readFileSync(path.join(root, INDEX), 'utf8').split('\n');
  t.is(lines.length, before.length + 2, 'exactly two lines added');
});

test('applied, it writes the files; a second checker is registered below the first', (t) => {
  const root = serviceRoot();
  applyPlan(planChecker({ root, service: 'orders', name: 'payments' }));
  applyPlan(planChecker({ root, service: 'orders', name: 'stock-api' }));
  const index = readFileSync(path.join(root, INDEX), 'utf8');
  t.true(index.indexOf('createPaymentsChecker());') < index.indexOf('createStockApiChecker());'));
  t.true(index.indexOf("from './payments.js'") < index.indexOf("from './stock-api.js'"));
  t.true(index.indexOf('createStockApiChecker());') < index.indexOf(CHECKERS_MARKER));
  t.is(index.split(CHECKERS_MARKER).length, 2, 'the marker is still there, once');
  t.true(readFileSync(path.join(root, 'services/orders/src/checks/payments.ts'), 'utf8').includes("name: 'payments'"));
  t.true(
    readFileSync(path.join(root, 'services/orders/test/checks/stock-api.test.ts'), 'utf8').includes(
      'createStockApiChecker',
    ),
  );
});

test('the same checker twice is refused and nothing is written', (t) => {
  const root = serviceRoot();
  applyPlan(planChecker({ root, service: 'orders', name: 'payments' }));
  const before = treeHash(root);
  t.throws(() => planChecker({ root, service: 'orders', name: 'payments' }), {
    instanceOf: PlanError,
    message: /checker "payments" already exists in services\/orders\/src\/checks\/payments.ts; nothing was written/,
  });
  t.is(treeHash(root), before);
});

test('a checker still registered though its file was deleted is refused', (t) => {
  const root = serviceRoot();
  applyPlan(planChecker({ root, service: 'orders', name: 'payments' }));
  rmSync(path.join(root, 'services/orders/src/checks/payments.ts'));
  const before = treeHash(root);
  t.throws(() => planChecker({ root, service: 'orders', name: 'payments' }), {
    instanceOf: PlanError,
    message: /already registered in services\/orders\/src\/checks\/index.ts/,
  });
  t.is(treeHash(root), before);
});

// The template's own checks have these names (a second one would make
// HealthRegistry.register throw at start-up), and src/checks/index.ts
// registers the checks: each is refused by name, before anything is read.
for (const taken of ['database', 'event-loop', 'migrations', 'index']) {
  test(`a checker named like the template's own check or file (${taken}) is refused`, (t) => {
    const root = serviceRoot();
    const before = treeHash(root);
    t.throws(() => planChecker({ root, service: 'orders', name: taken }), {
      instanceOf: InvalidNameError,
      message: /choose another/,
    });
    t.is(treeHash(root), before);
  });
}

test('a missing service is refused with the command that creates it', (t) => {
  const root = temp.make();
  const before = treeHash(root);
  const error = t.throws(() => planChecker({ root, service: 'billing', name: 'payments' }), { instanceOf: PlanError });
  t.is(error.message, 'no service at services/billing; create it first with: npx plop service billing');
  t.true(error.message.includes('npx plop service billing'));
  t.is(treeHash(root), before);
});

for (const marker of [CHECKER_IMPORTS_MARKER, CHECKERS_MARKER]) {
  test(`a removed marker (${marker}) is refused, naming it, and nothing is written`, (t) => {
    const root = serviceRoot();
    const file = path.join(root, INDEX);
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, lines.filter((line) => !line.includes(`// ${marker} `)).join('\n'));
    t.false(readFileSync(file, 'utf8').includes(`// ${marker} `));
    const before = treeHash(root);
    const error = t.throws(() => planChecker({ root, service: 'orders', name: 'payments' }), { instanceOf: PlanError });
    t.true(error.message.includes(`"${marker}" not found in ${INDEX}`), error.message);
    t.is(treeHash(root), before);
  });
}

test('a duplicated marker is refused', (t) => {
  const root = serviceRoot();
  const file = path.join(root, INDEX);
  writeFileSync(file, `${readFileSync(file, 'utf8')}\n// ${CHECKERS_MARKER}\n`);
  t.throws(() => planChecker({ root, service: 'orders', name: 'payments' }), { message: /appears 2 times/ });
});

test('a missing checks/index.ts is refused', (t) => {
  const root = serviceRoot();
  rmSync(path.join(root, INDEX));
  t.throws(() => planChecker({ root, service: 'orders', name: 'payments' }), {
    instanceOf: PlanError,
    message: `${INDEX} is missing; nothing was written`,
  });
});

test('index.ts edited between planning and writing: refused, nothing written', (t) => {
  const root = serviceRoot();
  const plan = planChecker({ root, service: 'orders', name: 'payments' });
  writeFileSync(path.join(root, INDEX), `${readFileSync(path.join(root, INDEX), 'utf8')}// edited\n`);
  const before = treeHash(root);
  t.throws(() => applyPlan(plan), { instanceOf: PlanError, message: /changed while the generator ran/ });
  t.is(treeHash(root), before);
});

for (const [service, name] of [
  ['orders', 'Payments'],
  ['orders', 'x'],
  ['orders', '../../etc'],
  ['../orders', 'payments'],
  ['Orders', 'payments'],
  ['template-service', 'payments'],
]) {
  test(`invalid names (${service}, ${name}) are refused`, (t) => {
    const root = serviceRoot();
    const before = treeHash(root);
    t.throws(() => planChecker({ root, service: service!, name: name! }), { instanceOf: InvalidNameError });
    t.is(treeHash(root), before);
  });
}
