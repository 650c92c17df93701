import test from 'ava';
import request from 'supertest';
import { promtoolCheckMetrics } from '../helpers/promtool.js';
import { createTestApp, migrated, type TestApp } from '../helpers/test-app.js';

const REQUIRED = [
  'service_build_info',
  'http_server_request_duration_seconds',
  'http_server_requests_total',
  'http_server_active_requests',
  'db_client_operation_duration_seconds',
  'db_client_connections',
  'db_client_connection_max',
  'db_client_connection_pending_requests',
  'service_errors_total',
  'health_check_status',
  'health_check_duration_seconds',
  'process_cpu_seconds_total',
  'nodejs_heap_size_used_bytes',
];

let testApp: TestApp;
let exposition: string;
let contentType: string | undefined;

test.before(async () => {
  testApp = await migrated(await createTestApp());
  const { callback } = testApp;
  // Traffic that gives every family samples: /ready runs the checks (and the database's
  // `select 1`), then a route, a 404 and a 400.
  await request(callback).get('/ready').expect(200);
  await request(callback).get('/greetings/x').expect(200);
  await request(callback).get('/nope').expect(404);
  await request(callback).post('/greetings').set('Content-Type', 'application/json').send('{"name": ').expect(400);
  const res = await request(callback).get('/metrics').expect(200);
  exposition = res.text;
  contentType = res.headers['content-type'];
});

test.after.always(async () => {
  await testApp?.close();
});

/** Names of the metric families in an exposition, from its `# TYPE` lines. */
function families(text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((match) => match[1]!));
}

/** Families that have at least one sample line. */
function sampled(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    names.add(line.split(/[{ ]/)[0]!.replace(/_(bucket|sum|count)$/, ''));
  }
  return names;
}

test('/metrics is the Prometheus text format 0.0.4', (t) => {
  t.is(contentType, 'text/plain; version=0.0.4; charset=utf-8');
});

test('promtool check metrics finds nothing', async (t) => {
  const { code, findings } = await promtoolCheckMetrics(exposition);
  t.is(findings, '', `promtool findings:\n${findings}`);
  t.is(code, 0, `promtool exited ${code}:\n${findings}`);
});

test('the service’s, the database’s, the health checks’ and the runtime’s metrics are all there, with samples', (t) => {
  const present = families(exposition);
  const withSamples = sampled(exposition);
  for (const name of REQUIRED) {
    t.true(present.has(name), `${name} is missing from /metrics`);
    t.true(withSamples.has(name), `${name} has no sample`);
  }
  t.regex(exposition, /^health_check_status\{check="database"\} 1$/m);
  t.regex(exposition, /^service_errors_total\{error_type="400"\} 1$/m);
  t.regex(
    exposition,
    /^http_server_requests_total\{http_request_method="GET",http_route="unmatched",http_response_status_code="404"\} 1$/m,
  );
});

test('prom-client’s non-conforming nodejs_active_*_total gauges are not exported', (t) => {
  const offending = [...families(exposition)].filter((name) => /^nodejs_active_.*_total$/.test(name));
  t.deepEqual(offending, []);
  t.notRegex(exposition, /^nodejs_active_\w*_total/m);
  t.true(families(exposition).has('nodejs_active_handles'), 'the same counts stay, without the suffix');
});
