import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { readServiceIdentity } from '../../src/service.js';
import { SETTLE_MS } from '../helpers/bounds.js';
import { createTestDatabase } from '../helpers/database.js';
import { jsonLines } from '../helpers/log-lines.js';
import {
  SpanKind,
  startOtlpReceiver,
  StatusCode,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../helpers/otlp-receiver.js';
import { START_TIMEOUT_MS, startService, status, waitFor, type ServiceProcess } from '../helpers/service-process.js';

/**
 * The real SDK and OTLP exporter, preloaded as `npm start` preloads them,
 * sending to a receiver that decodes the protocol: what a collector would get.
 */

const TEMPLATE_DIR = path.resolve(import.meta.dirname, '../..');
const REGISTER = 'src/tracing/register.ts';

const running = new Set<ServiceProcess>();
test.after.always(() => {
  for (const service of running) service.child.kill('SIGKILL');
});

async function receiver(t: ExecutionContext): Promise<OtlpReceiver> {
  const otlp = await startOtlpReceiver();
  t.teardown(() => otlp.close());
  return otlp;
}

async function start(
  t: ExecutionContext,
  env: Record<string, string>,
  { entry }: { entry?: string } = {},
): Promise<ServiceProcess> {
  const service = await startService(env, { imports: [REGISTER], ...(entry !== undefined && { entry }) });
  running.add(service);
  void service.exited.then(() => running.delete(service));
  t.teardown(() => service.child.kill('SIGKILL'));
  await waitFor(
    async () => (await status(`${service.url}/healthz`).catch(() => 0)) !== 0,
    START_TIMEOUT_MS,
    'listening',
  );
  return service;
}

/** A traceparent header from an upstream service, and its ids. */
function upstream(): { traceId: string; parentId: string; headers: Record<string, string> } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, headers: { traceparent: `00-${traceId}-${parentId}-01` } };
}

async function spansOf(otlp: OtlpReceiver, traceId: string, count: number): Promise<ReceivedSpan[]> {
  await waitFor(
    async () => otlp.spans().filter((s) => s.traceId === traceId).length >= count,
    SETTLE_MS,
    `${count} spans`,
  );
  return otlp.spans().filter((s) => s.traceId === traceId);
}

const tracingEnv = (otlp: OtlpReceiver) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
  // Export at once: the tests wait for spans, not for the default 5 s batch.
  OTEL_BSP_SCHEDULE_DELAY: '50',
  LOG_LEVEL: 'silent',
});

test('the service’s request span is named by its route, continues the caller’s trace, and reaches the exporter on shutdown', async (t) => {
  const otlp = await receiver(t);
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const service = await start(t, {
    ...database.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    // Nothing is exported before the shutdown: the spans can only arrive by its flush.
    OTEL_BSP_SCHEDULE_DELAY: '600000',
    OTEL_SERVICE_NAME: 'greeter',
    HEALTH_CACHE_MS: '0',
    LOG_LEVEL: 'info',
  });
  // Ready first (its probes are traces of their own): a shutdown waits for migrations in progress.
  await waitFor(async () => (await status(`${service.url}/ready`)) === 200, START_TIMEOUT_MS, 'ready');
  const { traceId, parentId, headers } = upstream();
  const res = await fetch(`${service.url}/greetings/alice`, { headers });
  t.is(res.status, 200);
  await res.arrayBuffer();
  const ready = upstream();
  t.is((await fetch(`${service.url}/ready`, { headers: ready.headers })).status, 200);

  t.is(otlp.spans().length, 0, 'nothing exported before the shutdown');

  service.child.kill('SIGTERM');
  t.is(await service.exited, 0, service.output());

  const [server, ...others] = otlp.spans().filter((s) => s.traceId === traceId);
  t.is(others.length, 0);
  t.like(server, {
    name: 'GET /greetings/:name',
    kind: SpanKind.SERVER,
    parentSpanId: parentId,
    attributes: { 'http.route': '/greetings/:name', 'http.response.status_code': 200 },
    resource: { 'service.name': 'greeter', 'service.version': readServiceIdentity().version },
  });

  // The access log line of that request carries the ids of its span.
  const line = jsonLines(service.output()).find(
    (entry) => entry.msg === 'request' && entry.path === '/greetings/alice',
  );
  t.like(line, { trace_id: traceId, span_id: server!.spanId });
  t.is(typeof line?.requestId, 'string');
  t.false(
    jsonLines(service.output()).some((entry) => entry.level === 40),
    'no warning: tracing is running, as the preload started it',
  );

  // Readiness ran `select 1` on the database (PGlite too is reached through pg): a pg span under the request's.
  const spans = otlp.spans().filter((s) => s.traceId === ready.traceId);
  const request = spans.find((s) => s.kind === SpanKind.SERVER);
  t.like(request, { name: 'GET /ready', parentSpanId: ready.parentId });
  // knex asks a new connection for the server's version first: the probe's own query is found by its text.
  const query = spans.find((s) => s.kind === SpanKind.CLIENT && s.attributes['db.query.text'] === 'select 1');
  t.like(query, { parentSpanId: request?.spanId, attributes: { 'db.system.name': 'postgresql' } });
});

