import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../helpers/database.js';
import { startPrometheus, type PrometheusProcess } from '../helpers/prometheus.js';
import { START_TIMEOUT_MS, startService, status, waitFor, type ServiceProcess } from '../helpers/service-process.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { readRules, RULES_FILE, SERVICE_NAME } from './files.js';

/**
 * The service, a real Prometheus and the alert rules together: Prometheus
 * scrapes the service, sees its requests and checks, and raises the readiness
 * alert once the database goes away. PostgreSQL only: the database is cut
 * through a TCP proxy, which an in-process PGlite has no use of.
 *
 * A second replica runs its checks in the background (HEALTH_INTERVAL_MS) and
 * is never probed: the alert reaches it all the same.
 */

let proxy: TcpProxy | undefined;
let database: TestDatabase | undefined;
let service: ServiceProcess | undefined;
/** Runs its checks in the background; nothing requests its /ready. */
let unprobed: ServiceProcess | undefined;
let prometheus: PrometheusProcess | undefined;
let tmpDir: string | undefined;
let prober: NodeJS.Timeout | undefined;

/** The alert on failing readiness checks: the one that reads health_check_status. */
const readinessAlert = readRules().find((rule) => rule.alert && /\bhealth_check_status\b/.test(rule.expr))?.alert;

const job = JSON.stringify(SERVICE_NAME);

/**
 * How long to wait for Prometheus to see something: a few 1 s scrapes and rule
 * evaluations on an idle machine, many times that on a busy one.
 */
const SERIES_WITHIN_MS = 60_000;
/** The alert is pending from the first evaluation after the check fails. */
const ALERT_WITHIN_MS = 90_000;

