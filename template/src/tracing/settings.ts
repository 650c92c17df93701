/**
 * Tracing is configured by OpenTelemetry's own environment variables, read by
 * its SDK and exporter. This reads the few the service decides on itself
 * (whether to trace at all, and which exporter to load) and checks the ones it
 * cannot honour before anything starts, so a typo fails the start with one
 * line instead of silently tracing nothing (the SDK only logs and falls back).
 *
 * Tracing is on when an OTLP endpoint is set, `OTEL_SDK_DISABLED` is not
 * `true` and `OTEL_TRACES_EXPORTER` is not `none`.
 */
export interface TracingSettings {
  /** The OTLP encoding over HTTP: protobuf (OpenTelemetry's default) or JSON. */
  readonly protocol: OtlpProtocol;
}

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

/** Thrown for an OTEL_* variable the service cannot honour; one line naming it. */
export class TracingSettingsError extends Error {
  override name = 'TracingSettingsError';
}

/**
 * The tracing settings of an environment, or undefined when tracing is off.
 * @throws {TracingSettingsError} naming every invalid variable, on one line.
 */
export function readTracingSettings(
  env: Record<string, string | undefined> = process.env,
): TracingSettings | undefined {
  const value = (name: string) => {
    const raw = env[name]?.trim();
    return raw === '' ? undefined : raw;
  };
  const problems: string[] = [];

  const disabled = value('OTEL_SDK_DISABLED')?.toLowerCase();
  if (disabled !== undefined && disabled !== 'true' && disabled !== 'false') {
    problems.push('OTEL_SDK_DISABLED must be true or false');
  }
  if (disabled === 'true') return undefined;

  const exporter = value('OTEL_TRACES_EXPORTER');
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none') {
    problems.push(`OTEL_TRACES_EXPORTER must be otlp or none (got ${JSON.stringify(exporter)})`);
  }

  // The endpoint's value is never repeated: it may carry credentials.
  const endpoints = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'];
  for (const name of endpoints) {
    const url = value(name);
    if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url))
      problems.push(`${name} must be an http:// or https:// URL`);
  }
  const endpoint = endpoints.map(value).find((url) => url !== undefined);

  const protocolName = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = value(protocolName) ?? 'http/protobuf';
  if (!(OTLP_PROTOCOLS as readonly string[]).includes(protocol)) {
    problems.push(`${protocolName} must be one of ${OTLP_PROTOCOLS.join(', ')} (got ${JSON.stringify(protocol)})`);
  }

  const sampler = value('OTEL_TRACES_SAMPLER');
  if (sampler !== undefined && !SAMPLERS.includes(sampler)) {
    problems.push(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(', ')} (got ${JSON.stringify(sampler)})`);
  }
  const ratio = value('OTEL_TRACES_SAMPLER_ARG');
  if (sampler?.endsWith('traceidratio') && ratio !== undefined && !isRatio(ratio)) {
    problems.push(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1 (got ${JSON.stringify(ratio)})`);
  }

  if (env.OTEL_SERVICE_NAME !== undefined && value('OTEL_SERVICE_NAME') === undefined) {
    problems.push('OTEL_SERVICE_NAME must not be empty');
  }

  if (problems.length > 0) throw new TracingSettingsError(`Invalid configuration: ${problems.join('; ')}`);
  if (endpoint === undefined || exporter === 'none') return undefined;
  return Object.freeze({ protocol: protocol as OtlpProtocol });
}

function isRatio(raw: string): boolean {
  const ratio = Number(raw);
  return /^\d*\.?\d+(e-?\d+)?$/i.test(raw) && ratio >= 0 && ratio <= 1;
}
