/** What the plop command line adds to the generators: flags, and a guard for missing answers. */
import { readFileSync } from 'node:fs';

export interface CliFlags {
  dryRun: boolean;
  skipInstall: boolean;
}

export const USAGE: Record<string, { answers: string[]; command: string }> = {
  service: { answers: ['name'], command: 'npx plop service <name>' },
  checker: { answers: ['service', 'name'], command: 'npx plop checker <service> <checker-name>' },
  model: { answers: ['service', 'name'], command: 'npx plop model <service> <ModelName>' },
};

/** plop's own options that take a value, which is not an answer. */
const VALUE_FLAGS = new Set(['--dest', '--plopfile', '--cwd', '--preload', '-d']);

export function readFlags(args: readonly string[]): CliFlags {
  const own = args.slice(0, args.includes('--') ? args.indexOf('--') : args.length);
  return { dryRun: own.includes('--dry-run'), skipInstall: own.includes('--skip-install') };
}

/**
 * Without a terminal, plop exits 130 with no message when an answer is
 * missing; this says instead which command to run. Returns the message, or
 * undefined when the command line has every answer.
 */
export function missingAnswers(args: readonly string[]): string | undefined {
  const separator = args.includes('--') ? args.indexOf('--') : args.length;
  const positional: string[] = [];
  for (let i = 0; i < separator; i++) {
    const arg = args[i]!;
    if (VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('-')) positional.push(arg);
  }
  const [generator, ...answers] = positional;
  const commands = Object.values(USAGE).map((usage) => usage.command);
  if (generator === undefined) return `choose a generator: ${commands.join(' | ')}`;
  const usage = USAGE[generator];
  if (!usage) return `unknown generator "${generator}": use one of ${commands.join(' | ')}`;
  const named = new Set(
    args
      .slice(separator + 1)
      .filter((arg) => arg.startsWith('--'))
      .map((arg) => arg.slice(2).split('=')[0]),
  );
  const missing = usage.answers.filter((answer, index) => answers[index] === undefined && !named.has(answer));
  if (missing.length === 0) return undefined;
  return `missing ${missing.join(' and ')} (no terminal to ask): run ${usage.command}`;
}

/** This generator's name and version, recorded in every service it writes. */
export function generatorIdentity(): { name: string; version: string } {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return { name, version };
}
