// A thin loader: plop on Node 20 does not load TypeScript by itself, so tsx
// is registered before the generators (TypeScript in generators/ and src/).
import { register } from 'tsx/esm/api';

register();
const { registerGenerators } = await import('./generators/index.ts');
const { missingAnswers, readFlags, generatorIdentity } = await import('./src/cli.ts');

const args = process.argv.slice(2);
if (!process.stdin.isTTY) {
  const problem = missingAnswers(args);
  if (problem) {
    console.error(`plop: ${problem}`);
    process.exit(2);
  }
}

/** @param {import('plop').NodePlopAPI} plop */
export default function plopfile(plop) {
  registerGenerators(plop, {
    ...readFlags(args),
    templateDir: new URL('./template', import.meta.url).pathname,
    generator: generatorIdentity(),
  });
}
