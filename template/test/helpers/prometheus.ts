import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort, START_TIMEOUT_MS, status, waitFor } from './service-process.js';

/** A real Prometheus server (Debian's `prometheus` package) run by a test. */
export interface PrometheusProcess {
  child: ChildProcess;
  url: string;
  /** Its log so far, for a failure's message. */
  output(): string;
  exited: Promise<unknown>;
}

/**
 * Starts Prometheus on a free port with `config` (prometheus.yml as an
 * object) and its data in `dir`, and resolves once it is ready to answer
 * queries. The caller kills `child` in its teardown.
 */
export async function startPrometheus(dir: string, config: object, flags: string[] = []): Promise<PrometheusProcess> {
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify(config));
  const address = `127.0.0.1:${await freePort()}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => {
    child.on('exit', resolve);
    child.on('error', resolve);
  });
  const started = { child, url: `http://${address}`, output: () => output, exited };
  await waitFor(
    async () => (await status(`${started.url}/-/ready`)) === 200,
    START_TIMEOUT_MS,
    'Prometheus ready',
  ).catch((error: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n${output}`, { cause: error });
  });
  return started;
}
