import { spawn } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { createTestDatabase } from '../helpers/database.js';

const TEMPLATE_DIR = path.resolve(import.meta.dirname, '../..');

function migrate(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import=tsx', 'src/db/migrate-cli.ts'], {
      cwd: TEMPLATE_DIR,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('applies the migrations and exits 0', async (t) => {
  const database = await createTestDatabase();
  try {
    const { code, output } = await migrate(database.env);
    t.is(code, 0, output);
    t.regex(output, /migrations up to date/);
  } finally {
    await database.drop();
  }
});

test('exits 1 when the database cannot be reached, without leaking the password', async (t) => {
  const { code, output } = await migrate({ DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:1/app' });
  t.is(code, 1);
  t.regex(output, /migrations failed/);
  t.notRegex(output, /hunter2/);
});

test('exits 1 with one line on an invalid environment', async (t) => {
  const { code, output } = await migrate({ DB_POOL_MAX: 'lots' });
  t.is(code, 1);
  t.is(output.trim(), 'Invalid configuration: DB_POOL_MAX must be an integer from 1 to 100 (got "lots")');
});
