import { Registry, type Metric, type OpenMetricsContentType } from 'prom-client';

export interface Exposition {
  contentType: string;
  body: string;
}

/**
 * The registry in the format the scraper asks for: OpenMetrics, with the
 * histograms' exemplars, when its Accept header prefers
 * `application/openmetrics-text` (Prometheus does by default); else the
 * classic text format, the default, which has no exemplars.
 */
export async function expose(registry: Registry, accept: string | undefined): Promise<Exposition> {
  if (!prefersOpenMetrics(accept)) return { contentType: registry.contentType, body: await registry.metrics() };
  const body = await openMetricsView(registry).metrics();
  return { contentType: Registry.OPENMETRICS_CONTENT_TYPE, body };
}

/**
 * A registry of the OpenMetrics type over the same metrics. prom-client
 * renames a counter (drops `_total` from its `name`) when an OpenMetrics
 * registry renders it, which would leave the classic format's counters
 * without their suffix: each metric is rendered through an object whose
 * prototype is the metric, so the rename stays on that object while the
 * values are the metric's own.
 */
function openMetricsView(registry: Registry): Registry<OpenMetricsContentType> {
  const view = new Registry<OpenMetricsContentType>();
  view.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  // getMetricsAsArray() gives the metrics themselves, typed as plain objects.
  for (const metric of registry.getMetricsAsArray() as unknown as Metric[]) {
    view.registerMetric(Object.create(metric) as Metric);
  }
  return view;
}

/** True when the Accept header ranks OpenMetrics above (or with) the classic text format. */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  let openMetrics = 0;
  let text = 0;
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = Number(params.find((param) => param.startsWith('q='))?.slice(2) ?? 1);
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text;
}
