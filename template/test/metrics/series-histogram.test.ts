import test from 'ava';
import { Histogram, Registry, type LabelValues } from 'prom-client';
import { expose } from '../../src/metrics/exposition.js';
import { seriesHistogram } from '../../src/metrics/series-histogram.js';
import { promtoolCheckMetrics } from '../helpers/promtool.js';

const OPENMETRICS = 'application/openmetrics-text;version=1.0.0';
const NAME = 'test_duration_seconds';
const BUCKETS = [0.005, 0.1, 1, 10];
type Labels = 'method' | 'route';
const LABEL_NAMES: Labels[] = ['method', 'route'];

interface Observation {
  labels: Record<Labels, string>;
  value: number;
  exemplar?: { trace_id: string; span_id: string };
}

const GET = { method: 'GET', route: '/a/:id' };
const POST = { method: 'POST', route: '/b "quoted"\\path' };
/** Every bucket, a bound exactly, past the last bound, zero, two label sets, exemplars that replace each other. */
const OBSERVATIONS: Observation[] = [
  { labels: GET, value: 0.003 },
  { labels: GET, value: 0.005 },
  { labels: GET, value: 0.05, exemplar: { trace_id: 'a'.repeat(32), span_id: '1'.repeat(16) } },
  { labels: GET, value: 0.07, exemplar: { trace_id: 'b'.repeat(32), span_id: '2'.repeat(16) } },
  { labels: POST, value: 0 },
  { labels: POST, value: 2.5 },
  { labels: POST, value: 42, exemplar: { trace_id: 'c'.repeat(32), span_id: '3'.repeat(16) } },
  { labels: GET, value: 10 },
];

/** prom-client's own histogram with exemplars, registered as http-metrics registered it before. */
function promClient(observations: Observation[]): Registry {
  const registry = new Registry();
  const histogram = new Histogram<Labels>({
    name: NAME,
    help: 'A test histogram.',
    labelNames: LABEL_NAMES,
    buckets: BUCKETS,
    enableExemplars: true,
    registers: [],
  });
  registry.registerMetric(histogram);
  for (const { labels, value, exemplar } of observations) {
    if (exemplar)
      // prom-client types exemplar labels as the metric's own label names; an exemplar has its own.
      histogram.observe({ labels, value, exemplarLabels: exemplar as LabelValues<Labels> });
    else histogram.labels(labels).observe(value);
  }
  return registry;
}

/** The histogram under test, on a registry of its own. */
function ourHistogram(registry: Registry, name = NAME) {
  return seriesHistogram<Labels>({
    name,
    help: 'A test histogram.',
    labelNames: LABEL_NAMES,
    buckets: BUCKETS,
    registry,
  });
}

function ours(observations: Observation[]): Registry {
  const registry = new Registry();
  const histogram = ourHistogram(registry);
  for (const { labels, value, exemplar } of observations) histogram(labels).observe(value, exemplar);
  return registry;
}

/** Exemplar timestamps are the time of the observation: equal to the second is enough. */
const withoutTimestamps = (text: string) => text.replace(/( # \{[^}]*\} \S+) \d+(\.\d+)?$/gm, '$1 <time>');

test('renders the classic text format line for line as prom-client does, and promtool accepts it', async (t) => {
  const expected = await promClient(OBSERVATIONS).metrics();
  const actual = await ours(OBSERVATIONS).metrics();
  t.is(actual, expected);
  t.regex(actual, /^test_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/b \\"quoted\\"\\\\path"\} 3$/m);
  t.deepEqual(await promtoolCheckMetrics(actual), { code: 0, findings: '' });
});

test('renders OpenMetrics with the newest exemplar of each bucket, as prom-client does', async (t) => {
  const expected = await expose(promClient(OBSERVATIONS), OPENMETRICS);
  const actual = await expose(ours(OBSERVATIONS), OPENMETRICS);
  t.is(actual.contentType, expected.contentType);
  t.is(withoutTimestamps(actual.body), withoutTimestamps(expected.body));
  t.regex(actual.body, new RegExp(`le="0.1",method="GET",route="/a/:id"} 4 # \\{trace_id="${'b'.repeat(32)}"`));
  t.notRegex(actual.body, new RegExp(`trace_id="${'a'.repeat(32)}"`));
});

test('get() gives the values prom-client gives, for getMetricsAsJSON and the tests that read a metric', async (t) => {
  // prom-client leaves null where a bucket has no exemplar, and undefined on _sum and _count.
  const normalise = (values: readonly object[]) =>
    values.map((value) => {
      const { exemplar, ...rest } = value as { exemplar?: unknown };
      return { ...rest, exemplar: exemplar ? 'some' : 'none' };
    });
  const expected = await promClient(OBSERVATIONS).getSingleMetric(NAME)!.get();
  const actual = await ours(OBSERVATIONS).getSingleMetric(NAME)!.get();
  t.deepEqual(normalise(actual.values), normalise(expected.values));
  t.is(String(actual.type), 'histogram');
});

test('reset() empties every series until it is observed again, even through a series found before', async (t) => {
  const registry = new Registry();
  const histogram = ourHistogram(registry);
  const get = histogram(GET);
  get.observe(0.5);
  histogram(POST).observe(0.5);
  registry.resetMetrics();
  t.notRegex(await registry.metrics(), /_count/);
  get.observe(0.05);
  const text = await registry.metrics();
  t.regex(text, /^test_duration_seconds_count\{method="GET",route="\/a\/:id"\} 1$/m);
  t.regex(text, /^test_duration_seconds_sum\{method="GET",route="\/a\/:id"\} 0.05$/m);
  t.notRegex(text, /method="POST"/);
});

test('the same label set found twice is one series; a value that is not a number is left out', async (t) => {
  const registry = new Registry();
  const histogram = ourHistogram(registry, 'other_seconds');
  histogram({ ...GET }).observe(1);
  histogram({ ...GET }).observe(Number.NaN);
  histogram({ ...GET }).observe(Infinity);
  histogram({ ...GET }).observe(2);
  t.regex(await registry.metrics(), /^other_seconds_count\{method="GET",route="\/a\/:id"\} 2$/m);
  t.regex(await registry.metrics(), /^other_seconds_sum\{method="GET",route="\/a\/:id"\} 3$/m);
});
