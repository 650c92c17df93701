import test from 'ava';
import nodePlop from 'node-plop';
import { registerGenerators } from '../../generators/index.js';
import { tempDirs } from '../helpers/tree.js';
import { Fixture, GENERATOR } from './helpers/fixture.js';

/** The `upgrade` generator of plop's menu (a terminal): the same command, its summary as the action's result. */

const temp = tempDirs('upgrade-generator-test');
test.after.always(() => temp.cleanup());

async function runUpgrade(f: Fixture, service: string, dryRun = false) {
  const plop = await nodePlop(undefined, { destBasePath: f.project, force: false });
  registerGenerators(plop, { dryRun, skipInstall: true, templateDir: f.templateDir, generator: GENERATOR });
  return plop.getGenerator('upgrade').runActions({ service });
}

test('from the menu: upgrades and reports the summary; a refusal is a failed action', async (t) => {
  const f = new Fixture(temp.make());
  f.generate();
  f.editTemplate('src/app.ts', (text) => `${text}// theirs\n`);
  f.commitTemplate('Template: app.ts');

  const dry = await runUpgrade(f, 'demo', true);
  t.deepEqual(dry.failures, []);
  t.regex(dry.changes[0]!.path, /updated +src\/app\.ts/);
  t.false(f.read('src/app.ts').endsWith('// theirs\n'));

  const result = await runUpgrade(f, 'demo');
  t.deepEqual(result.failures, []);
  t.regex(result.changes[0]!.path, /^Upgraded services\/demo from [0-9a-f]{7} to [0-9a-f]{7}\./);
  t.true(f.read('src/app.ts').endsWith('// theirs\n'));

  const missing = await runUpgrade(f, 'nope');
  t.is(missing.failures.length, 1);
  t.regex(JSON.stringify(missing.failures), /no service at services\/nope/);
});
