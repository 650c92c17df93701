/**
 * Where the built template service spends its CPU under load on
 * `GET /greetings/:name`: `node --import tsx bench/breakdown/profile-service.ts [seconds] [route]`.
 *
 * Runs `node --cpu-prof template/dist/src/server.js`, loads it with
 * wrk, stops it (the profile is written at exit) and sums the
 * samples from the first request on two ways:
 * - by the template file nearest on the stack (so prom-client's time counts
 *   for the middleware that called it), or "Koa, router, Node" when no
 *   template code is on the stack;
 * - by package or Node subsystem of the function that was running (self time).
 * Prints Markdown; writes nothing but a temporary profile.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, start, stopAll } from '../lib/children.js';
import { expectBody, waitForStatus } from '../lib/http.js';
import { load } from '../lib/load.js';
import { withDatabase } from '../lib/postgres.js';
import { int } from '../lib/report.js';
import { buildTemplate, SERVER_JS, TEMPLATE_DIR } from '../lib/template.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const seconds = Number(process.argv[2] ?? 10);
const route = process.argv[3] ?? '/greetings/bench';

/** A short name for where a function lives: a template file, a package, or a part of Node. */
function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const template = url.match(/template\/dist\/src\/(.+)$/);
  if (template) return `template ${template[1]}`;
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').replace(/\/.*$/, '');
  return url;
}

function summarise(profile: Profile): { byTemplateFile: Map<string, number>; byPlace: Map<string, number> } {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Start-up (module loading) is not request work: count from the first sample taken in a request's route.
  const inRoute = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (byId.get(at)!.callFrame.url.includes('template/dist/src/modules/')) return true;
    }
    return false;
  };
  const first = Math.max(0, profile.samples.findIndex(inRoute));
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    if (index >= first) selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });

  const byTemplateFile = new Map<string, number>();
  const byPlace = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);
  for (const [id, time] of selfTime) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    add(byPlace, placeOf(node.callFrame.url, node.callFrame.functionName), time);
    let owner = 'no template code on the stack (Koa, router, Node, GC)';
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const file = byId.get(at)!.callFrame.url.match(/template\/dist\/src\/(.+)$/);
      if (file) {
        owner = `template ${file[1]}`;
        break;
      }
    }
    add(byTemplateFile, owner, time);
  }
  return { byTemplateFile, byPlace };
}

function table(title: string, map: Map<string, number>, responses: number, limit = 25): string {
  const total = [...map.values()].reduce((sum, value) => sum + value, 0);
  const rows = [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(
      ([key, value]) => `| ${key} | ${((value / total) * 100).toFixed(1)}% | ${(value / responses).toFixed(1)} µs |`,
    );
  return [`| ${title} | share of busy CPU | per request |`, '| --- | --- | --- |', ...rows].join('\n');
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-profile-'));
try {
  // The built service is profiled: build what template/src holds now.
  await buildTemplate();
  await withDatabase('profile', async (database) => {
    const port = await freePort();
    const child = start({
      name: 'profiled service',
      command: process.execPath,
      args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, SERVER_JS],
      cwd: TEMPLATE_DIR,
      env: { HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: database.url },
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForStatus(`${url}/ready`, { timeoutMs: 30_000 });
    if (route.startsWith('/greetings/')) await expectBody(url + route, `{"message":"Hello, ${route.slice(11)}!"}`);
    const warm = await load({ url: url + route, connections: 10, seconds: 2 });
    const result = await load({ url: url + route, connections: 10, seconds });
    await child.stop();
    const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no profile written:\n${child.output()}`);
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as Profile;
    const { byTemplateFile, byPlace } = summarise(profile);
    // Per request: busy time from the first request on, over every response since (warm-up included).
    const responses = warm.responses + result.responses + 1;
    process.stdout.write(
      [
        `CPU profile of the built service, GET ${route}, 10 connections, ${seconds} s (+2 s warm-up); ${int(result.rps)} req/s under the profiler.`,
        '',
        table('template file nearest on the stack', byTemplateFile, responses),
        '',
        table('where the running function lives (self time)', byPlace, responses),
        '',
      ].join('\n'),
    );
  });
} finally {
  await stopAll();
  await rm(dir, { recursive: true, force: true });
}
