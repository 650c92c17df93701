import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { planChecker } from '../../src/checker-plan.js';
import { planModel } from '../../src/model-plan.js';
import { applyPlan } from '../../src/plan.js';
import { planService } from '../../src/service-plan.js';
import { formatProvenance, parseProvenance, readProvenance } from '../../src/upgrade/provenance.js';
import { readServiceTree, renderService } from '../../src/upgrade/render.js';
import { tempDirs } from '../helpers/tree.js';
import { Fixture, GENERATOR, git } from './helpers/fixture.js';

/** What `.generator.json` records, and that replaying it renders the service again. */

const temp = tempDirs('provenance-test');
test.after.always(() => temp.cleanup());

test('a clean template records its commit and tree; a dirty one neither', (t) => {
  const f = new Fixture(temp.make());
  const clean = planService({ root: f.project, templateDir: f.templateDir, name: 'demo', generator: GENERATOR });
  const recorded = parseProvenance(String(clean.changes.at(-1)!.content), 'x');
  t.deepEqual(recorded.template, {
    commit: f.first,
    tree: git(f.generator, 'rev-parse', `${f.first}:template`),
  });
  f.editTemplate('README.md', (text) => `${text}\nUncommitted.\n`);
  const dirty = planService({ root: f.project, templateDir: f.templateDir, name: 'demo', generator: GENERATOR });
  t.deepEqual(parseProvenance(String(dirty.changes.at(-1)!.content), 'x').template, {});
});

test('checker and model append to the history; the model records its migration; replaying renders the same files', (t) => {
  const f = new Fixture(temp.make());
  const service = f.generate('demo', [
    { checker: 'payments-api' },
    { model: 'LineItem', now: new Date('2026-12-02T03:04:05Z') },
  ]);
  const provenance = readProvenance(service);
  t.deepEqual(provenance.history, [
    { generator: 'service', answers: { name: 'demo' } },
    { generator: 'checker', answers: { name: 'payments-api' } },
    { generator: 'model', answers: { name: 'LineItem', migration: '20261202030405_create_line_items.ts' } },
  ]);
  const rendered = renderService(
    { repository: f.generator, commit: provenance.template.commit!, prefix: 'template/' },
    provenance.history,
  );
  const actual = readServiceTree(service);
  actual.delete('.generator.json');
  t.deepEqual([...rendered.tree.keys()], [...actual.keys()]);
  for (const [file, content] of actual) t.deepEqual(rendered.tree.get(file), content, file);
});

test('the provenance text is stable: sorted hashes, fixed keys, final newline', (t) => {
  const text = formatProvenance({
    generator: 'g',
    version: '1',
    template: { commit: 'c', tree: 't' },
    files: { 'b.ts': '2', 'a.ts': '1' },
    history: [{ generator: 'service', answers: { name: 'demo' } }],
  });
  t.is(
    text,
    '{\n  "generator": "g",\n  "version": "1",\n  "template": {\n    "commit": "c",\n    "tree": "t"\n  },\n  "files": {\n    "a.ts": "1",\n    "b.ts": "2"\n  },\n  "history": [\n    {\n      "generator": "service",\n      "answers": {\n        "name": "demo"\n      }\n    }\n  ]\n}\n',
  );
  t.is(formatProvenance(parseProvenance(text, 'x')), text);
});

test('a provenance of 0.1.0 reads as a one-entry history with no commit; a checker or model rewrites it with its history', (t) => {
  const root = temp.make();
  const f = new Fixture(temp.make());
  applyPlan(planService({ root, templateDir: f.templateDir, name: 'demo', generator: GENERATOR }));
  const file = path.join(root, 'services/demo/.generator.json');
  const old = `${JSON.stringify({ generator: 'koa-service-generator', version: '0.1.0', generatedAt: '2026-11-28T10:00:00.000Z', command: 'service', answers: { name: 'demo' } }, null, 2)}\n`;
  const parsed = parseProvenance(old, file);
  t.deepEqual(parsed.template, {});
  t.deepEqual(parsed.files, {});
  t.deepEqual(parsed.history, [{ generator: 'service', answers: { name: 'demo' } }]);

  writeFileSync(file, old);
  applyPlan(planChecker({ root, service: 'demo', name: 'payments' }));
  applyPlan(planModel({ root, service: 'demo', name: 'Order', migration: '20261202000000_create_orders.ts' }));
  const after = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  t.like(after, { generator: 'koa-service-generator', version: '0.1.0', template: {}, files: {} });
  t.is(after.generatedAt, undefined);
  t.deepEqual(after.history, [
    { generator: 'service', answers: { name: 'demo' } },
    { generator: 'checker', answers: { name: 'payments' } },
    { generator: 'model', answers: { name: 'Order', migration: '20261202000000_create_orders.ts' } },
  ]);
});
