import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import pg from 'pg';
import { Fixture, git } from './upgrade/helpers/fixture.js';

/**
 * End to end, as a platform team would, on one generated and installed
 * service: in a git repository holding a copy of this generator whose first
 * commit has an older template, generate a service with the real plop command
 * and standard input closed, edit it, extend it with a checker and a model,
 * commit; then the generator gets today's template, and `plop upgrade`
 * merges it in and installs, and `plop module` adds a resource. The result must
 * type-check, lint, pass its tests on the local PostgreSQL, start, answer its
 * probes, a clean /metrics, a valid /openapi.json and the module's routes
 * (a duplicate create a 409), and `upgrade --check` must find it current.
 */

const test = anyTest as TestFn<{ fixture: Fixture; root: string; service: string }>;
const REPO = path.resolve(import.meta.dirname, '..');
/**
 * The older template: this repository's `template/` before the kubernetes-models
 * bump, so the upgrade brings a dependency change (and an install) and a month
 * of template work. CI clones with full history; in a shallow clone the older
 * template is today's with that dependency held back, which says so in the log.
 */
const OLDER_TEMPLATE_COMMIT = 'e31437f';
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/**
 * A database of this run's own: the service migrates it (the model adds a
 * table), and a later run's service, without that migration, would find the
 * database newer than its code and never be ready.
 */
const DATABASE_NAME = `e2e_${process.pid}_${Date.now()}`;
const DATABASE_URL = Object.assign(new URL(SERVER_URL), { pathname: `/${DATABASE_NAME}` }).href;

async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const npm = (service: string, script: string, env: Record<string, string> = {}) =>
  run('npm', ['run', script], service, { DATABASE_URL, ...env });

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * How long the built service may take to listen and be ready: under a second
 * when idle; on a busy CI machine, many times that. Start-up time is the
 * benchmark's to measure.
 */
const START_TIMEOUT_MS = 90_000;

async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  return { status: res.status, text: await res.text() };
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts the built service on PostgreSQL, checks its probes and metrics, runs `more` on it, stops it with SIGTERM. */
async function startAndProbe(
  t: ExecutionContext<unknown>,
  service: string,
  more: (base: string) => Promise<void> = async () => {},
): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/src/server.js'], {
    cwd: service,
    env: { ...process.env, DATABASE_URL, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const base = `http://127.0.0.1:${port}`;
    const live = await until(
      async () => ((await get(`${base}/healthz`)).status === 200 ? true : undefined),
      START_TIMEOUT_MS,
    );
    t.true(live);
    const ready = await until(async () => {
      const res = await get(`${base}/ready`);
      return res.status === 200 ? res.text : undefined;
    }, START_TIMEOUT_MS);
    const metrics = await get(`${base}/metrics`);
    t.is(metrics.status, 200);
    const check = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let findings = '';
    check.stdout.on('data', (chunk: Buffer) => (findings += chunk.toString()));
    check.stderr.on('data', (chunk: Buffer) => (findings += chunk.toString()));
    check.stdin.end(metrics.text);
    t.is(await new Promise((resolve) => check.on('close', resolve)), 0, findings);
    t.regex(metrics.text, /service_build_info\{service_name="demo",service_version="0\.1\.0"/);
    await more(base);
    return ready;
  } finally {
    child.kill('SIGTERM');
    t.is(await exited, 0);
  }
}

