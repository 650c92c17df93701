import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository root, where the plopfile is. */
export const REPO = path.resolve(import.meta.dirname, '../..');

/** The real plop command line's script, as `npx plop` runs it. */
export const PLOP_BIN = (() => {
  const plopPackage = path.join(REPO, 'node_modules/plop');
  const { bin } = JSON.parse(readFileSync(path.join(plopPackage, 'package.json'), 'utf8')) as {
    bin: string | Record<string, string>;
  };
  return path.join(plopPackage, typeof bin === 'string' ? bin : bin.plop!);
})();
