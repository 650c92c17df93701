import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { USAGE } from '../src/cli.js';
import { readTemplate } from '../src/template-files.js';
import { TEMPLATE_DIR } from './helpers/service.js';
import { listFiles, tempDirs, treeHash } from './helpers/tree.js';

/**
 * The real command line, as CI runs it: `plop --dest <tmp> ...` with standard
 * input closed (no terminal). One service is generated once, in `before`, and
 * copied for the tests that change it.
 */

const REPO = path.resolve(import.meta.dirname, '..');
const PLOP_PACKAGE = path.join(REPO, 'node_modules/plop');
const PLOP_BIN = (() => {
  const { bin } = JSON.parse(readFileSync(path.join(PLOP_PACKAGE, 'package.json'), 'utf8')) as {
    bin: string | Record<string, string>;
  };
  return path.join(PLOP_PACKAGE, typeof bin === 'string' ? bin : bin.plop!);
})();

const temp = tempDirs('plopfile-test');
test.after.always(() => temp.cleanup());

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr, without colours or the spinner's blank lines. */
  lines: string[];
}

function plop(dest: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PLOP_BIN, '--dest', dest, ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = `${stdout}\n${stderr}`
        // eslint-disable-next-line no-control-regex
        .replace(/\u001b\[[0-9;]*[A-Za-z]/g, '')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && line !== '-');
      resolve({ code, stdout, stderr, lines });
    });
  });
}

const TEMPLATE_FILES = readTemplate(TEMPLATE_DIR, 'demo').length;

/** A root holding services/demo, generated once by the CLI. */
let generated: { root: string; run: Run };
test.before(async () => {
  const root = temp.make();
  generated = { root, run: await plop(root, 'service', 'demo', '--skip-install') };
});

/** A copy of the generated root, for a test that changes it. */
function copyOfGenerated(): string {
  const root = temp.make();
  cpSync(generated.root, root, { recursive: true });
  return root;
}

test('service without a name: exit 2 and one line saying which command to run', async (t) => {
  const root = temp.make();
  const run = await plop(root, 'service');
  t.is(run.code, 2);
  t.is(run.stdout, '');
  t.is(run.stderr, 'plop: missing name (no terminal to ask): run npx plop service <name>\n');
  t.deepEqual(readdirSync(root), []);
});

test('checker with only the service: exit 2 and one line', async (t) => {
  const run = await plop(temp.make(), 'checker', 'demo');
  t.is(run.code, 2);
  t.is(run.stderr, 'plop: missing name (no terminal to ask): run npx plop checker <service> <checker-name>\n');
});

