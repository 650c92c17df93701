import { chmodSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { readTemplate, replacePlaceholder } from '../src/template-files.js';
import { TEMPLATE_DIR } from './helpers/service.js';
import { tempDirs, treeHash } from './helpers/tree.js';

const temp = tempDirs('template-files-test');
test.after.always(() => temp.cleanup());

const BINARY = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0xff, 0xfe]),
  Buffer.from('template-service'),
]);

/** A tiny template with every kind of entry that must or must not be copied. */
function fakeTemplate(): string {
  const dir = temp.make();
  const files: Record<string, string | Buffer> = {
    'package.json': '{ "name": "template-service", "description": "template-service, template-service" }\n',
    '.gitignore': 'node_modules/\n',
    '.env.example': 'SERVICE_NAME=template-service\n',
    '.env': 'SECRET=do-not-copy\n',
    'npm-debug.log': 'log\n',
    'src/logs/server.log': 'log\n',
    '.DS_Store': 'finder\n',
    'tsconfig.tsbuildinfo': '{}\n',
    'node_modules/dep/index.js': 'module.exports = 1;\n',
    'src/node_modules/nested/index.js': 'nested\n',
    'dist/src/server.js': 'built\n',
    '.data/pglite/PG_VERSION': '16\n',
    'coverage/lcov.info': 'coverage\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    'src/template-service.ts': "export const name = 'template-service';\n",
    'src/server.ts': 'const a = "{{ not a handlebars template }}";\n',
    'assets/logo.png': BINARY,
    'bin/start.sh': '#!/bin/sh\necho template-service\n',
    'migrations/.gitkeep': '',
  };
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  chmodSync(path.join(dir, 'bin/start.sh'), 0o755);
  chmodSync(path.join(dir, 'package.json'), 0o644);
  return dir;
}

test('a fake template: only the files meant to be copied, placeholder replaced in paths and text', (t) => {
  const dir = fakeTemplate();
  const before = treeHash(dir);
  const files = readTemplate(dir, 'orders');
  t.deepEqual(
    files.map((file) => file.path),
    [
      '.env.example',
      '.gitignore',
      'assets/logo.png',
      'bin/start.sh',
      'migrations/.gitkeep',
      'package.json',
      'src/orders.ts',
      'src/server.ts',
    ],
  );
  const byPath = new Map(files.map((file) => [file.path, file]));
  t.is(byPath.get('package.json')?.content, '{ "name": "orders", "description": "orders, orders" }\n');
  t.is(byPath.get('.env.example')?.content, 'SERVICE_NAME=orders\n');
  t.is(byPath.get('src/orders.ts')?.content, "export const name = 'orders';\n");
  t.is(byPath.get('src/server.ts')?.content, 'const a = "{{ not a handlebars template }}";\n', 'copied, not rendered');
  t.is(byPath.get('migrations/.gitkeep')?.content, '');
  t.is(treeHash(dir), before, 'the template itself is not changed');
});

test('a binary file (with a NUL byte) is kept byte for byte, placeholder included', (t) => {
  const files = readTemplate(fakeTemplate(), 'orders');
  const logo = files.find((file) => file.path === 'assets/logo.png');
  t.true(Buffer.isBuffer(logo?.content));
  t.true(BINARY.equals(logo!.content as Buffer));
});

test('file modes are kept (an executable stays executable)', (t) => {
  const files = readTemplate(fakeTemplate(), 'orders');
  t.is(files.find((file) => file.path === 'bin/start.sh')?.mode, 0o755);
  t.is(files.find((file) => file.path === 'package.json')?.mode, 0o644);
});

// Decoding as UTF-8 and re-encoding would corrupt a file that is not valid
// UTF-8 (a Latin-1 text, a binary without NUL bytes).
test('a non-UTF-8 file without a NUL byte is kept byte for byte', (t) => {
  const dir = temp.make();
  const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]); // "café\n" in Latin-1
  writeFileSync(path.join(dir, 'notes.txt'), latin1);
  const [file] = readTemplate(dir, 'orders');
  const bytes = Buffer.isBuffer(file!.content) ? file!.content : Buffer.from(file!.content, 'utf8');
  t.true(latin1.equals(bytes), `got ${bytes.toString('hex')}`);
});

test('replacePlaceholder replaces every occurrence and nothing else', (t) => {
  t.is(
    replacePlaceholder('template-service template-service-x template_service', 'orders'),
    'orders orders-x template_service',
  );
});

test('the real template: dotfiles copied; node_modules, dist, .data, .env and logs skipped', (t) => {
  const files = readTemplate(TEMPLATE_DIR, 'orders');
  const paths = files.map((file) => file.path);
  for (const kept of [
    '.gitignore',
    '.env.example',
    '.dockerignore',
    'package.json',
    'README.md',
    'src/checks/index.ts',
    'migrations/.gitkeep',
  ]) {
    t.true(paths.includes(kept), `${kept} is copied`);
  }
  for (const file of paths) {
    const parts = file.split('/');
    t.false(
      parts.some((part) => ['node_modules', 'dist', '.data', 'coverage', '.git'].includes(part)),
      file,
    );
    t.not(parts.at(-1), '.env', file);
    t.false(file.endsWith('.log'), file);
  }
  t.deepEqual(
    paths,
    [...paths].sort((a, b) => a.localeCompare(b)),
    'sorted',
  );
  t.true(files.length > 30);
});

test('the real template: no template-service left in any path or text file', (t) => {
  const files = readTemplate(TEMPLATE_DIR, 'payment-gateway');
  const left = files.filter(
    (file) =>
      file.path.includes('template-service') ||
      (typeof file.content === 'string' && file.content.includes('template-service')),
  );
  t.deepEqual(
    left.map((file) => file.path),
    [],
  );
  const pkg = files.find((file) => file.path === 'package.json');
  t.is((JSON.parse(pkg!.content as string) as { name: string }).name, 'payment-gateway');
  t.true(files.some((file) => typeof file.content === 'string' && file.content.includes('payment-gateway')));
});

test('a temporary copy of the real template with local files added: those are skipped', (t) => {
  const dir = temp.make();
  cpSync(path.join(TEMPLATE_DIR, 'src'), path.join(dir, 'src'), { recursive: true });
  cpSync(path.join(TEMPLATE_DIR, 'package.json'), path.join(dir, 'package.json'));
  writeFileSync(path.join(dir, '.env'), 'DATABASE_URL=postgres://secret\n');
  writeFileSync(path.join(dir, 'debug.log'), 'x\n');
  mkdirSync(path.join(dir, 'node_modules/koa'), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules/koa/package.json'), '{}');
  mkdirSync(path.join(dir, '.data'));
  writeFileSync(path.join(dir, '.data/db'), 'data');
  mkdirSync(path.join(dir, 'dist'));
  writeFileSync(path.join(dir, 'dist/server.js'), 'built');
  const paths = readTemplate(dir, 'orders').map((file) => file.path);
  t.deepEqual(
    paths.filter((file) => !file.startsWith('src/')),
    ['package.json'],
  );
  t.true(paths.includes('src/checks/index.ts'));
});
