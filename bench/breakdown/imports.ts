/**
 * What the built service's start-up spends before it listens, by module:
 * `node --import tsx bench/breakdown/imports.ts [repeats]`.
 *
 * Each repeat is a new `node` process (no tsx, as production runs) that
 * imports the template's dependencies one after another, then the built app,
 * and reports how long each import took; a package's time excludes what an
 * earlier import already loaded. Prints the medians as Markdown.
 */
import { runToEnd } from '../lib/children.js';
import { median } from '../lib/rounds.js';
import { TEMPLATE_DIR } from '../lib/template.js';

/** In the order the service's own modules first reach them. */
const MODULES = [
  '@koa/bodyparser',
  'koa',
  '@koa/router',
  'zod',
  '@asteasolutions/zod-to-openapi',
  'prom-client',
  'pino',
  'awilix',
  'pg',
  'knex',
  './dist/src/container.js',
  './dist/src/app.js',
];

const repeats = Number(process.argv[2] ?? 5);
const script = `
const times = { 'node start-up, before the first import': performance.now() };
for (const name of ${JSON.stringify(MODULES)}) {
  const started = performance.now();
  await import(name.startsWith('.') ? ${JSON.stringify(TEMPLATE_DIR)} + '/' + name.slice(2) : name);
  times[name] = performance.now() - started;
}
console.log(JSON.stringify(times));
`;

const runs: Record<string, number>[] = [];
for (let i = 0; i < repeats; i++) {
  const output = await runToEnd({
    name: 'imports',
    command: process.execPath,
    args: ['--input-type=module', '-e', script],
    cwd: TEMPLATE_DIR,
    timeoutMs: 60_000,
  });
  runs.push(JSON.parse(output) as Record<string, number>);
}
const names = Object.keys(runs[0]!);
const rows = names.map((name) => [name, median(runs.map((run) => run[name]!))] as const);
const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
process.stdout.write(
  [
    `Median of ${repeats} processes; total ${Math.round(total)} ms.`,
    '',
    '| import (in this order) | ms |',
    '| --- | --- |',
    ...rows.map(([name, ms]) => `| ${name} | ${Math.round(ms)} |`),
    '',
  ].join('\n'),
);