test('a query span sits under its request span, names its operation and table, and carries no bound value or password', async (t) => {
  const otlp = await receiver(t);
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const secret = `secret-${randomBytes(6).toString('hex')}`;
  // On PostgreSQL, a password the service holds (trust authentication ignores it) must not be exported either.
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = { ...database.env };
  if (env.DATABASE_URL) {
    const url = new URL(env.DATABASE_URL);
    url.password = password;
    env.DATABASE_URL = url.toString();
  }
  const service = await start(
    t,
    { ...tracingEnv(otlp), ...env, FIXTURE_SECRET: secret },
    { entry: 'test/fixtures/traced-routes.ts' },
  );
  const { traceId, parentId, headers } = upstream();
  t.is((await fetch(`${service.url}/lookup/anything`, { headers })).status, 200);
  const spans = await spansOf(otlp, traceId, 2);
  const server = spans.find((s) => s.kind === SpanKind.SERVER);
  t.like(server, { name: 'GET /lookup/:name', parentSpanId: parentId });
  // knex asks a new connection for the server's version first: the lookup is found by its table.
  const query = spans.find((s) => s.kind === SpanKind.CLIENT && s.attributes['db.collection.name'] === 'pg_class');
  t.like(query, {
    name: 'SELECT pg_class',
    parentSpanId: server?.spanId,
    attributes: { 'db.operation.name': 'SELECT', 'db.collection.name': 'pg_class' },
  });
  t.regex(
    String(query?.attributes['db.query.text']),
    /^select "relname" from "pg_class" where "relname" = \$1 limit \$2$/,
  );

  // A failed query: PostgreSQL's message quotes the value; the span keeps the code only.
  const failed = upstream();
  t.is((await fetch(`${service.url}/number`, { headers: failed.headers })).status, 500);
  const errored = (await spansOf(otlp, failed.traceId, 2)).find(
    (s) => s.kind === SpanKind.CLIENT && s.status.code === StatusCode.ERROR,
  );
  t.is(errored?.status.message, '');
  t.deepEqual(
    errored?.events.map((e) => e.attributes['exception.message']),
    ["PostgreSQL error of type 'error' occurred (code: 22P02)"],
  );

  for (const body of otlp.rawBodies()) {
    t.false(body.includes(secret), 'a bound value was exported');
    t.false(body.includes(password), 'the database password was exported');
  }
  t.false(JSON.stringify(otlp.spans()).includes(secret));
});