test('service demo --skip-install: exit 0, the service, a summary and the next steps in under 20 lines', (t) => {
  const { root, run } = generated;
  t.is(run.code, 0, run.lines.join('\n'));
  const files = listFiles(path.join(root, 'services/demo'));
  t.is(files.length, TEMPLATE_FILES + 1);
  t.false(existsSync(path.join(root, 'services/demo/node_modules')), 'no npm install');
  // Every line a person sees, the progress spinner's included.
  const output = `${run.stdout}${run.stderr}`.trimEnd().split('\n');
  t.true(output.length < 20, output.join('\n'));
  t.false(
    run.lines.some((line) => / added /.test(line)),
    'no line per file',
  );
  t.true(
    run.lines.some((line) =>
      line.includes(`write services/demo, a copy of template/: ${TEMPLATE_FILES + 1} files, all or nothing`),
    ),
    run.lines.join('\n'),
  );
  t.true(run.lines.some((line) => line.startsWith('cd services/demo && npm install && npm start')));
  t.true(run.lines.includes('curl localhost:8080/ready'));
  t.true(run.lines.includes('curl localhost:8080/metrics'));
  const pkg = JSON.parse(readFileSync(path.join(root, 'services/demo/package.json'), 'utf8')) as { name: string };
  t.is(pkg.name, 'demo');
  const provenance = JSON.parse(readFileSync(path.join(root, 'services/demo/.generator.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  t.like(provenance, {
    generator: 'koa-service-generator',
    history: [{ generator: 'service', answers: { name: 'demo' } }],
  });
  t.deepEqual(readdirSync(root), ['services']);
  t.deepEqual(readdirSync(path.join(root, 'services')), ['demo']);
});

test('service demo again: refused, and nothing changes', async (t) => {
  const root = copyOfGenerated();
  const before = treeHash(root);
  const run = await plop(root, 'service', 'demo', '--skip-install');
  t.not(run.code, 0);
  t.true(
    run.lines.some((line) => line.includes('services/demo already exists; nothing was written')),
    run.lines.join('\n'),
  );
  t.false(run.lines.some((line) => / added /.test(line)));
  t.is(treeHash(root), before);
});

test('--dry-run: exit 0, lists every file, writes nothing', async (t) => {
  const root = temp.make();
  const run = await plop(root, 'service', 'preview', '--dry-run');
  t.is(run.code, 0, run.lines.join('\n'));
  const would = run.lines.filter((line) => / would add services\/preview\//.test(line));
  t.is(would.length, TEMPLATE_FILES + 1);
  t.true(would.some((line) => line.endsWith('would add services/preview/.generator.json')));
  t.true(run.lines.some((line) => line.includes('files planned, nothing written')));
  t.true(run.lines.some((line) => line.endsWith('would run npm install in services/preview')));
  t.deepEqual(readdirSync(root), []);
});

// A bare `plop --help` is plop's own: it answers it before loading the plopfile.
for (const args of [['help'], ['service', '--help'], ['checker', 'demo', '-h']]) {
  test(`plop ${args.join(' ')}: the generators with their arguments and flags`, async (t) => {
    const root = temp.make();
    const run = await plop(root, ...args);
    t.is(run.code, 0, run.lines.join('\n'));
    for (const usage of Object.values(USAGE)) t.true(run.stdout.includes(usage.command), usage.command);
    for (const flag of ['--dry-run', '--skip-install', '--check', '--from <commit>']) t.true(run.stdout.includes(flag));
    t.deepEqual(readdirSync(root), []);
  });
}

const badNames = [
  'Upper',
  'has space',
  'double--dash',
  '../x',
  'a/b',
  'node_modules',
  'http',
  'template-service',
  'café',
  '$(id)',
  ';rm',
  'x'.repeat(80),
  'x',
  'trailing-',
  'tab\there',
];

test('bad service names: each exits non-zero with a message and changes nothing', async (t) => {
  const root = copyOfGenerated();
  const before = treeHash(root);
  const runs: [string, Run][] = [];
  // Three at a time: each run costs a Node start-up with tsx.
  const queue = [...badNames.map((name) => [name]), ['--', '--name=-lead']];
  await Promise.all(
    [0, 1, 2].map(async () => {
      for (let args = queue.shift(); args !== undefined; args = queue.shift()) {
        runs.push([args.join(' '), await plop(root, 'service', ...args)]);
      }
    }),
  );
  t.is(runs.length, badNames.length + 1);
  for (const [name, run] of runs) {
    t.not(run.code, 0, `${name}: ${run.lines.join('\n')}`);
    t.true(
      run.lines.some((line) =>
        /service name .*(is invalid: use 2 to 40 characters|is reserved|is required)/.test(line),
      ),
      `${name}: ${run.lines.join('\n')}`,
    );
  }
  t.is(treeHash(root), before);
});

const badExtensions: [string[], RegExp][] = [
  [['checker', 'demo', '../x'], /checker name "\.\.\/x" is invalid: use 2 to 40 characters/],
  [['checker', 'demo', 'Payments'], /checker name "Payments" is invalid/],
  [['checker', 'demo', 'migrations'], /checker name "migrations" is taken by the template's own checks/],
  [['checker', 'missing', 'payments'], /create it first with: npx plop service missing/],
  [['model', 'missing', 'Order'], /create it first with: npx plop service missing/],
  [['model', 'demo', 'order'], /model name "order" is invalid: use a PascalCase identifier/],
  [['model', 'demo', 'Order;rm'], /model name "Order;rm" is invalid/],
  [['model', 'demo', '../Order'], /model name "\.\.\/Order" is invalid/],
  [['module', 'missing', 'Order'], /create it first with: npx plop service missing/],
  [['module', 'demo', 'orders'], /model name "orders" is invalid: use a PascalCase identifier/],
  [['module', 'demo', '../Order'], /model name "\.\.\/Order" is invalid/],
  [['module', 'demo', 'Greeting'], /module greetings already exists in services\/demo\/src\/modules\/greetings/],
];

test('bad checker, model and module inputs: each exits non-zero with a message and changes nothing', async (t) => {
  const root = copyOfGenerated();
  const before = treeHash(root);
  const queue = [...badExtensions];
  const runs: [string, RegExp, Run][] = [];
  await Promise.all(
    [0, 1, 2].map(async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        runs.push([next[0].join(' '), next[1], await plop(root, ...next[0])]);
      }
    }),
  );
  t.is(runs.length, badExtensions.length);
  for (const [command, message, run] of runs) {
    t.not(run.code, 0, `${command}: ${run.lines.join('\n')}`);
    t.true(
      run.lines.some((line) => message.test(line)),
      `${command}: ${run.lines.join('\n')}`,
    );
  }
  t.is(treeHash(root), before);
});

test('checker demo payments: added and registered; a second time refused, nothing changes', async (t) => {
  const root = copyOfGenerated();
  const index = path.join(root, 'services/demo/src/checks/index.ts');
  const first = await plop(root, 'checker', 'demo', 'payments');
  t.is(first.code, 0, first.lines.join('\n'));
  t.true(first.lines.some((line) => line.endsWith('added services/demo/src/checks/payments.ts')));
  t.true(first.lines.some((line) => line.endsWith('added services/demo/test/checks/payments.test.ts')));
  t.true(first.lines.some((line) => line.endsWith('changed services/demo/src/checks/index.ts')));
  t.true(existsSync(path.join(root, 'services/demo/src/checks/payments.ts')));
  t.true(readFileSync(index, 'utf8').includes("import { createPaymentsChecker } from './payments.js';"));
  t.true(readFileSync(index, 'utf8').includes('health.register(createPaymentsChecker());'));

  const before = treeHash(root);
  const second = await plop(root, 'checker', 'demo', 'payments');
  t.not(second.code, 0);
  t.true(
    second.lines.some((line) => line.includes('checker "payments" already exists')),
    second.lines.join('\n'),
  );
  t.is(treeHash(root), before);
});

test('model demo Order: the model, a migration and a test', async (t) => {
  const root = copyOfGenerated();
  const run = await plop(root, 'model', 'demo', 'Order');
  t.is(run.code, 0, run.lines.join('\n'));
  t.true(
    readFileSync(path.join(root, 'services/demo/src/models/order.ts'), 'utf8').includes(
      'export class Order extends Model',
    ),
  );
  t.true(existsSync(path.join(root, 'services/demo/test/models/order.test.ts')));
  const migrations = readdirSync(path.join(root, 'services/demo/migrations')).filter((file) => file !== '.gitkeep');
  t.is(migrations.length, 1);
  t.regex(migrations[0]!, /^\d{14}_create_orders\.ts$/);
  t.true(run.lines.some((line) => line.endsWith(`added services/demo/migrations/${migrations[0]}`)));
});

test('checker for a missing service: refused with the command that creates it', async (t) => {
  const root = copyOfGenerated();
  const before = treeHash(root);
  const run = await plop(root, 'checker', 'missing', 'payments');
  t.not(run.code, 0);
  t.true(
    run.lines.some((line) => line.includes('create it first with: npx plop service missing')),
    run.lines.join('\n'),
  );
  t.is(treeHash(root), before);
});

test('checker in a service whose marker was removed: refused, no file written', async (t) => {
  const root = copyOfGenerated();
  const index = path.join(root, 'services/demo/src/checks/index.ts');
  writeFileSync(
    index,
    readFileSync(index, 'utf8')
      .split('\n')
      .filter((line) => !line.includes('// plop:checkers'))
      .join('\n'),
  );
  const before = treeHash(root);
  const run = await plop(root, 'checker', 'demo', 'payments');
  t.not(run.code, 0);
  t.true(
    run.lines.some((line) => line.includes('marker "plop:checkers" not found in services/demo/src/checks/index.ts')),
    run.lines.join('\n'),
  );
  t.is(treeHash(root), before);
  t.false(existsSync(path.join(root, 'services/demo/src/checks/payments.ts')));
});
