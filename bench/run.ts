/**
 * `npm run bench`: every benchmark of the repository in one run on this
 * machine, then one Markdown table on stdout and in docs/benchmarks.md.
 * `npm run bench:smoke` (or `-- --smoke`): every part for a second or two,
 * printed only; it fails only when something breaks, never on a number.
 * `-- --only <part>[,<part>]` runs some parts and `-- --rounds <n>` sets the rounds
 * (and, like the smoke run, they write nothing).
 */
import os from 'node:os';
import path from 'node:path';
import { killAllNow, stopAll } from './lib/children.js';
import type { BenchContext } from './lib/context.js';
import { readOptions } from './lib/options.js';
import { dropAll, serverVersion } from './lib/postgres.js';
import { describeMachine, renderReport, writeReport, type Section } from './lib/report.js';
import { buildTemplate, ROOT } from './lib/template.js';
import { fullStack } from './parts/full-stack.js';
import { installPeers, peers } from './parts/peers.js';
import { probeStorm } from './parts/probe-storm.js';
import { queryHook } from './parts/query-hook.js';
import { scrape } from './parts/scrape.js';
import { startup } from './parts/startup.js';

const PARTS: Record<string, (context: BenchContext) => Promise<Section>> = {
  'full-stack': fullStack,
  'probe-storm': probeStorm,
  scrape,
  'query-hook': queryHook,
  startup,
  peers,
};

/**
 * Set-up a part needs once, run before the deadline starts (it has its own
 * time bound): the peers' dependencies, installed by the bench, not by `npm ci`.
 */
const PREPARE: Record<string, (log: (message: string) => void) => Promise<void>> = {
  peers: installPeers,
};

const REPORT_FILE = path.join(ROOT, 'docs/benchmarks.md');

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  const onlyArg = process.argv.indexOf('--only');
  const only = onlyArg === -1 ? undefined : (process.argv[onlyArg + 1] ?? '').split(',');
  for (const name of only ?? []) {
    if (!(name in PARTS)) throw new Error(`unknown part "${name}": one of ${Object.keys(PARTS).join(', ')}`);
  }
  const started = performance.now();
  const loadAtStart = os.loadavg()[0]!;
  const log = (message: string) =>
    process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

  const parts = Object.entries(PARTS).filter(([name]) => !only || only.includes(name));
  for (const [name] of parts) await PREPARE[name]?.(log);

  // Bounded in time whatever happens: past the deadline everything stops and the run fails.
  const deadline = setTimeout(() => {
    log(`deadline of ${options.deadlineSeconds} s passed: stopping`);
    void cleanUp().finally(() => process.exit(3));
  }, options.deadlineSeconds * 1000);
  deadline.unref();

  log('building the template (npm run build -w template)');
  await buildTemplate();
  const context: BenchContext = { options, log };
  let sections: Section[] = [];
  if (options.smoke) {
    // The smoke run asserts no number, so its parts may share the machine: all at once, to finish sooner.
    // Except the peers' five servers, after the rest: every load runs in this one process, and
    // theirs on top of the others' can starve a one-second storm of every answer.
    const together = parts.filter(([name]) => name !== 'peers');
    if (together.length > 0) log(`parts ${together.map(([name]) => name).join(', ')}, all at once`);
    sections = await Promise.all(together.map(([, part]) => part(context)));
    for (const [name, part] of parts.filter(([name]) => name === 'peers')) {
      log(`part ${name}`);
      sections.push(await part(context));
    }
  } else {
    for (const [name, part] of parts) {
      log(`part ${name}`);
      sections.push(await part(context));
    }
  }

  const report = {
    machine: describeMachine(await serverVersion(), loadAtStart),
    smoke: options.smoke,
    settings: options.smoke
      ? 'Smoke settings: one round per side, 1 s of load per round.'
      : `${options.rounds} rounds per side, alternating (A B A B …); ${options.loadSeconds} s of load per round after ${options.warmupSeconds} s of warm-up per side; medians over rounds.`,
    sections,
    seconds: (performance.now() - started) / 1000,
  };
  const markdown = await renderReport(report, REPORT_FILE);
  process.stdout.write(markdown);
  if (!options.smoke && !only && !process.argv.includes('--rounds')) {
    await writeReport(REPORT_FILE, markdown);
    log(`written to ${path.relative(process.cwd(), REPORT_FILE)}`);
  }
  log(`done in ${report.seconds.toFixed(0)} s`);
}

async function cleanUp(): Promise<void> {
  await stopAll();
  await dropAll().catch((error: unknown) =>
    process.stderr.write(`bench: could not drop a database: ${String(error)}\n`),
  );
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`bench: ${signal}, stopping\n`);
    void cleanUp().finally(() => process.exit(130));
  });
}
process.once('exit', killAllNow);

try {
  await main();
} catch (error) {
  // Stopping the processes makes the parts fail: the signal handler ends the run.
  if (interrupted) await new Promise(() => {});
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await cleanUp();
  process.exit(1);
}
