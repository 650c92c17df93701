import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import nodePlop from 'node-plop';
import { registerGenerators } from '../../generators/index.js';
import { CHECKERS_MARKER, CHECKER_IMPORTS_MARKER } from '../../src/checker-plan.js';
import { readTemplate } from '../../src/template-files.js';
import { TEMPLATE_DIR } from '../helpers/service.js';
import { listFiles, tempDirs, treeHash } from '../helpers/tree.js';

const temp = tempDirs('generators-test');
test.after.always(() => temp.cleanup());

const IDENTITY = { name: 'x', version: '1.2.3' };
const TEMPLATE_FILES = readTemplate(TEMPLATE_DIR, 'orders').length;

async function plopIn(dir: string, options: { dryRun?: boolean; skipInstall?: boolean } = {}) {
  const plop = await nodePlop(undefined, { destBasePath: dir, force: false });
  registerGenerators(plop, {
    dryRun: options.dryRun ?? false,
    skipInstall: options.skipInstall ?? true,
    templateDir: TEMPLATE_DIR,
    generator: IDENTITY,
  });
  return plop;
}

type Outcome = { threw: string } | { changes: { type: string; path: string }[]; failures: unknown[] };

/** runActions, with a thrown error as an outcome (an invalid answer throws from the actions function). */
async function run(dir: string, generator: string, answers: Record<string, string>, dryRun = false): Promise<Outcome> {
  const plop = await plopIn(dir, { dryRun });
  try {
    return await plop.getGenerator(generator).runActions(answers);
  } catch (error) {
    return { threw: error instanceof Error ? error.message : String(error) };
  }
}

function succeeded(outcome: Outcome): { type: string; path: string }[] {
  if ('threw' in outcome) throw new Error(`generator threw: ${outcome.threw}`);
  if (outcome.failures.length > 0) throw new Error(`generator failed: ${JSON.stringify(outcome.failures)}`);
  return outcome.changes;
}

