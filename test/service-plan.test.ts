import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { InvalidNameError } from '../src/names.js';
import { PlanError, applyPlan } from '../src/plan.js';
import { PROVENANCE_FILE, planService, serviceDir } from '../src/service-plan.js';
import { readTemplate } from '../src/template-files.js';
import { GENERATOR, TEMPLATE_DIR } from './helpers/service.js';
import { listFiles, tempDirs, treeHash } from './helpers/tree.js';

const temp = tempDirs('service-plan-test');
test.after.always(() => temp.cleanup());

test('serviceDir is services/<name>', (t) => {
  t.is(serviceDir('orders'), 'services/orders');
});

test('the plan is the template under services/<name>/ plus the provenance file, in a new directory', (t) => {
  const root = temp.make();
  const plan = planService({ root, templateDir: TEMPLATE_DIR, name: 'orders', generator: GENERATOR });
  t.is(plan.root, root);
  t.is(plan.newDirectory, 'services/orders');
  t.true(plan.changes.every((change) => change.type === 'add' && change.path.startsWith('services/orders/')));
  const expected = [
    ...readTemplate(TEMPLATE_DIR, 'orders').map((file) => `services/orders/${file.path}`),
    `services/orders/${PROVENANCE_FILE}`,
  ];
  t.deepEqual(plan.changes.map((change) => change.path).sort(), expected.sort());
  t.is(new Set(plan.changes.map((change) => change.path)).size, plan.changes.length, 'no path twice');
  t.deepEqual(readdirSync(root), [], 'planning writes nothing');
});

test('the provenance file records the generator, the template, a hash of each file and the history', (t) => {
  const template = { commit: 'c'.repeat(40), tree: 't'.repeat(40) };
  const plan = planService({
    root: temp.make(),
    templateDir: TEMPLATE_DIR,
    name: 'orders',
    generator: GENERATOR,
    template,
  });
  t.is(PROVENANCE_FILE, '.generator.json');
  const provenance = plan.changes.find((change) => change.path === 'services/orders/.generator.json');
  t.truthy(provenance);
  const text = String(provenance!.content);
  t.true(text.endsWith('}\n'));
  const parsed = JSON.parse(text) as Record<string, unknown> & { files: Record<string, string> };
  t.deepEqual(Object.keys(parsed), ['generator', 'version', 'template', 'files', 'history']);
  t.like(parsed, {
    generator: 'test-generator',
    version: '1.2.3',
    template,
    history: [{ generator: 'service', answers: { name: 'orders' } }],
  });
  const rendered = readTemplate(TEMPLATE_DIR, 'orders');
  t.deepEqual(Object.keys(parsed.files), rendered.map((file) => file.path).sort());
  const pkg = rendered.find((file) => file.path === 'package.json')!;
  t.is(parsed.files['package.json'], createHash('sha256').update(pkg.content).digest('hex'));
  t.false(text.includes('generatedAt'), 'nothing volatile');
  t.is(text, `${JSON.stringify(parsed, null, 2)}\n`, 'two-space indent');
  const again = planService({
    root: temp.make(),
    templateDir: TEMPLATE_DIR,
    name: 'orders',
    generator: GENERATOR,
    template,
  });
  t.is(String(again.changes.at(-1)!.content), text, 'the same origin gives the same bytes');
});

test('applied, it writes the service with its name and no placeholder left', (t) => {
  const root = temp.make();
  applyPlan(planService({ root, templateDir: TEMPLATE_DIR, name: 'payment-gateway', generator: GENERATOR }));
  const dir = path.join(root, 'services/payment-gateway');
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string };
  t.is(pkg.name, 'payment-gateway');
  t.true(readFileSync(path.join(dir, 'README.md'), 'utf8').includes('payment-gateway'));
  t.true(existsSync(path.join(dir, '.generator.json')));
  t.true(existsSync(path.join(dir, '.gitignore')));
  t.true(existsSync(path.join(dir, 'src/checks/index.ts')));
  t.false(existsSync(path.join(dir, 'node_modules')));
  t.false(existsSync(path.join(dir, 'dist')));
  t.false(existsSync(path.join(dir, '.data')));
  const withPlaceholder = listFiles(dir).filter((file) =>
    readFileSync(path.join(dir, file), 'utf8').includes('template-service'),
  );
  t.deepEqual(withPlaceholder, []);
  t.deepEqual(readdirSync(path.join(root, 'services')), ['payment-gateway'], 'no staging directory left');
});

test('an existing service directory is refused and nothing is written', (t) => {
  const root = temp.make();
  mkdirSync(path.join(root, 'services/orders'), { recursive: true });
  writeFileSync(path.join(root, 'services/orders/notes.txt'), 'mine');
  const before = treeHash(root);
  const plan = planService({ root, templateDir: TEMPLATE_DIR, name: 'orders', generator: GENERATOR });
  t.throws(() => applyPlan(plan), {
    instanceOf: PlanError,
    message: /services\/orders already exists; nothing was written/,
  });
  t.is(treeHash(root), before);
});

test('a second service beside the first is planned and written', (t) => {
  const root = temp.make();
  applyPlan(planService({ root, templateDir: TEMPLATE_DIR, name: 'orders', generator: GENERATOR }));
  applyPlan(planService({ root, templateDir: TEMPLATE_DIR, name: 'billing', generator: GENERATOR }));
  t.deepEqual(readdirSync(path.join(root, 'services')).sort(), ['billing', 'orders']);
});

for (const name of ['../x', 'Upper', 'template-service', 'http', '', 'a/b', '$(id)']) {
  test(`an invalid name ${JSON.stringify(name)} is refused before anything is read or written`, (t) => {
    const root = temp.make();
    t.throws(() => planService({ root, templateDir: path.join(root, 'no-template'), name, generator: GENERATOR }), {
      instanceOf: InvalidNameError,
    });
    t.deepEqual(readdirSync(root), []);
  });
}
