import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import test from 'ava';
import request from 'supertest';
import { prefersOpenMetrics } from '../../src/metrics/exposition.js';
import { promtoolCheckMetrics } from '../helpers/promtool.js';
import { createTestApp, migrated, type TestApp } from '../helpers/test-app.js';

// What the tracing SDK registers; here a span context stands for a sampled request.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const TRACE = {
  traceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  spanId: '1122334455667788',
  traceFlags: TraceFlags.SAMPLED,
};
const UNSAMPLED = {
  traceId: 'ffeeddccbbaa99887766554433221100',
  spanId: '8877665544332211',
  traceFlags: TraceFlags.NONE,
};

/** Prometheus 2's Accept header. */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

let testApp: TestApp;

test.before(async () => {
  testApp = await migrated(await createTestApp({ HEALTH_CACHE_MS: '0' }));
  const { callback } = testApp;
  // Requests handled inside a trace's context, as the HTTP instrumentation runs them.
  const inTrace =
    (span: typeof TRACE): typeof callback =>
    (req, res) =>
      context.with(trace.setSpanContext(context.active(), span), () => callback(req, res));
  await request(inTrace(TRACE)).get('/greetings/x').expect(200);
  await request(inTrace(TRACE)).get('/ready').expect(200);
  await request(inTrace(UNSAMPLED)).post('/greetings').send({ name: 'y' }).expect(201);
});

test.after.always(() => testApp.close());

test('which format the Accept header asks for', (t) => {
  t.true(prefersOpenMetrics(PROMETHEUS_ACCEPT));
  t.true(prefersOpenMetrics('application/openmetrics-text'));
  t.false(prefersOpenMetrics(undefined));
  t.false(prefersOpenMetrics('*/*'));
  t.false(prefersOpenMetrics('text/plain;version=0.0.4'));
  t.false(prefersOpenMetrics('text/plain, application/openmetrics-text;q=0.5'));
  t.false(prefersOpenMetrics('application/openmetrics-text;q=0'));
});

test('OpenMetrics, when asked for, carries the sampled trace as exemplars on the two duration histograms', async (t) => {
  const res = await request(testApp.callback).get('/metrics').set('Accept', PROMETHEUS_ACCEPT).expect(200);
  t.is(res.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  t.regex(res.text, /\n# EOF\n$/);
  const exemplars = res.text.split('\n').filter((line) => line.includes(' # {'));
  const withTrace = (name: string) =>
    exemplars.filter((line) => line.startsWith(`${name}_bucket{`) && line.includes(`trace_id="${TRACE.traceId}"`));
  t.true(
    withTrace('http_server_request_duration_seconds').some((line) => line.includes('http_route="/greetings/:name"')),
  );
  t.true(withTrace('db_client_operation_duration_seconds').length > 0, exemplars.join('\n'));
  // Only those two families carry exemplars, and never from an unsampled trace.
  t.deepEqual([...new Set(exemplars.map((line) => line.replace(/_bucket\{.*/, '')))].sort(), [
    'db_client_operation_duration_seconds',
    'http_server_request_duration_seconds',
  ]);
  t.false(res.text.includes(UNSAMPLED.traceId));
  // OpenMetrics names a counter's family without `_total` and its samples with it.
  t.regex(res.text, /# TYPE http_server_requests counter\n/);
  t.regex(res.text, /\nhttp_server_requests_total\{/);
});

test('the classic text format stays the default, without exemplars and clean under promtool, after an OpenMetrics scrape too', async (t) => {
  await request(testApp.callback).get('/metrics').set('Accept', PROMETHEUS_ACCEPT).expect(200);
  const res = await request(testApp.callback).get('/metrics').expect(200);
  t.is(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  // Caches keep the two formats (and, from the gzip step, the two encodings) apart.
  t.deepEqual(res.headers.vary?.split(/,\s*/).sort(), ['Accept', 'Accept-Encoding']);
  t.false(res.text.includes(' # {'));
  t.regex(res.text, /# TYPE http_server_requests_total counter\n/);
  t.deepEqual(await promtoolCheckMetrics(res.text), { code: 0, findings: '' });
});
