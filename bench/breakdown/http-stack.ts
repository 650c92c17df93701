/**
 * What each piece of the template's middleware chain costs on
 * `GET /greetings/:name`: `node --import tsx bench/breakdown/http-stack.ts [seconds] [rounds]`.
 *
 * Runs the built service, bare Koa, and the chain rebuilt from template/src
 * (bench/servers/stack.ts) whole and with one piece left out at a time, all
 * in their own processes at once, loaded in turn, round after round. The
 * measure is the server's CPU per request, which does not depend on which
 * process saturates first; a piece costs what leaving it out saves.
 * Prints a Markdown table; writes nothing.
 */
import { stopAll } from '../lib/children.js';
import { expectBody } from '../lib/http.js';
import { assertClean, load } from '../lib/load.js';
import { withDatabase } from '../lib/postgres.js';
import { int, us } from '../lib/report.js';
import { median } from '../lib/rounds.js';
import { startBenchServer, startService, untilAnswers, type RunningServer } from '../lib/template.js';

const PIECES = [
  'request-id',
  'route-name',
  'http-metrics',
  'access-log',
  'error-handler',
  'decodable-path',
  'unknown-methods',
  'other-routers',
  'greeting-validation',
];
const seconds = Number(process.argv[2] ?? 3);
const rounds = Number(process.argv[3] ?? 3);
const route = '/greetings/bench';

try {
  await withDatabase('breakdown', async (database) => {
    const env = { DATABASE_URL: database.url };
    const servers: [string, RunningServer][] = [
      ['built service (dist/src/server.js)', await startService(env)],
      ['chain rebuilt from template/src', await startBenchServer('stack.ts', env, 'stack')],
      ...(await Promise.all(
        PIECES.map(async (piece): Promise<[string, RunningServer]> => [
          `without ${piece}`,
          await startBenchServer('stack.ts', { ...env, BENCH_WITHOUT: piece }, `stack without ${piece}`),
        ]),
      )),
      ['bare Koa', await startBenchServer('bare.ts', {}, 'bare Koa')],
    ];
    const results = new Map<string, { rps: number[]; cpu: number[] }>();
    for (const [name, server] of servers) {
      await untilAnswers(server, route, 60_000);
      await expectBody(server.url + route, '{"message":"Hello, bench!"}');
      // Warm-up: JIT, and the first series of every metric.
      await load({ url: server.url + route, connections: 10, seconds: 1 });
      results.set(name, { rps: [], cpu: [] });
    }
    for (let round = 0; round < rounds; round++) {
      for (const [name, server] of servers) {
        const result = await load({
          url: server.url + route,
          connections: 10,
          seconds,
          serverPid: server.child.process.pid,
        });
        assertClean(name, result);
        results.get(name)!.rps.push(result.rps);
        results.get(name)!.cpu.push(result.serverCpuUs);
        process.stderr.write(`round ${round + 1} ${name}: ${int(result.rps)} req/s, ${us(result.serverCpuUs)}\n`);
      }
    }
    const chain = median(results.get('chain rebuilt from template/src')!.cpu);
    const bare = median(results.get('bare Koa')!.cpu);
    const lines = [
      `CPU per request on GET /greetings/:name, ${rounds} rounds of ${seconds} s, 10 connections; medians.`,
      '',
      '| server | requests/s | CPU per request | cost of the piece (chain − without it) |',
      '| --- | --- | --- | --- |',
      ...[...results].map(([name, { rps, cpu }]) => {
        const cost = name.startsWith('without ') ? us(chain - median(cpu)) : '—';
        return `| ${name} | ${int(median(rps))} | ${us(median(cpu))} | ${cost} |`;
      }),
      '',
      `Whole chain over bare Koa: ${us(chain - bare)} per request.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
} finally {
  await stopAll();
}
