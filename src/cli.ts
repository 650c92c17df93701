/** What the plop command line adds to the generators: flags, and a guard for missing answers. */
import { readFileSync } from 'node:fs';

export interface CliFlags {
  dryRun: boolean;
  skipInstall: boolean;
}

export const USAGE: Record<string, { answers: string[]; command: string; does: string }> = {
  service: {
    answers: ['name'],
    command: 'npx plop service <name>',
    does: 'copy template/ to services/<name>, then npm install there',
  },
  checker: {
    answers: ['service', 'name'],
    command: 'npx plop checker <service> <checker-name>',
    does: 'add a readiness check (a stub and its test) to services/<service>',
  },
  model: {
    answers: ['service', 'name'],
    command: 'npx plop model <service> <ModelName>',
    does: 'add an Objection model, its migration and a test to services/<service>',
  },
  module: {
    answers: ['service', 'name'],
    command: 'npx plop module <service> <ModelName>',
    does: 'add a database-backed resource (CRUD under /<models>, zod, OpenAPI) to services/<service>',
  },
  upgrade: {
    answers: ['service'],
    command: 'npx plop upgrade <service>',
    does: "merge the template's changes since services/<service> was generated into it",
  },
};

const FLAGS: [string, string][] = [
  ['--dry-run', 'print what would change, write nothing'],
  ['--skip-install', 'service, upgrade: do not run npm install'],
  ['--check', 'upgrade: exit 0 when current, 1 when behind or conflicted, 2 on error'],
  ['--from <commit>', "upgrade: the template's commit a service came from, when it records none"],
  ['--dest <dir>', 'the repository root to write in (default: this one)'],
];

/** `plop help`, or `--help` / `-h` anywhere before `--`: plop's own help knows nothing of the generators. */
export function wantsHelp(args: readonly string[]): boolean {
  const own = args.slice(0, args.includes('--') ? args.indexOf('--') : args.length);
  return own.includes('--help') || own.includes('-h') || positionals(args)[0] === 'help';
}

/** The generators with their arguments and flags, for `plop help`. */
export function helpText(): string {
  const usages = Object.values(USAGE);
  const width = Math.max(...usages.map((usage) => usage.command.length), ...FLAGS.map(([flag]) => flag.length));
  return [
    'Generators (at the repository root; on a terminal, a missing argument is asked for):',
    ...usages.map((usage) => `  ${usage.command.padEnd(width)}  ${usage.does}`),
    '',
    'Flags:',
    ...FLAGS.map(([flag, does]) => `  ${flag.padEnd(width)}  ${does}`),
    '',
    'Names: services and checkers in kebab-case, models and modules in PascalCase. More in README.md.',
  ].join('\n');
}

/** Options that take a value, which is not an answer: plop's own, and upgrade's `--from`. */
const VALUE_FLAGS = new Set(['--dest', '--plopfile', '--cwd', '--preload', '-d', '--from']);

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
  const [generator, ...answers] = positionals(args);
  const commands = Object.values(USAGE).map((usage) => usage.command);
  if (generator === undefined) return `choose a generator: ${commands.join(' | ')}`;
  const usage = USAGE[generator];
  if (!usage) return `unknown generator "${generator}": use one of ${commands.join(' | ')}`;
  const named = namedAnswers(args.slice(separator + 1));
  const missing = usage.answers.filter((answer, index) => !isGiven(answers[index]) && !isGiven(named.get(answer)));
  if (missing.length === 0) return undefined;
  return `missing ${missing.join(' and ')} (no terminal to ask): run ${usage.command}`;
}

/** The arguments before `--` that are neither options nor an option's value: the generator, then its answers. */
function positionals(args: readonly string[]): string[] {
  const separator = args.includes('--') ? args.indexOf('--') : args.length;
  const positional: string[] = [];
  for (let i = 0; i < separator; i++) {
    const arg = args[i]!;
    if (VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('-')) positional.push(arg);
  }
  return positional;
}

/** An option's value, given as `--flag value` or `--flag=value` before `--`. */
function optionValue(args: readonly string[], ...flags: string[]): string | undefined {
  const separator = args.includes('--') ? args.indexOf('--') : args.length;
  for (let i = 0; i < separator; i++) {
    const arg = args[i]!;
    // A flag without its value gives '', which the command refuses rather than ignores.
    if (flags.includes(arg)) return i + 1 < separator && !args[i + 1]!.startsWith('-') ? args[i + 1] : '';
    const prefix = flags.find((flag) => arg.startsWith(`${flag}=`));
    if (prefix !== undefined) return arg.slice(prefix.length + 1);
  }
  return undefined;
}

export interface UpgradeArgs {
  service: string;
  /** plop's `--dest`, when given. */
  dest?: string;
  from?: string;
  dryRun: boolean;
  check: boolean;
  skipInstall: boolean;
}

/**
 * `upgrade <service> [--dry-run] [--check] [--skip-install] [--from <commit>]`,
 * or undefined when the command line is not an upgrade with its service (plop
 * then runs, and asks for it on a terminal).
 */
export function readUpgradeArgs(args: readonly string[]): UpgradeArgs | undefined {
  const separator = args.includes('--') ? args.indexOf('--') : args.length;
  const [generator, positionalService] = positionals(args);
  if (generator !== 'upgrade') return undefined;
  const service = isGiven(positionalService)
    ? positionalService
    : namedAnswers(args.slice(separator + 1)).get('service');
  if (!isGiven(service)) return undefined;
  const own = args.slice(0, separator);
  const dest = optionValue(args, '--dest', '-d');
  const from = optionValue(args, '--from');
  return {
    service: service!,
    ...(dest !== undefined ? { dest } : {}),
    ...(from !== undefined ? { from } : {}),
    dryRun: own.includes('--dry-run'),
    check: own.includes('--check'),
    skipInstall: own.includes('--skip-install'),
  };
}

/** `--name value` and `--name=value` after plop's `--`; a bare `--name` has no value. */
function namedAnswers(args: readonly string[]): Map<string, string | undefined> {
  const named = new Map<string, string | undefined>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) continue;
    const [key, ...value] = arg.slice(2).split('=');
    if (value.length > 0) named.set(key!, value.join('='));
    else if (args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) named.set(key!, args[++i]);
    else named.set(key!, undefined);
  }
  return named;
}

/** plop reads `_` (any run of underscores) as "ask for this one", which needs a terminal. */
function isGiven(answer: string | undefined): boolean {
  return answer !== undefined && !/^_+$/.test(answer);
}

/** This generator's name and version, recorded in every service it writes. */
export function generatorIdentity(): { name: string; version: string } {
  const { name, version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  return { name, version };
}
