import test from 'ava';
import { mergePackageJson } from '../../src/upgrade/merge-package-json.js';
import { PlanError } from '../../src/plan.js';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
/** The keys of an object read back from JSON, in their order in the text. */
const keys = (value: unknown): string[] => Object.keys(value as object);

const base = {
  name: 'orders',
  version: '0.1.0',
  scripts: { build: 'tsc', test: 'ava', lint: 'eslint .' },
  dependencies: { koa: '^2.15.0', pino: '^9.0.0', zod: '^3.23.0' },
  devDependencies: { ava: '^6.0.0', typescript: '~5.6' },
};

test('a template bump, a dependency you added and your bump of another all land', (t) => {
  const yours = { ...base, dependencies: { ...base.dependencies, pino: '^9.5.0', undici: '^6.0.0' } };
  const theirs = { ...base, dependencies: { ...base.dependencies, koa: '^2.16.0' } };
  const result = mergePackageJson(json(base), json(yours), json(theirs));
  t.deepEqual(result.conflicts, []);
  t.deepEqual(JSON.parse(result.text).dependencies, {
    koa: '^2.16.0',
    pino: '^9.5.0',
    zod: '^3.23.0',
    undici: '^6.0.0',
  });
  t.is(result.text, json({ ...yours, dependencies: { ...yours.dependencies, koa: '^2.16.0' } }));
});

test('a key both sides changed differently keeps yours and is reported by its path', (t) => {
  const yours = { ...base, dependencies: { ...base.dependencies, pino: '^9.5.0' } };
  const theirs = { ...base, dependencies: { ...base.dependencies, pino: '^10.0.0' } };
  const result = mergePackageJson(json(base), json(yours), json(theirs));
  t.deepEqual(result.conflicts, ['dependencies.pino']);
  t.is(JSON.parse(result.text).dependencies.pino, '^9.5.0');
});

test('the same change on both sides is no conflict', (t) => {
  const changed = { ...base, dependencies: { ...base.dependencies, pino: '^10.0.0' } };
  const result = mergePackageJson(json(base), json(changed), json(changed));
  t.deepEqual(result, { text: json(changed), conflicts: [] });
});

test('a script the template removed goes; one it removed that you changed stays, reported', (t) => {
  const yours = { ...base, scripts: { ...base.scripts, lint: 'eslint . --max-warnings 0' } };
  const theirs = { ...base, scripts: { build: 'tsc' } };
  const result = mergePackageJson(json(base), json(yours), json(theirs));
  t.deepEqual(JSON.parse(result.text).scripts, { build: 'tsc', lint: 'eslint . --max-warnings 0' });
  t.deepEqual(result.conflicts, ['scripts.lint']);
});

test('a key you removed stays removed when the template did not change it, and is reported when it did', (t) => {
  const yours = { ...base, dependencies: { koa: '^2.15.0' } };
  const theirs = { ...base, dependencies: { ...base.dependencies, pino: '^10.0.0' } };
  const result = mergePackageJson(json(base), json(yours), json(theirs));
  t.deepEqual(JSON.parse(result.text).dependencies, { koa: '^2.15.0' });
  t.deepEqual(result.conflicts, ['dependencies.pino']);
});

test('keys the template adds land after the key preceding them in the template, in your order', (t) => {
  const yours = { name: 'orders', description: 'Orders', version: '0.1.0', scripts: base.scripts };
  const theirs = {
    name: 'orders',
    version: '0.1.0',
    type: 'module',
    engines: { node: '>=20' },
    scripts: { ...base.scripts, typecheck: 'tsc --noEmit' },
  };
  const result = mergePackageJson(
    json({ name: 'orders', version: '0.1.0', scripts: base.scripts }),
    json(yours),
    json(theirs),
  );
  t.deepEqual(keys(JSON.parse(result.text)), ['name', 'description', 'version', 'type', 'engines', 'scripts']);
  t.deepEqual(keys(JSON.parse(result.text).scripts), ['build', 'test', 'lint', 'typecheck']);
});

test('a dependency added first by the template keeps a sorted list sorted', (t) => {
  const theirs = { ...base, dependencies: { '@koa/cors': '^5.0.0', ...base.dependencies } };
  const result = mergePackageJson(json(base), json({ ...base, private: true }), json(theirs));
  t.deepEqual(keys(JSON.parse(result.text).dependencies), ['@koa/cors', 'koa', 'pino', 'zod']);
});

test('arrays are values: changed on one side taken whole, on both sides a conflict', (t) => {
  const withFiles = (files: string[]): object => ({ ...base, files });
  const oneSide = mergePackageJson(
    json(withFiles(['dist'])),
    json(withFiles(['dist'])),
    json(withFiles(['dist', 'migrations'])),
  );
  t.deepEqual(JSON.parse(oneSide.text).files, ['dist', 'migrations']);
  const both = mergePackageJson(
    json(withFiles(['dist'])),
    json(withFiles(['dist', 'a'])),
    json(withFiles(['dist', 'b'])),
  );
  t.deepEqual(JSON.parse(both.text).files, ['dist', 'a']);
  t.deepEqual(both.conflicts, ['files']);
});

test('an object added on both sides merges key by key', (t) => {
  const yours = { ...base, overrides: { semver: '^7.6.0' } };
  const theirs = { ...base, overrides: { 'path-to-regexp': '^6.3.0' } };
  const result = mergePackageJson(json(base), json(yours), json(theirs));
  t.deepEqual(JSON.parse(result.text).overrides, { semver: '^7.6.0', 'path-to-regexp': '^6.3.0' });
  t.deepEqual(result.conflicts, []);
});

test('a value turned into an object on one side and changed on the other is a conflict at that key', (t) => {
  const yours = { ...base, version: { major: 1 } };
  const theirs = { ...base, version: '0.2.0' };
  const result = mergePackageJson(json(base), json(yours), json(theirs));
  t.deepEqual(result.conflicts, ['version']);
  t.deepEqual(JSON.parse(result.text).version, { major: 1 });
});

test('when nothing of yours changes, your text is kept byte for byte', (t) => {
  const yours = `${JSON.stringify({ ...base, private: true }, null, 4)}\n`;
  const result = mergePackageJson(json(base), yours, json(base));
  t.is(result.text, yours);
});

test('the result is written as the template writes it, always valid JSON', (t) => {
  const yours = JSON.stringify({ ...base, private: true });
  const theirs = { ...base, version: '0.2.0' };
  const result = mergePackageJson(json(base), yours, json(theirs));
  t.is(result.text, json({ ...base, version: '0.2.0', private: true }));
});

test('an unparsable package.json of yours is refused, naming the file and the problem', (t) => {
  const error = t.throws(() => mergePackageJson(json(base), '{ "name": "orders", }', json(base)), {
    instanceOf: PlanError,
  });
  t.regex(error.message, /^package\.json is not valid JSON \(.+\)/);
});

test('a package.json that is not an object is refused', (t) => {
  t.throws(() => mergePackageJson(json(base), '[]', json(base)), {
    message: /package\.json does not hold a JSON object/,
  });
});
