// A thin loader: plop on Node 20 does not load TypeScript by itself, so tsx
// is registered before the generators (TypeScript in generators/ and src/).
import path from 'node:path';
import { register } from 'tsx/esm/api';

register();
const { registerGenerators } = await import('./generators/index.ts');
const { missingAnswers, readFlags, readUpgradeArgs, generatorIdentity, wantsHelp, helpText } =
  await import('./src/cli.ts');

const args = process.argv.slice(2);
if (wantsHelp(args)) {
  console.log(helpText());
  process.exit(0);
}
if (!process.stdin.isTTY) {
  const problem = missingAnswers(args);
  if (problem) {
    console.error(`plop: ${problem}`);
    process.exit(2);
  }
}

const templateDir = new URL('./template', import.meta.url).pathname;

// `upgrade <service>` exits 0, 1 or 2, which a plop action cannot choose: run it here.
const upgradeArgs = readUpgradeArgs(args);
if (upgradeArgs) {
  const { upgrade } = await import('./src/upgrade/command.ts');
  process.exit(
    await upgrade({
      ...upgradeArgs,
      root: path.resolve(upgradeArgs.dest ?? new URL('.', import.meta.url).pathname),
      templateDir,
      generator: generatorIdentity(),
    }),
  );
}

/** @param {import('plop').NodePlopAPI} plop */
export default function plopfile(plop) {
  registerGenerators(plop, { ...readFlags(args), templateDir, generator: generatorIdentity() });
}