if (usingPostgres()) {
  test.before(async () => {
    const server = new URL(process.env.DATABASE_URL!);
    proxy = await new TcpProxy({ host: server.hostname, port: Number(server.port || 5432) }).start('forward');
    database = await createTestDatabase();
    const url = new URL(database.env.DATABASE_URL!);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);

    // Both start at once: startService returns as soon as the process is spawned.
    service = await startService({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent', HEALTH_CACHE_MS: '0' });
    unprobed = await startService({ DATABASE_URL: url.toString(), LOG_LEVEL: 'silent', HEALTH_INTERVAL_MS: '1000' });
    tmpDir = await mkdtemp(path.join(os.tmpdir(), 'prometheus-e2e-'));
    const targets = [`127.0.0.1:${service.port}`, `127.0.0.1:${unprobed.port}`];
    prometheus = await startPrometheus(tmpDir, {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [RULES_FILE],
      scrape_configs: [{ job_name: SERVICE_NAME, metrics_path: '/metrics', static_configs: [{ targets }] }],
    });

    await waitFor(
      async () => (await status(`${service!.url}/ready`)) === 200,
      START_TIMEOUT_MS,
      'service readiness',
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${service!.output()}`, { cause: error });
    });
    // Liveness only: it runs no check.
    await waitFor(async () => (await status(`${unprobed!.url}/healthz`)) === 200, START_TIMEOUT_MS, 'liveness');
  });

  test.after.always(async () => {
    clearInterval(prober);
    prometheus?.child.kill('SIGKILL');
    service?.child.kill('SIGKILL');
    unprobed?.child.kill('SIGKILL');
    await Promise.all([prometheus?.exited, service?.exited, unprobed?.exited]);
    await proxy?.stop();
    await database?.drop();
    if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  });
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query through Prometheus' HTTP API. */
async function query(promql: string): Promise<Sample[]> {
  const res = await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
  return body.data!.result;
}

/** Waits until the query returns a series; fails with Prometheus' view of its targets and rules, and its log. */
async function waitForSeries(promql: string, timeoutMs: number): Promise<Sample[]> {
  let result: Sample[] = [];
  try {
    await waitFor(async () => (result = await query(promql)).length > 0, timeoutMs, promql);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${await diagnostics()}`, { cause: error });
  }
  return result;
}

async function diagnostics(): Promise<string> {
  const api = async <T>(endpoint: string): Promise<T | undefined> => {
    const res = await fetch(`${prometheus!.url}/api/v1/${endpoint}`, { signal: AbortSignal.timeout(30_000) });
    return ((await res.json()) as { data?: T }).data;
  };
  try {
    const targets = await api<{ activeTargets: { scrapeUrl: string; health: string; lastError: string }[] }>('targets');
    const rules = await api<{
      groups: { rules: { name: string; state?: string; health: string; lastError?: string }[] }[];
    }>('rules');
    const database = await query(`health_check_status{job=${job}}`);
    return [
      ...(targets?.activeTargets ?? []).map(
        (target) => `target ${target.scrapeUrl}: ${target.health} ${target.lastError}`,
      ),
      ...(rules?.groups ?? [])
        .flatMap((group) => group.rules)
        .map((rule) => `rule ${rule.name}: ${rule.state ?? ''} ${rule.health} ${rule.lastError ?? ''}`),
      ...database.map((sample) => `health_check_status${JSON.stringify(sample.metric)} = ${sample.value[1]}`),
      prometheus!.output().slice(-1500),
    ].join('\n');
  } catch (error) {
    return `Prometheus API: ${String(error)}\n${prometheus!.output().slice(-3000)}`;
  }
}

const postgresOnly = usingPostgres() ? test.serial : test.skip;
const suffix = usingPostgres() ? '' : ' (skipped: PostgreSQL only, DATABASE_URL is unset)';

postgresOnly(`Prometheus scrapes the service as job ${SERVICE_NAME}${suffix}`, async (t) => {
  const instance = JSON.stringify(`127.0.0.1:${service!.port}`);
  const [up] = await waitForSeries(`up{job=${job}, instance=${instance}} == 1`, SERIES_WITHIN_MS);
  t.is(up?.value[1], '1');
});

postgresOnly(`Prometheus sees the requests and the passing database check${suffix}`, async (t) => {
  t.is(await status(`${service!.url}/greetings/x`), 200);
  t.is(await status(`${service!.url}/ready`), 200);
  const [requests] = await waitForSeries(
    `sum(http_server_requests_total{job=${job}, http_route="/greetings/:name"}) > 0`,
    SERIES_WITHIN_MS,
  );
  t.true(Number(requests?.value[1]) > 0);
  const instance = JSON.stringify(`127.0.0.1:${service!.port}`);
  const [database] = await waitForSeries(
    `health_check_status{job=${job}, instance=${instance}, check="database"} == 1`,
    SERIES_WITHIN_MS,
  );
  t.is(database?.value[1], '1');
});

postgresOnly(`an unprobed replica with HEALTH_INTERVAL_MS shows its passing checks${suffix}`, async (t) => {
  const instance = JSON.stringify(`127.0.0.1:${unprobed!.port}`);
  const [database] = await waitForSeries(
    `health_check_status{job=${job}, instance=${instance}, check="database"} == 1`,
    SERIES_WITHIN_MS,
  );
  t.is(database?.value[1], '1');
});

postgresOnly(`a database that refuses connections raises the readiness alert${suffix}`, async (t) => {
  t.truthy(readinessAlert, 'rules.yml has an alert on health_check_status');
  await proxy!.setMode('refuse');
  // The kubelet probes /ready; a scrape never runs a check.
  prober = setInterval(() => void status(`${service!.url}/ready`).catch(() => {}), 200);
  t.teardown(() => clearInterval(prober));
  const started = Date.now();
  // By label: the migrations check fails too when the database is gone, and its series may come first.
  const [alert] = await waitForSeries(
    `ALERTS{alertname=${JSON.stringify(readinessAlert)}, alertstate=~"pending|firing", instance="127.0.0.1:${service!.port}", check="database"}`,
    ALERT_WITHIN_MS,
  );
  t.log(`${readinessAlert} ${alert?.metric.alertstate} after ${Date.now() - started} ms`);
  t.is(alert?.metric.check, 'database');
  t.is(await status(`${service!.url}/ready`), 503);
  // Nothing probes this one: its background runs alone keep health_check_status current.
  const [unprobedAlert] = await waitForSeries(
    `ALERTS{alertname=${JSON.stringify(readinessAlert)}, alertstate=~"pending|firing", instance="127.0.0.1:${unprobed!.port}", check="database"}`,
    ALERT_WITHIN_MS,
  );
  t.log(`unprobed replica: ${readinessAlert} ${unprobedAlert?.metric.alertstate} after ${Date.now() - started} ms`);
  t.is(unprobedAlert?.metric.check, 'database');
});