test('outgoing calls (fetch and node:http) are client spans whose trace context goes with the request', async (t) => {
  const otlp = await receiver(t);
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const service = await start(
    t,
    { ...tracingEnv(otlp), ...database.env, FIXTURE_CALL_URL: otlp.url },
    { entry: 'test/fixtures/traced-routes.ts' },
  );
  const { traceId, headers } = upstream();
  t.is((await fetch(`${service.url}/call`, { headers })).status, 200);
  const spans = await spansOf(otlp, traceId, 3);
  const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
  t.is(server.name, 'GET /call');
  const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
  t.is(clients.length, 2);
  for (const path of ['/fetched', '/requested']) {
    const call = otlp.otherRequests().find((r) => r.url === path);
    const [, callTrace, callParent] =
      /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(call?.headers.traceparent)) ?? [];
    t.is(callTrace, traceId, path);
    const client = clients.find((s) => s.spanId === callParent);
    t.like(client, { parentSpanId: server.spanId, attributes: { 'http.request.method': 'GET' } }, path);
  }
});

test('OTEL_EXPORTER_OTLP_PROTOCOL=http/json sends the same spans as JSON', async (t) => {
  const otlp = await receiver(t);
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const service = await start(t, { ...tracingEnv(otlp), ...database.env, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
  const { traceId, parentId, headers } = upstream();
  t.is((await fetch(`${service.url}/greetings/bob`, { headers })).status, 200);
  const [server] = await spansOf(otlp, traceId, 1);
  t.like(server, { name: 'GET /greetings/:name', parentSpanId: parentId });
  t.deepEqual([...new Set(otlp.contentTypes())], ['application/json']);
});

const execFileAsync = promisify(execFile);
const loadedOtelModules = async (env: Record<string, string>) => {
  const script = "console.log(Object.keys(require.cache).filter((k) => k.includes('@opentelemetry/')).length)";
  const { stdout } = await execFileAsync(process.execPath, ['--import=tsx', `--import=./${REGISTER}`, '-e', script], {
    cwd: TEMPLATE_DIR,
    env: { PATH: process.env.PATH, ...env },
  });
  return Number(stdout.trim());
};

test('without an endpoint, the preload loads no part of OpenTelemetry; with one, it loads the SDK', async (t) => {
  t.is(await loadedOtelModules({}), 0);
  t.is(await loadedOtelModules({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SDK_DISABLED: 'true' }), 0);
  t.true((await loadedOtelModules({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })) > 0);
});

test('without tracing, log lines carry no trace ids even when the caller sends a traceparent', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const service = await start(t, { ...database.env, LOG_LEVEL: 'info' });
  const { headers } = upstream();
  t.is((await fetch(`${service.url}/greetings/carol`, { headers })).status, 200);
  await waitFor(async () => service.output().includes('/greetings/carol'), SETTLE_MS, 'access log line');
  t.notRegex(service.output(), /trace_id|span_id/);
});

test('an OTEL_ variable the service cannot honour stops the start with one line naming it', async (t) => {
  const service = await startService({ OTEL_TRACES_SAMPLER: 'sometimes' }, { imports: [REGISTER] });
  running.add(service);
  t.is(await service.exited, 1);
  const lines = service.output().trim().split('\n');
  t.is(lines.length, 1, service.output());
  t.regex(lines[0]!, /^Invalid configuration: OTEL_TRACES_SAMPLER must be one of/);
});

test('an OTLP endpoint set on a service started without the preload is one warning at start: no trace would ever leave', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const service = await startService({
    ...database.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
    LOG_LEVEL: 'info',
  });
  running.add(service);
  t.teardown(() => service.child.kill('SIGKILL'));
  await waitFor(async () => (await status(`${service.url}/healthz`)) === 200, START_TIMEOUT_MS, 'listening');
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0, service.output());
  const warnings = jsonLines(service.output()).filter((entry) => entry.level === 40);
  t.is(warnings.length, 1, service.output());
  t.regex(String(warnings[0]?.msg), /tracing is not running: start the service with `node --import .*register\.js/);
});
