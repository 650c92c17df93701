import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { TEMPLATE_DIR } from './template.js';

const TEMPLATE_SOURCE = path.join(TEMPLATE_DIR, 'src');
const TEMPLATE_BUILD = path.join(TEMPLATE_DIR, 'dist/src');

/**
 * Transpiles a bench server to `dist/<name>.js` beside it, to run on plain
 * `node`. Through tsx a server spends about a second more starting (esbuild,
 * a loader thread) and carries the loader's memory, and start-up and RSS are
 * what the peers' comparison measures; a user runs compiled JavaScript too.
 *
 * Types are only removed, not checked (`npx tsc -p bench` and
 * `npx tsc -p bench/peers` check them). Decorators are TypeScript's
 * experimental ones, which NestJS needs. Imports of the template's source
 * become imports of its build, which the runner makes first.
 */
export async function compileServer(file: string): Promise<string> {
  const source = await readFile(file, 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: file,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators: true,
    },
  });
  const javascript = outputText.replace(
    /(from\s+|import\s+)'(\.{1,2}\/[^']+)'/g,
    (whole, keyword: string, specifier) => {
      const target = path.resolve(path.dirname(file), specifier as string);
      if (!target.startsWith(TEMPLATE_SOURCE + path.sep)) return whole;
      return `${keyword}'${pathToFileURL(path.join(TEMPLATE_BUILD, path.relative(TEMPLATE_SOURCE, target))).href}'`;
    },
  );
  const output = path.join(path.dirname(file), 'dist', `${path.basename(file, '.ts')}.js`);
  await mkdir(path.dirname(output), { recursive: true });
  await writeFile(output, javascript);
  return output;
}
