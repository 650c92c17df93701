import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { startPrometheus, type PrometheusProcess } from '../helpers/prometheus.js';
import { START_TIMEOUT_MS, startService, status, waitFor, type ServiceProcess } from '../helpers/service-process.js';

/**
 * From a slow bucket to its trace: a traced service, scraped by the real
 * Prometheus with exemplar storage on, whose exemplars API gives back the
 * trace ids of the requests (and of their queries). promtool cannot lint
 * OpenMetrics exemplars; Prometheus ingesting them is their check.
 */

/** A few 1 s scrapes on an idle machine, many times that on a busy one. */
const EXEMPLARS_WITHIN_MS = 90_000;

let otlp: OtlpReceiver | undefined;
let database: TestDatabase | undefined;
let service: ServiceProcess | undefined;
let prometheus: PrometheusProcess | undefined;
let tmpDir: string | undefined;

test.before(async () => {
  otlp = await startOtlpReceiver();
  database = await createTestDatabase();
  service = await startService(
    { ...database.env, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, LOG_LEVEL: 'silent', HEALTH_CACHE_MS: '0' },
    { imports: ['src/tracing/register.ts'] },
  );
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'prometheus-exemplars-'));
  prometheus = await startPrometheus(
    tmpDir,
    {
      global: { scrape_interval: '1s', scrape_timeout: '1s' },
      scrape_configs: [{ job_name: 'traced', static_configs: [{ targets: [`127.0.0.1:${service.port}`] }] }],
    },
    ['--enable-feature=exemplar-storage'],
  );
  await waitFor(
    async () => (await status(`${service!.url}/ready`)) === 200,
    START_TIMEOUT_MS,
    'service readiness',
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${service!.output()}`, { cause: error });
  });
});

test.after.always(async () => {
  prometheus?.child.kill('SIGKILL');
  service?.child.kill('SIGKILL');
  await Promise.all([prometheus?.exited, service?.exited]);
  await database?.drop();
  await otlp?.close();
  if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
});

interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: { labels: Record<string, string>; value: string }[];
}

/** Prometheus' exemplars API over the last hour. */
async function exemplars(promql: string): Promise<ExemplarSeries[]> {
  const end = Date.now() / 1000;
  const params = new URLSearchParams({ query: promql, start: String(end - 3600), end: String(end + 60) });
  const res = await fetch(`${prometheus!.url}/api/v1/query_exemplars?${params.toString()}`, {
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: ExemplarSeries[] };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  return body.data ?? [];
}

async function waitForExemplar(promql: string, traceId: string): Promise<ExemplarSeries> {
  let found: ExemplarSeries | undefined;
  await waitFor(
    async () =>
      (found = (await exemplars(promql)).find((series) =>
        series.exemplars.some((exemplar) => exemplar.labels.trace_id === traceId),
      )) !== undefined,
    EXEMPLARS_WITHIN_MS,
    `an exemplar of trace ${traceId} on ${promql}`,
  ).catch(async (error: Error) => {
    const targets = await fetch(`${prometheus!.url}/api/v1/targets`).then((res) => res.text());
    throw new Error(`${error.message}\n${targets}\n${prometheus!.output().slice(-2000)}`, { cause: error });
  });
  return found!;
}

test('Prometheus stores the trace id of a request and of its query as exemplars, and the trace reaches the collector', async (t) => {
  const traceId = randomBytes(16).toString('hex');
  const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  t.is((await fetch(`${service!.url}/greetings/x`, { headers: { traceparent } })).status, 200);
  // /ready runs the database check's query in the same trace.
  t.is((await fetch(`${service!.url}/ready`, { headers: { traceparent } })).status, 200);

  const request = await waitForExemplar('http_server_request_duration_seconds_bucket', traceId);
  t.like(request.seriesLabels, { job: 'traced' });
  t.true(
    (await exemplars('http_server_request_duration_seconds_bucket')).some(
      (series) =>
        series.seriesLabels.http_route === '/greetings/:name' &&
        series.exemplars.some((exemplar) => exemplar.labels.trace_id === traceId),
    ),
  );
  await waitForExemplar('db_client_operation_duration_seconds_bucket', traceId);
  await waitFor(
    async () => otlp!.spans().some((span) => span.traceId === traceId),
    EXEMPLARS_WITHIN_MS,
    'the trace exported',
  );
});