/** Puts `template/` of OLDER_TEMPLATE_COMMIT in place, or today's with an older dependency when that commit is missing. */
function olderTemplate(t: ExecutionContext<unknown>, templateDir: string): void {
  const archive = spawnSync('git', ['-C', REPO, 'archive', '--format=tar', OLDER_TEMPLATE_COMMIT, 'template'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (archive.status === 0) {
    rmSync(templateDir, { recursive: true, force: true });
    const untar = spawnSync('tar', ['-x', '-C', path.dirname(templateDir)], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr.toString()}`);
    return;
  }
  t.log(
    `commit ${OLDER_TEMPLATE_COMMIT} is not in this clone (shallow?): the older template is today's with kubernetes-models held back`,
  );
  const pkgFile = path.join(templateDir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { devDependencies: Record<string, string> };
  pkg.devDependencies['kubernetes-models'] = '^4.4.0';
  writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
}

test.before(async (t) => {
  await onServer(`create database ${DATABASE_NAME}`);
  // The test owns these directories; nothing in the repository is touched.
  t.context.root = mkdtempSync(path.join(tmpdir(), 'generated-'));
  t.context.fixture = new Fixture(t.context.root, { olderTemplate: (dir) => olderTemplate(t, dir) });
  t.context.service = path.join(t.context.fixture.project, 'services/demo');
});

test.after.always(async (t) => {
  rmSync(t.context.root, { recursive: true, force: true });
  await onServer(`drop database if exists ${DATABASE_NAME} with (force)`);
});

const plop = async (f: Fixture, ...args: string[]): Promise<Run> => {
  const result = await f.plop(...args);
  return { code: result.code, output: `${result.stdout}${result.stderr}` };
};

test.serial('from the older template: plop service demo, your edits, a checker and a model, committed', async (t) => {
  const f = t.context.fixture;
  const service = await plop(f, 'service', 'demo', '--skip-install');
  t.is(service.code, 0, service.output);
  f.edit('README.md', (text) => text.replace(/^# demo\n/, '# demo\n\nOwned by the demo team.\n'));
  f.edit('package.json', (text) => {
    const pkg = JSON.parse(text) as { scripts: Record<string, string> };
    pkg.scripts.owner = 'echo demo-team';
    return `${JSON.stringify(pkg, null, 2)}\n`;
  });
  f.write('src/owner.ts', "/** Who runs this service. */\nexport const OWNER = 'demo-team';\n");
  const checker = await plop(f, 'checker', 'demo', 'payments-api');
  t.is(checker.code, 0, checker.output);
  const model = await plop(f, 'model', 'demo', 'Order');
  t.is(model.code, 0, model.output);
  f.commitProject('demo from the older template, with our edits');
  t.false(existsSync(path.join(t.context.service, 'node_modules')));
});

test.serial("plop upgrade demo merges today's template into it and installs", async (t) => {
  const f = t.context.fixture;
  f.useCurrentTemplate();
  f.commitTemplate("Today's template");
  const started = Date.now();
  const upgrade = await plop(f, 'upgrade', 'demo');
  t.log(`upgrade with npm install: ${Math.round((Date.now() - started) / 1000)} s`);
  t.is(upgrade.code, 0, upgrade.output);
  t.regex(upgrade.output, /npm install: ran, dependencies changed\./);
  t.notRegex(upgrade.output, /Conflicts in/);
  t.true(existsSync(path.join(t.context.service, 'node_modules/koa')));
  t.regex(f.read('README.md'), /^# demo\n\nOwned by the demo team\.\n/);
  t.is((JSON.parse(f.read('package.json')) as { scripts: Record<string, string> }).scripts.owner, 'echo demo-team');
  t.true(f.read('src/checks/index.ts').includes('health.register(createPaymentsApiChecker());'));
  t.true(existsSync(path.join(t.context.service, 'src/models/order.ts')));
  for (const file of ['src/app.ts', 'src/config.ts', 'test/server.test.ts']) {
    t.is(f.read(file), readFileSync(path.join(f.templateDir, file), 'utf8').replaceAll('template-service', 'demo'));
  }
  f.commitProject('Upgrade demo');
  t.is(git(f.project, 'status', '--porcelain'), '');
});

test.serial('plop module demo Product adds a resource to the upgraded service', async (t) => {
  const f = t.context.fixture;
  const module = await plop(f, 'module', 'demo', 'Product');
  t.is(module.code, 0, module.output);
  t.true(f.read('src/app.ts').includes('createProductsRouter(container.cradle, docs),'));
  t.true(existsSync(path.join(t.context.service, 'src/modules/products/routes.ts')));
  f.commitProject('A products module');
});

test.serial('the upgraded service type-checks, lints and passes its tests on PostgreSQL', async (t) => {
  for (const script of ['typecheck', 'lint', 'test']) {
    const result = await npm(t.context.service, script);
    t.is(result.code, 0, `npm run ${script}:\n${result.output}`);
  }
  const pglite = await run(
    'npm',
    ['test', '--', 'test/models', 'test/modules', 'test/http/openapi.test.ts'],
    t.context.service,
    {
      DATABASE_URL: '',
    },
  );
  t.is(pglite.code, 0, `the model's and modules' tests on PGlite:\n${pglite.output}`);
});

test.serial(
  'the built service answers its probes, with its checker, a clean /metrics, /openapi.json and its module',
  async (t) => {
    const build = await npm(t.context.service, 'build');
    t.is(build.code, 0, build.output);
    const ready = await startAndProbe(t, t.context.service, async (base) => {
      const openapi = await get(`${base}/openapi.json`);
      t.is(openapi.status, 200);
      const document = JSON.parse(openapi.text) as { openapi: string; paths: Record<string, object> };
      t.is(document.openapi, '3.1.0');
      // The service's own validator, a devDependency of the template.
      const resolve = createRequire(path.join(t.context.service, 'package.json')).resolve;
      const { default: SwaggerParser } = (await import(pathToFileURL(resolve('@apidevtools/swagger-parser')).href)) as {
        default: { validate(document: object): Promise<unknown> };
      };
      await t.notThrowsAsync(SwaggerParser.validate(structuredClone(document)));
      for (const route of ['/healthz', '/ready', '/ready/{check}', '/metrics', '/openapi.json', '/greetings']) {
        t.truthy(document.paths[route], route);
      }
      t.deepEqual(Object.keys(document.paths['/products'] ?? {}).sort(), ['get', 'post']);
      t.deepEqual(Object.keys(document.paths['/products/{id}'] ?? {}).sort(), ['delete', 'get', 'patch']);

      const create = () =>
        fetch(`${base}/products`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'e2e' }),
          signal: AbortSignal.timeout(30_000),
        });
      t.is((await create()).status, 201);
      const duplicate = await create();
      t.is(duplicate.status, 409, await duplicate.text());
    });
    t.regex(ready, /"database"/);
    t.regex(ready, /"payments-api"/);
  },
);

test.serial('upgrade --check finds it current, and writes nothing', async (t) => {
  const f = t.context.fixture;
  const check = await plop(f, 'upgrade', 'demo', '--check');
  t.is(check.code, 0, check.output);
  t.regex(check.output, /services\/demo is current with template [0-9a-f]{7}\./);
  t.is(git(f.project, 'status', '--porcelain'), '');
});
