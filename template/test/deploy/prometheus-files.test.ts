import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { stringify } from 'yaml';
import { PROMETHEUS_DIR, readRules, readYaml, RULES_FILE, SERVICE_NAME } from './files.js';

/**
 * deploy/prometheus through promtool (Debian package `prometheus`): the example
 * configuration, the alert rules and their unit tests.
 */

function promtool(...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { cwd: PROMETHEUS_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: output.trim() }));
  });
}

test('promtool check config prometheus.yml', async (t) => {
  const { code, output } = await promtool('check', 'config', 'prometheus.yml');
  t.is(code, 0, output);
  t.regex(output, /SUCCESS/);
});

test('promtool check rules rules.yml', async (t) => {
  const { code, output } = await promtool('check', 'rules', 'rules.yml');
  t.is(code, 0, output);
  t.regex(output, /SUCCESS: [1-9]\d* rules found/);
});

test('promtool test rules rules.test.yml', async (t) => {
  const { code, output } = await promtool('test', 'rules', 'rules.test.yml');
  t.is(code, 0, output);
  t.regex(output, /SUCCESS/);
});

test('every alert of rules.yml has a unit test in rules.test.yml', (t) => {
  const { tests } = readYaml<{ tests: { alert_rule_test?: { alertname: string }[] }[] }>(
    `${PROMETHEUS_DIR}/rules.test.yml`,
  );
  const tested = new Set(tests.flatMap((unit) => (unit.alert_rule_test ?? []).map((rule) => rule.alertname)));
  const alerts = readRules().flatMap((rule) => (rule.alert ? [rule.alert] : []));
  t.true(alerts.length > 0);
  t.deepEqual(
    alerts.filter((alert) => !tested.has(alert)),
    [],
  );
});

test('every alert has a severity, a summary and a description', (t) => {
  for (const rule of readRules().filter((candidate) => candidate.alert)) {
    t.true(['critical', 'warning', 'info'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity`);
    t.truthy(rule.annotations?.summary, `${rule.alert}: summary`);
    t.truthy(rule.annotations?.description, `${rule.alert}: description`);
  }
});

test('the example scrape job is named after the service, so the rules match its series', (t) => {
  const config = readYaml<{ rule_files?: string[]; scrape_configs?: { job_name: string }[] }>(
    `${PROMETHEUS_DIR}/prometheus.yml`,
  );
  t.deepEqual(
    (config.scrape_configs ?? []).map((scrape) => scrape.job_name),
    [SERVICE_NAME],
  );
  t.true((config.rule_files ?? []).includes('rules.yml'));
});

/** The alert on the ratio of 5xx answers. */
const errorRatioAlert = readRules().find(
  (rule) => rule.alert && /\bhttp_server_requests_total\b/.test(rule.expr) && rule.expr.includes('5..'),
)?.alert;

// An idle pod whose database is down: the kubelet's probes get 503 from /ready (every 5 s),
// 200 from /healthz (every 10 s), and Prometheus scrapes /metrics (every 15 s). No client
// request failed, and the readiness alert already reports the check. Counting probes, the
// 5xx ratio would be 55% and the error-ratio alert would fire too, as critical: it leaves
// out probes and scrapes, as the latency alert does.
test('the error-ratio alert ignores probes and scrapes: an unready idle pod does not fire it', async (t) => {
  t.truthy(errorRatioAlert, 'rules.yml has an alert on the 5xx ratio');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rules-test-'));
  try {
    const series = (route: string, code: string, perMinute: number) => ({
      series: `http_server_requests_total{job="${SERVICE_NAME}", instance="a:8080", http_request_method="GET", http_route="${route}", http_response_status_code="${code}"}`,
      values: `0+${perMinute}x30`,
    });
    const file = path.join(dir, 'probes.test.yml');
    await writeFile(
      file,
      stringify({
        rule_files: [RULES_FILE],
        evaluation_interval: '1m',
        tests: [
          {
            interval: '1m',
            input_series: [series('/ready', '503', 12), series('/healthz', '200', 6), series('/metrics', '200', 4)],
            alert_rule_test: [{ eval_time: '20m', alertname: errorRatioAlert, exp_alerts: [] }],
          },
        ],
      }),
    );
    const { code, output } = await promtool('test', 'rules', file);
    t.is(code, 0, output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
