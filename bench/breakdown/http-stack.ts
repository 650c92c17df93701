/**
 * What each piece of the template's middleware chain costs on
 * `GET /greetings/:name`: `node --import tsx bench/breakdown/http-stack.ts [seconds] [rounds]`.
 *
 * Runs the built service, bare Koa, and the chain rebuilt from template/src
 * (bench/servers/stack.ts) whole and with one piece left out at a time, all
 * in their own processes at once, loaded in turn, round after round. The
 * measure is the server's CPU per request, which does not depend on which
 * process saturates first; a piece costs what leaving it out saves.
 *
 * Beside them, the floor and the best peer of part 6: Koa with only the
 * access log (the least a template that keeps it can cost) and Fastify, each
 * as a ratio to bare Koa's requests/s within the same round, the measure of
 * issue 16's targets. Prints a Markdown table; writes nothing.
 */
import path from 'node:path';
import { stopAll } from '../lib/children.js';
import { compileServer } from '../lib/compile.js';
import { expectBody } from '../lib/http.js';
import { assertClean, load } from '../lib/load.js';
import { withDatabase } from '../lib/postgres.js';
import { int, ratio, us } from '../lib/report.js';
import { median } from '../lib/rounds.js';
import {
  buildTemplate,
  ROOT,
  startBenchServer,
  startScript,
  startService,
  untilAnswers,
  type RunningServer,
} from '../lib/template.js';
import { installPeers } from '../parts/peers.js';

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
const FLOOR = 'Koa, one router and the access log (the floor)';
const PEER = 'Fastify (the best peer of part 6)';

try {
  // The built service is measured: build what template/src holds now.
  await buildTemplate();
  await installPeers((message) => process.stderr.write(`${message}\n`));
  const fastify = await compileServer(path.join(ROOT, 'bench/peers/fastify.ts'));
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
      [FLOOR, await startBenchServer('stack.ts', { ...env, BENCH_ONLY: 'access-log' }, 'floor')],
      [PEER, await startScript(fastify, env, 'Fastify')],
      ['bare Koa', await startBenchServer('bare.ts', {}, 'bare Koa')],
    ];
    const results = new Map<string, { rps: number[]; cpu: number[] }>();
    for (const [name, server] of servers) {
      await untilAnswers(server, route, 60_000);
      await expectBody(server.url + route, '{"message":"Hello, bench!"}');
      // Warm-up: JIT, and the first series of every metric.
      await load({ url: server.url + route, connections: 32, seconds: 1 });
      results.set(name, { rps: [], cpu: [] });
    }
    for (let round = 0; round < rounds; round++) {
      for (const [name, server] of servers) {
        const result = await load({
          url: server.url + route,
          connections: 32,
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
    const bare = results.get('bare Koa')!;
    // As part 6 reports it: the median over rounds of the ratio within a round.
    const toBare = (rps: number[]) => median(rps.map((value, round) => value / bare.rps[round]!));
    const lines = [
      `GET /greetings/:name, ${rounds} rounds of ${seconds} s, 32 connections; medians.`,
      '',
      '| server | requests/s | to bare Koa | CPU per request | cost of the piece (chain − without it) |',
      '| --- | --- | --- | --- | --- |',
      ...[...results].map(([name, { rps, cpu }]) => {
        const cost = name.startsWith('without ') ? us(chain - median(cpu)) : '—';
        return `| ${name} | ${int(median(rps))} | ${ratio(toBare(rps))} | ${us(median(cpu))} | ${cost} |`;
      }),
      '',
      `Whole chain over bare Koa: ${us(chain - median(bare.cpu))} per request.`,
      `Issue 16's "≥ 1.1 of the best peer" is ${ratio(1.1 * toBare(results.get(PEER)!.rps))} of bare Koa here;` +
        ` the floor runs at ${ratio(toBare(results.get(FLOOR)!.rps))}.`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
} finally {
  await stopAll();
}