function refusal(outcome: Outcome): string {
  if ('threw' in outcome) return outcome.threw;
  if (outcome.failures.length === 0) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.changes)}`);
  return JSON.stringify(outcome.failures);
}

test('the five generators are registered, with their prompts', async (t) => {
  const plop = await plopIn(temp.make());
  t.deepEqual(
    plop.getGeneratorList().map((generator) => generator.name),
    ['service', 'checker', 'model', 'module', 'upgrade'],
  );
  const prompts = (name: string) =>
    (plop.getGenerator(name).prompts as { name: string }[]).map((prompt) => prompt.name);
  t.deepEqual(prompts('service'), ['name']);
  t.deepEqual(prompts('checker'), ['service', 'name']);
  t.deepEqual(prompts('model'), ['service', 'name']);
  t.deepEqual(prompts('module'), ['service', 'name']);
  t.deepEqual(prompts('upgrade'), ['service']);
});

test('the prompts validate with the name rules', async (t) => {
  const plop = await plopIn(temp.make());
  const validate = (generator: string, index: number, value: string) =>
    (plop.getGenerator(generator).prompts as { validate: (value: unknown) => unknown }[])[index]!.validate(value);
  t.true(validate('service', 0, 'orders'));
  t.regex(String(validate('service', 0, 'Orders')), /lowercase letters/);
  t.regex(String(validate('service', 0, 'http')), /reserved/);
  t.true(validate('checker', 1, 'payments'));
  t.regex(String(validate('checker', 1, 'x')), /checker name "x" is invalid/);
  t.true(validate('model', 1, 'Order'));
  t.regex(String(validate('model', 1, 'order')), /PascalCase/);
  t.true(validate('module', 1, 'Order'));
  t.regex(String(validate('module', 1, 'orders')), /PascalCase/);
  t.regex(String(validate('module', 1, 'Problem')), /taken by the template's own schemas/);
});

test('service, then checker, then model: the tree of a generated service', async (t) => {
  const root = temp.make();
  const serviceChanges = succeeded(await run(root, 'service', { name: 'orders' }));
  t.deepEqual(serviceChanges, [
    { type: 'write', path: `services/orders, a copy of template/: ${TEMPLATE_FILES + 1} files, all or nothing` },
  ]);

  const dir = path.join(root, 'services/orders');
  t.deepEqual(readdirSync(root), ['services']);
  t.deepEqual(readdirSync(path.join(root, 'services')), ['orders']);
  const files = listFiles(dir);
  t.is(files.length, TEMPLATE_FILES + 1);
  t.true(files.includes('.generator.json'));
  t.true(files.includes('.gitignore'));
  t.true(files.includes('.env.example'));
  t.false(files.some((file) => /(^|\/)(node_modules|dist|\.data)\//.test(file)));
  t.is((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string }).name, 'orders');
  t.true(readFileSync(path.join(dir, 'README.md'), 'utf8').includes('orders'));
  t.deepEqual(
    files.filter(
      (file) => file.includes('template-service') || readFileSync(path.join(dir, file)).includes('template-service'),
    ),
    [],
  );
  const provenance = JSON.parse(readFileSync(path.join(dir, '.generator.json'), 'utf8')) as Record<string, unknown>;
  t.like(provenance, {
    generator: 'x',
    version: '1.2.3',
    history: [{ generator: 'service', answers: { name: 'orders' } }],
  });

  const indexFile = path.join(dir, 'src/checks/index.ts');
  const indexBefore = readFileSync(indexFile, 'utf8');
  const checkerChanges = succeeded(await run(root, 'checker', { service: 'orders', name: 'payment-gateway' }));
  t.deepEqual(checkerChanges, [{ type: 'write', path: '4 files, all or nothing' }]);
  t.true(
    readFileSync(path.join(dir, 'src/checks/payment-gateway.ts'), 'utf8').includes(
      'export function createPaymentGatewayChecker()',
    ),
  );
  t.true(
    readFileSync(path.join(dir, 'test/checks/payment-gateway.test.ts'), 'utf8').includes(
      "reportOne('payment-gateway')",
    ),
  );
  const index = readFileSync(indexFile, 'utf8');
  t.is(
    index,
    indexBefore
      .replace(
        /^(\/\/ plop:checker-imports)/m,
        "import { createPaymentGatewayChecker } from './payment-gateway.js';\n$1",
      )
      .replace(/^( *)(\/\/ plop:checkers)/m, '$1health.register(createPaymentGatewayChecker());\n$1$2'),
  );
  t.true(index.includes(CHECKER_IMPORTS_MARKER) && index.includes(CHECKERS_MARKER));

  const modelChanges = succeeded(await run(root, 'model', { service: 'orders', name: 'LineItem' }));
  t.deepEqual(modelChanges, [{ type: 'write', path: '4 files, all or nothing' }]);
  t.true(
    readFileSync(path.join(dir, 'src/models/line-item.ts'), 'utf8').includes('export class LineItem extends Model'),
  );
  t.true(readFileSync(path.join(dir, 'test/models/line-item.test.ts'), 'utf8').includes('LineItem'));
  const migrations = readdirSync(path.join(dir, 'migrations')).filter((file) => file !== '.gitkeep');
  t.is(migrations.length, 1);
  t.regex(migrations[0]!, /^\d{14}_create_line_items\.ts$/);
  t.is(readFileSync(indexFile, 'utf8'), index, 'the model does not touch checks/index.ts');
  t.is(listFiles(dir).length, TEMPLATE_FILES + 1 + 2 + 3);
});

test('generating over an existing service is refused and changes nothing', async (t) => {
  const root = temp.make();
  succeeded(await run(root, 'service', { name: 'orders' }));
  writeFileSync(path.join(root, 'services/orders/src/local-edit.ts'), 'export {};\n');
  const before = treeHash(root);
  t.regex(
    refusal(await run(root, 'service', { name: 'orders' })),
    /services\/orders already exists; nothing was written/,
  );
  t.is(treeHash(root), before);
});

test('the same checker twice, and the same model twice, are refused and change nothing', async (t) => {
  const root = temp.make();
  succeeded(await run(root, 'service', { name: 'orders' }));
  succeeded(await run(root, 'checker', { service: 'orders', name: 'payments' }));
  succeeded(await run(root, 'model', { service: 'orders', name: 'Order' }));
  const before = treeHash(root);
  t.regex(refusal(await run(root, 'checker', { service: 'orders', name: 'payments' })), /already exists/);
  t.regex(refusal(await run(root, 'model', { service: 'orders', name: 'Order' })), /already exists/);
  t.is(treeHash(root), before);
});

test('a checker or model for a missing service is refused with the command to create it', async (t) => {
  const root = temp.make();
  mkdirSync(path.join(root, 'services'));
  const before = treeHash(root);
  t.regex(refusal(await run(root, 'checker', { service: 'billing', name: 'payments' })), /npx plop service billing/);
  t.regex(refusal(await run(root, 'model', { service: 'billing', name: 'Order' })), /npx plop service billing/);
  t.is(treeHash(root), before);
});

const invalid: [string, Record<string, string>][] = [
  ['service', { name: '../x' }],
  ['service', { name: 'Upper' }],
  ['service', { name: 'template-service' }],
  ['service', { name: 'fs' }],
  ['service', { name: '' }],
  ['service', { name: '$(id)' }],
  ['service', {}],
  ['checker', { service: 'orders', name: '../../../escape' }],
  ['checker', { service: '../orders', name: 'payments' }],
  ['checker', { service: 'orders', name: 'Payments' }],
  ['checker', { service: 'orders' }],
  ['model', { service: 'orders', name: 'order' }],
  ['model', { service: 'orders', name: '../Order' }],
  ['model', { service: 'orders', name: 'Model' }],
  ['module', { service: 'orders', name: 'order' }],
  ['module', { service: 'orders', name: '../Order' }],
  ['module', { service: '../orders', name: 'Order' }],
  ['module', { service: 'orders', name: 'Problem' }],
  ['module', { service: 'orders' }],
];

for (const [generator, answers] of invalid) {
  test(`runActions (no prompt validation) refuses ${generator} ${JSON.stringify(answers)} and writes nothing`, async (t) => {
    const root = temp.make();
    succeeded(await run(root, 'service', { name: 'orders' }));
    const before = treeHash(root);
    t.regex(refusal(await run(root, generator, answers)), /name/);
    t.is(treeHash(root), before);
  });
}

test('a dry run writes nothing and lists every file it would write', async (t) => {
  const root = temp.make();
  const plop = await plopIn(root, { dryRun: true });
  const comments: string[] = [];
  const result = await plop
    .getGenerator('service')
    .runActions({ name: 'orders' }, { onComment: (line: string) => comments.push(line) });
  t.deepEqual(result.failures, []);
  t.deepEqual(result.changes, [{ type: 'dry-run', path: `${TEMPLATE_FILES + 1} files planned, nothing written` }]);
  t.is(comments.length, TEMPLATE_FILES + 2);
  t.true(comments.slice(0, -1).every((line) => line.startsWith('would add services/orders/')));
  t.true(comments.includes('would add services/orders/.generator.json'));
  t.is(comments.at(-1), 'would not run npm install (--skip-install)');
  t.deepEqual(readdirSync(root), []);
});

test('a dry run says that npm install would run', async (t) => {
  const root = temp.make();
  const plop = await plopIn(root, { dryRun: true, skipInstall: false });
  const comments: string[] = [];
  await plop
    .getGenerator('service')
    .runActions({ name: 'orders' }, { onComment: (line: string) => comments.push(line) });
  t.is(comments.at(-1), 'would run npm install in services/orders');
  t.deepEqual(readdirSync(root), []);
});

test('a dry-run checker and model write nothing and list their files', async (t) => {
  const root = temp.make();
  succeeded(await run(root, 'service', { name: 'orders' }));
  const before = treeHash(root);
  const plop = await plopIn(root, { dryRun: true });
  const comments: string[] = [];
  const onComment = (line: string) => comments.push(line);
  await plop.getGenerator('checker').runActions({ service: 'orders', name: 'payments' }, { onComment });
  await plop.getGenerator('model').runActions({ service: 'orders', name: 'Order' }, { onComment });
  t.deepEqual(comments.slice(0, 4), [
    'would add services/orders/src/checks/payments.ts',
    'would add services/orders/test/checks/payments.test.ts',
    'would change services/orders/src/checks/index.ts',
    'would change services/orders/.generator.json',
  ]);
  t.is(comments.length, 8);
  t.is(treeHash(root), before);
});

test('module: routes, schemas and a test registered in app.ts, with a new model whose name is unique', async (t) => {
  const root = temp.make();
  succeeded(await run(root, 'service', { name: 'orders' }));
  const dir = path.join(root, 'services/orders');
  const appBefore = readFileSync(path.join(dir, 'src/app.ts'), 'utf8');
  const changes = succeeded(await run(root, 'module', { service: 'orders', name: 'LineItem' }));
  t.deepEqual(changes, [{ type: 'write', path: '8 files, all or nothing' }]);
  t.true(existsSync(path.join(dir, 'src/models/line-item.ts')));
  t.true(existsSync(path.join(dir, 'src/modules/line-items/routes.ts')));
  t.true(existsSync(path.join(dir, 'src/modules/line-items/schemas.ts')));
  t.true(existsSync(path.join(dir, 'test/modules/line-items/routes.test.ts')));
  const [migration, ...others] = readdirSync(path.join(dir, 'migrations')).filter((file) => file !== '.gitkeep');
  t.deepEqual(others, []);
  t.regex(
    readFileSync(path.join(dir, 'migrations', migration!), 'utf8'),
    /table\.string\('name', 255\)\.notNullable\(\)\.unique\(\);/,
  );
  const app = readFileSync(path.join(dir, 'src/app.ts'), 'utf8');
  t.is(
    app,
    appBefore
      .replace(
        /^(\/\/ plop:module-imports)/m,
        "import { createLineItemsRouter } from './modules/line-items/routes.js';\n$1",
      )
      .replace(/^( *)(\/\/ plop:module-routers)/m, '$1createLineItemsRouter(container.cradle, docs),\n$1$2'),
  );
  const provenance = JSON.parse(readFileSync(path.join(dir, '.generator.json'), 'utf8')) as { history: unknown[] };
  t.deepEqual(provenance.history.at(-1), { generator: 'module', answers: { name: 'LineItem', migration } });

  const before = treeHash(root);
  t.regex(refusal(await run(root, 'module', { service: 'orders', name: 'LineItem' })), /already exists/);
  t.is(treeHash(root), before);
});

test('a dry-run module writes nothing and lists its files', async (t) => {
  const root = temp.make();
  succeeded(await run(root, 'service', { name: 'orders' }));
  const before = treeHash(root);
  const plop = await plopIn(root, { dryRun: true });
  const comments: string[] = [];
  const result = await plop
    .getGenerator('module')
    .runActions({ service: 'orders', name: 'Order' }, { onComment: (line: string) => comments.push(line) });
  t.deepEqual(result.changes, [{ type: 'dry-run', path: '8 files planned, nothing written' }]);
  t.is(comments.length, 8);
  t.true(comments.includes('would add services/orders/src/modules/orders/routes.ts'));
  t.true(comments.includes('would change services/orders/src/app.ts'));
  t.is(treeHash(root), before);
});

test('with npm install, one action writes and installs the service; skipped or dry, a plain write', async (t) => {
  const root = temp.make();
  const actionsOf = async (options: { dryRun: boolean; skipInstall: boolean }) => {
    const plop = await plopIn(root, options);
    const actions = plop.getGenerator('service').actions as (
      answers: object,
    ) => ({ type: string; dir?: string } | string)[];
    return actions({ name: 'orders' }).filter((action) => typeof action !== 'string');
  };
  t.deepEqual(
    (await actionsOf({ dryRun: false, skipInstall: false })).map((action) => typeof action !== 'string' && action.type),
    ['install-service'],
  );
  t.deepEqual(
    (await actionsOf({ dryRun: false, skipInstall: true })).map((action) => typeof action !== 'string' && action.type),
    ['write'],
  );
  t.deepEqual(
    (await actionsOf({ dryRun: true, skipInstall: false })).map((action) => typeof action !== 'string' && action.type),
    ['dry-run'],
  );
  t.deepEqual(readdirSync(root), [], 'building the actions writes nothing');
});
