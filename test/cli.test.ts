import { readFileSync } from 'node:fs';
import test from 'ava';
import { USAGE, generatorIdentity, missingAnswers, readFlags, readUpgradeArgs } from '../src/cli.js';

const SERVICE = 'npx plop service <name>';
const CHECKER = 'npx plop checker <service> <checker-name>';
const MODEL = 'npx plop model <service> <ModelName>';
const MODULE = 'npx plop module <service> <ModelName>';
const UPGRADE = 'npx plop upgrade <service>';

const missing: [string[], string | undefined][] = [
  [[], `choose a generator: ${SERVICE} | ${CHECKER} | ${MODEL} | ${MODULE} | ${UPGRADE}`],
  [['service'], `missing name (no terminal to ask): run ${SERVICE}`],
  [['service', 'orders'], undefined],
  [['checker'], `missing service and name (no terminal to ask): run ${CHECKER}`],
  [['checker', 'orders'], `missing name (no terminal to ask): run ${CHECKER}`],
  [['checker', 'orders', 'x'], undefined],
  [['model'], `missing service and name (no terminal to ask): run ${MODEL}`],
  [['model', 'orders'], `missing name (no terminal to ask): run ${MODEL}`],
  [['model', 'orders', 'Order'], undefined],
  [['module', 'orders'], `missing name (no terminal to ask): run ${MODULE}`],
  [['module', 'orders', 'Order'], undefined],
  [['service', '--', '--name', 'orders'], undefined],
  [['service', '--', '--name=orders'], undefined],
  [['checker', 'orders', '--', '--name', 'payments'], undefined],
  [['checker', '--', '--service', 'orders', '--name', 'payments'], undefined],
  [['checker', '--', '--service', 'orders'], `missing name (no terminal to ask): run ${CHECKER}`],
  [['service', '--', 'orders'], `missing name (no terminal to ask): run ${SERVICE}`],
  [['--dest', '/tmp/x', 'service', 'orders'], undefined],
  [['--dest', '/tmp/x', 'service'], `missing name (no terminal to ask): run ${SERVICE}`],
  [['--dest=/tmp/x', 'service'], `missing name (no terminal to ask): run ${SERVICE}`],
  [
    ['--plopfile', 'plopfile.js', '--cwd', '/tmp', 'checker', 'orders'],
    `missing name (no terminal to ask): run ${CHECKER}`,
  ],
  [['--preload', 'x', 'service', 'orders'], undefined],
  [['service', 'orders', '--dry-run', '--skip-install'], undefined],
  [['--dry-run', 'service'], `missing name (no terminal to ask): run ${SERVICE}`],
  [['--force', 'service', 'orders'], undefined],
  [
    ['services', 'orders'],
    `unknown generator "services": use one of ${SERVICE} | ${CHECKER} | ${MODEL} | ${MODULE} | ${UPGRADE}`,
  ],
  [['upgrade'], `missing service (no terminal to ask): run ${UPGRADE}`],
  [['upgrade', 'orders', '--from', 'abc1234'], undefined],
  [['upgrade', '--from', 'abc1234'], `missing service (no terminal to ask): run ${UPGRADE}`],
  [['upgrade', '--check', '_'], `missing service (no terminal to ask): run ${UPGRADE}`],
  [['--dest', '/tmp/x'], `choose a generator: ${SERVICE} | ${CHECKER} | ${MODEL} | ${MODULE} | ${UPGRADE}`],
];

for (const [args, expected] of missing) {
  test(`missingAnswers(${JSON.stringify(args)})`, (t) => {
    t.is(missingAnswers(args), expected);
  });
}

const flags: [string[], { dryRun: boolean; skipInstall: boolean }][] = [
  [[], { dryRun: false, skipInstall: false }],
  [['service'], { dryRun: false, skipInstall: false }],
  [['service', 'orders'], { dryRun: false, skipInstall: false }],
  [['service', 'orders', '--dry-run'], { dryRun: true, skipInstall: false }],
  [['service', 'orders', '--skip-install'], { dryRun: false, skipInstall: true }],
  [['--dry-run', '--skip-install', 'service', 'orders'], { dryRun: true, skipInstall: true }],
  [['checker', 'orders', 'x', '--dry-run'], { dryRun: true, skipInstall: false }],
  [['service', '--', '--name', 'orders'], { dryRun: false, skipInstall: false }],
  [['service', '--', '--name', 'orders', '--dry-run'], { dryRun: false, skipInstall: false }],
  [['service', '--dry-run', '--', '--name', 'orders'], { dryRun: true, skipInstall: false }],
  [['--dest', '/tmp/x', 'service', 'orders'], { dryRun: false, skipInstall: false }],
];

for (const [args, expected] of flags) {
  test(`readFlags(${JSON.stringify(args)})`, (t) => {
    t.deepEqual(readFlags(args), expected);
  });
}

test('USAGE lists the five generators and their answers, in order', (t) => {
  t.deepEqual(Object.keys(USAGE), ['service', 'checker', 'model', 'module', 'upgrade']);
  t.deepEqual(USAGE.upgrade?.answers, ['service']);
  t.deepEqual(USAGE.service?.answers, ['name']);
  t.deepEqual(USAGE.checker?.answers, ['service', 'name']);
  t.deepEqual(USAGE.model?.answers, ['service', 'name']);
  t.deepEqual(USAGE.module?.answers, ['service', 'name']);
});

test("generatorIdentity is the repository's package name and version", (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    name: string;
    version: string;
  };
  t.deepEqual(generatorIdentity(), { name: pkg.name, version: pkg.version });
  t.is(generatorIdentity().name, 'koa-service-generator');
});

// `_` (any run of underscores) is plop's "ask me this one" placeholder: without
// a terminal plop would prompt on a closed standard input and exit 130 silently.
for (const args of [
  ['service', '_'],
  ['checker', 'orders', '__'],
  ['model', '_', 'Order'],
]) {
  test(`missingAnswers(${JSON.stringify(args)}) reports the answer left to a prompt`, (t) => {
    t.regex(missingAnswers(args) ?? '', /^missing /);
  });
}

// plop turns a named answer without a value into the string "true", which
// would generate services/true.
test('missingAnswers(["service","--","--name"]) reports the name without a value', (t) => {
  t.regex(missingAnswers(['service', '--', '--name']) ?? '', /^missing name/);
});

const upgrades: [string[], ReturnType<typeof readUpgradeArgs>][] = [
  [['service', 'orders'], undefined],
  [['upgrade'], undefined],
  [['upgrade', '_'], undefined],
  [['upgrade', 'orders'], { service: 'orders', dryRun: false, check: false, skipInstall: false }],
  [
    ['--dest', '/tmp/x', 'upgrade', 'orders', '--check', '--from', 'abc1234'],
    { service: 'orders', dest: '/tmp/x', from: 'abc1234', dryRun: false, check: true, skipInstall: false },
  ],
  [
    ['upgrade', '--from=abc1234', 'orders', '--dry-run', '--skip-install'],
    { service: 'orders', from: 'abc1234', dryRun: true, check: false, skipInstall: true },
  ],
  [['upgrade', 'orders', '--from'], { service: 'orders', from: '', dryRun: false, check: false, skipInstall: false }],
  [['upgrade', '--', '--service', 'orders'], { service: 'orders', dryRun: false, check: false, skipInstall: false }],
];

for (const [args, expected] of upgrades) {
  test(`readUpgradeArgs(${JSON.stringify(args)})`, (t) => {
    t.deepEqual(readUpgradeArgs(args), expected);
  });
}
