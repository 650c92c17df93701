import test from 'ava';
import request from 'supertest';
import { createTestApp, migrated, type TestApp } from '../helpers/test-app.js';
import { DASHBOARD_FILE, readRules, readText, SERVICE_NAME } from './files.js';
import { metricNames, sampleNames, selectors } from './promql.js';

/**
 * The Grafana dashboard and the alert rules query metrics by name: a renamed or
 * removed metric leaves a panel empty or an alert silent, without an error
 * anywhere. Every name they use must be in the service's own /metrics.
 */

let testApp: TestApp | undefined;
let exported: Set<string>;

test.before(async () => {
  testApp = await migrated(await createTestApp());
  const { callback } = testApp;
  // Traffic that gives every family samples: /ready runs the checks (and the database's
  // `select 1`), then the routes, a 404 and a 400.
  await request(callback).get('/ready').expect(200);
  await request(callback).get('/greetings/x').expect(200);
  await request(callback).post('/greetings').send({ name: 'Ada' }).expect(201);
  await request(callback).get('/nope').expect(404);
  await request(callback).post('/greetings').set('Content-Type', 'application/json').send('{"name": ').expect(400);
  const res = await request(callback).get('/metrics').expect(200);
  exported = sampleNames(res.text);
});

test.after.always(async () => {
  await testApp?.close();
});

interface Dashboard {
  panels?: unknown[];
  templating?: { list?: { name: string; type: string; query?: unknown }[] };
}

/** Every `expr` in the dashboard, rows and nested panels included, with the title of its panel. */
function dashboardExprs(node: unknown, title = ''): { title: string; expr: string }[] {
  if (Array.isArray(node)) return node.flatMap((child) => dashboardExprs(child, title));
  if (node === null || typeof node !== 'object') return [];
  const object = node as Record<string, unknown>;
  const here = typeof object.title === 'string' ? object.title : title;
  return Object.entries(object).flatMap(([key, value]) =>
    key === 'expr' && typeof value === 'string' ? [{ title: here, expr: value }] : dashboardExprs(value, here),
  );
}

const dashboard = JSON.parse(readText(DASHBOARD_FILE)) as Dashboard;
const exprs = dashboardExprs(dashboard.panels);

/** The names the exposition has no sample of, `allowed` aside. */
function missing(names: Iterable<string>, allowed: Set<string> = new Set()): string[] {
  return [...names].filter((name) => !exported.has(name) && !allowed.has(name));
}

test('metricNames finds the metrics of an expression, and only them', (t) => {
  t.deepEqual(
    [
      ...metricNames(
        'histogram_quantile(0.99, sum by (le) (rate(a_seconds_bucket{job="$job", b=~"x|y"}[$__rate_interval]))) ' +
          '/ on (instance) group_left(version) b_total offset 5m > bool 1e3 and up',
      ),
    ].sort(),
    ['a_seconds_bucket', 'b_total', 'up'],
  );
  t.deepEqual([...metricNames('sum(rate(c_total[5m])) by (d) / count without (e) (f:recorded)')].sort(), [
    'c_total',
    'f:recorded',
  ]);
});

test('the dashboard parses and has queries', (t) => {
  t.true((dashboard.panels ?? []).length > 0);
  t.true(exprs.length >= 5, `${exprs.length} queries`);
  for (const { title, expr } of exprs) t.true(metricNames(expr).size > 0, `${title}: no metric in ${expr}`);
});

test("every metric the dashboard's queries use is in /metrics", (t) => {
  for (const { title, expr } of exprs) {
    t.deepEqual(missing(metricNames(expr)), [], `${title}: ${expr}`);
  }
});

test("every metric the dashboard's variables query is in /metrics, and its job is the service's", (t) => {
  const variables = dashboard.templating?.list ?? [];
  for (const variable of variables.filter((candidate) => candidate.type === 'query')) {
    const query = typeof variable.query === 'string' ? variable.query : JSON.stringify(variable.query);
    // label_values(metric{...}, label): the metric is the first argument.
    const inner = /^\s*label_values\((.*),\s*\w+\s*\)\s*$/.exec(query)?.[1] ?? query;
    t.deepEqual(missing(metricNames(inner)), [], `variable ${variable.name}: ${query}`);
  }
  const job = variables.find((candidate) => candidate.name === 'job');
  t.is(job?.query, SERVICE_NAME, 'the job variable is the scrape job, named after the service');
  for (const { title, expr } of exprs) {
    for (const selector of selectors(expr)) {
      t.regex(selector.matchers, /\bjob="\$(job|\{job\})"/, `${title}: ${selector.name}{${selector.matchers}}`);
    }
  }
});

const rules = readRules();

test('every metric the alert rules use is in /metrics (or is up)', (t) => {
  t.true(rules.length > 0);
  for (const rule of rules) {
    const names = metricNames(rule.expr);
    t.true(names.size > 0, `${rule.alert ?? rule.record}: no metric`);
    t.deepEqual(missing(names, new Set(['up'])), [], `${rule.alert ?? rule.record}: ${rule.expr}`);
  }
});

test("every selector of the alert rules is restricted to the service's job", (t) => {
  for (const rule of rules) {
    const found = selectors(rule.expr);
    t.true(found.length > 0, `${rule.alert ?? rule.record}: no selector`);
    for (const selector of found) {
      t.true(
        selector.matchers.includes(`job="${SERVICE_NAME}"`),
        `${rule.alert ?? rule.record}: ${selector.name}{${selector.matchers}}`,
      );
    }
  }
});

test('the latency panels show exemplars: from a slow bucket to the trace of a request in it', (t) => {
  const panels = (dashboard.panels ?? []) as { title?: string; targets?: { expr?: string; exemplar?: boolean }[] }[];
  const latency = panels.filter((panel) =>
    (panel.targets ?? []).some((target) =>
      /histogram_quantile\(.*(http_server_request|db_client_operation)_duration_seconds_bucket/.test(target.expr ?? ''),
    ),
  );
  t.is(latency.length, 2, 'the HTTP and the database latency panels');
  for (const panel of latency) {
    for (const target of panel.targets ?? []) t.true(target.exemplar, `${panel.title}: exemplar on ${target.expr}`);
  }
});
