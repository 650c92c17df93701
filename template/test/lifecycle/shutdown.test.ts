import { createServer, type Server } from 'node:http';
import test from 'ava';
import { pino } from 'pino';
import { HealthRegistry } from '../../src/health/registry.js';
import { createShutdown } from '../../src/lifecycle/shutdown.js';
import { logLines } from '../helpers/log-lines.js';

const logger = pino({ level: 'silent' });

async function listening(): Promise<Server> {
  const server = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

test('drains, closes the servers, then disposes and exits 0, once', async (t) => {
  const server = await listening();
  const health = new HealthRegistry({ timeoutMs: 100, cacheMs: 0 });
  const steps: string[] = [];
  const shutdown = createShutdown({
    servers: [server],
    health,
    logger,
    delayMs: 50,
    timeoutMs: 5000,
    dispose: async () => {
      steps.push(server.listening ? 'dispose before close' : 'dispose');
    },
    exit: (code) => steps.push(`exit ${code}`),
  });

  const first = shutdown('SIGTERM');
  t.true(health.draining, 'readiness fails at once');
  t.true(server.listening, 'traffic is still served during the delay');
  const second = shutdown('SIGTERM');
  await Promise.all([first, second]);
  t.deepEqual(steps, ['dispose', 'exit 0']);
});

test('exits 1 at the timeout when a step never ends', async (t) => {
  const server = await listening();
  const codes: number[] = [];
  const exited = new Promise<void>((resolve) => {
    void createShutdown({
      servers: [server],
      health: new HealthRegistry({ timeoutMs: 100, cacheMs: 0 }),
      logger,
      delayMs: 0,
      timeoutMs: 200,
      dispose: () => new Promise(() => {}),
      exit: (code) => {
        codes.push(code);
        resolve();
      },
    })('SIGTERM');
  });
  const started = Date.now();
  await exited;
  t.deepEqual(codes, [1]);
  t.true(Date.now() - started >= 190);
});

test('a fatal request skips what is left of the delay and exits 1, even during a signal sequence', async (t) => {
  const server = await listening();
  const health = new HealthRegistry({ timeoutMs: 100, cacheMs: 0 });
  const codes: number[] = [];
  const shutdown = createShutdown({
    servers: [server],
    health,
    logger,
    delayMs: 60_000,
    timeoutMs: 120_000,
    dispose: async () => {},
    exit: (code) => codes.push(code),
  });
  const bySignal = shutdown('SIGTERM');
  t.true(health.draining);
  t.true(server.listening, 'the signal waits out its delay');
  await shutdown('uncaughtException', { fatal: true });
  await bySignal;
  t.false(server.listening);
  t.deepEqual(codes, [1]);
});

test('background health runs stop first, and a run in progress ends before dispose', async (t) => {
  const server = await listening();
  const health = new HealthRegistry({ timeoutMs: 5000, cacheMs: 0 });
  const steps: string[] = [];
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const shutdown = createShutdown({
    servers: [server],
    health,
    healthRuns: {
      async stop() {
        steps.push(health.draining ? 'stop after drain' : 'stop');
        await released;
        steps.push('run ended');
      },
    },
    logger,
    delayMs: 0,
    timeoutMs: 5000,
    dispose: async () => {
      steps.push('dispose');
    },
    exit: (code) => steps.push(`exit ${code}`),
  });
  const done = shutdown('SIGTERM');
  t.deepEqual(steps, ['stop'], 'stopped at once, before readiness drains');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual(steps, ['stop'], 'dispose waits for the run in progress');
  release();
  await done;
  t.deepEqual(steps, ['stop', 'run ended', 'dispose', 'exit 0']);
});

test('flushes after disposing; a flush that never ends is abandoned before the timeout, and the exit stays 0', async (t) => {
  const steps: string[] = [];
  const codes: number[] = [];
  const { stream, lines } = logLines();
  const server = await listening();
  const exited = new Promise<void>((resolve) => {
    void createShutdown({
      servers: [server],
      health: new HealthRegistry({ timeoutMs: 100, cacheMs: 0 }),
      logger: pino({ level: 'warn' }, stream),
      delayMs: 0,
      timeoutMs: 1000,
      dispose: async () => {
        steps.push('dispose');
      },
      flush: () => {
        steps.push('flush');
        return new Promise(() => {});
      },
      exit: (code) => {
        codes.push(code);
        resolve();
      },
    })('SIGTERM');
  });
  await exited;
  t.deepEqual(steps, ['dispose', 'flush']);
  t.deepEqual(codes, [0]);
  t.true(lines.some((line) => line.includes('flush on shutdown gave up at the shutdown timeout')));
});
