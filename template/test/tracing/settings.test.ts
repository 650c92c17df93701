import test from 'ava';
import { readTracingSettings, TracingSettingsError } from '../../src/tracing/settings.js';

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

test('off by default: no endpoint, no tracing', (t) => {
  t.is(readTracingSettings({}), undefined);
  t.is(readTracingSettings({ OTEL_SERVICE_NAME: 'svc', OTEL_TRACES_SAMPLER: 'always_on' }), undefined);
});

test('an endpoint turns it on, with protobuf unless JSON is asked for', (t) => {
  t.deepEqual(readTracingSettings(ENDPOINT), { protocol: 'http/protobuf' });
  t.deepEqual(readTracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector/v1/traces' }), {
    protocol: 'http/protobuf',
  });
  t.deepEqual(readTracingSettings({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), {
    protocol: 'http/json',
  });
  // The traces-specific variable wins over the general one, as the SDK reads them.
  t.deepEqual(
    readTracingSettings({
      ...ENDPOINT,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    }),
    { protocol: 'http/json' },
  );
});

test('OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off', (t) => {
  t.is(readTracingSettings({ ...ENDPOINT, OTEL_SDK_DISABLED: 'TRUE' }), undefined);
  t.is(readTracingSettings({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'none' }), undefined);
  t.truthy(readTracingSettings({ ...ENDPOINT, OTEL_SDK_DISABLED: 'false', OTEL_TRACES_EXPORTER: 'otlp' }));
});

test('samplers and their ratio', (t) => {
  t.truthy(
    readTracingSettings({
      ...ENDPOINT,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }),
  );
  t.truthy(readTracingSettings({ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }));
  // The argument of another sampler is not ours to judge.
  t.truthy(readTracingSettings({ ...ENDPOINT, OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'x' }));
});

for (const [env, message] of [
  [{ OTEL_SDK_DISABLED: 'yes' }, /OTEL_SDK_DISABLED must be true or false/],
  [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_TRACES_EXPORTER must be otlp or none \(got "zipkin"\)/],
  [
    { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    /OTEL_EXPORTER_OTLP_PROTOCOL must be one of http\/protobuf, http\/json \(got "grpc"\)/,
  ],
  [{ OTEL_TRACES_SAMPLER: 'sometimes' }, /OTEL_TRACES_SAMPLER must be one of always_on, /],
  [
    { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' },
    /OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 \(got "1.5"\)/,
  ],
  [{ OTEL_SERVICE_NAME: '  ' }, /OTEL_SERVICE_NAME must not be empty/],
] as const) {
  test(`${JSON.stringify(env)} is refused with one line naming it`, (t) => {
    const error = t.throws(() => readTracingSettings({ ...ENDPOINT, ...env }), { instanceOf: TracingSettingsError });
    t.regex(error.message, /^Invalid configuration: /);
    t.regex(error.message, message);
    t.false(error.message.includes('\n'));
  });
}

test('a bad endpoint is named, its value (which may hold credentials) is not repeated', (t) => {
  const error = t.throws(() => readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318?token=hunter2' }));
  t.is(error.message, 'Invalid configuration: OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL');
});

test('every problem is named at once', (t) => {
  const error = t.throws(() =>
    readTracingSettings({ ...ENDPOINT, OTEL_TRACES_EXPORTER: 'jaeger', OTEL_TRACES_SAMPLER: 'x' }),
  );
  t.regex(error.message, /OTEL_TRACES_EXPORTER .*; OTEL_TRACES_SAMPLER /);
});
