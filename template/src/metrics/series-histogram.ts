import type { LabelValues, Metric, Registry } from 'prom-client';

/** One label set of a histogram, found once by its caller. */
export interface HistogramSeries {
  /** Counts `value` in its bucket; `exemplar` (labels such as a trace id) is kept on that bucket, newest wins. */
  observe<E extends Record<keyof E, string>>(value: number, exemplar?: E): void;
}

export interface SeriesHistogramOptions<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  /** Upper bounds, ascending; `+Inf` is implied. */
  buckets: readonly number[];
  registry: Registry;
}

interface Exemplar {
  labelSet: Record<string, string>;
  value: number;
  /** Seconds since the epoch, as prom-client writes it. */
  timestamp: number;
}

interface SeriesState {
  labels: LabelValues<string>;
  /** Observations per bucket, not cumulative; the last is `+Inf`. */
  counts: number[];
  exemplars: (Exemplar | undefined)[];
  sum: number;
  count: number;
}

/** A line of the exposition, in the shape prom-client's registry renders. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  sharedLabels: LabelValues<string>;
  value: number;
  exemplar: Exemplar | undefined;
}

/**
 * A histogram registered in `registry` whose series are resolved once, by the
 * caller, and then observed without a lookup. prom-client validates and
 * hashes the labels on every `observe()`, even through a label child
 * (prometheus/client_js#38): on a request path, that was the costliest part
 * of the instrumentation (bench/breakdown/http-stack.ts).
 *
 * It renders as prom-client's own histogram with exemplars does, line for
 * line (a test holds the two equal), because the registry reads it the way it
 * reads its own metrics: `getForPromString()`, `get()`, `reset()`. A series
 * shows once it has an observation, as in prom-client. State lives in this
 * closure, not on the object: the OpenMetrics view (`exposition.ts`) renders
 * each metric through an object whose prototype is the metric.
 */
export function seriesHistogram<L extends string>(
  options: SeriesHistogramOptions<L>,
): (labels: LabelValues<L>) => HistogramSeries {
  const { name, help, buckets, registry } = options;
  const series = new Map<string, SeriesState>();

  const samples = (): Sample[] =>
    [...series.values()]
      .filter((state) => state.count > 0)
      .flatMap((state) => {
        let cumulative = 0;
        const bucketSamples = buckets.map((le, index): Sample => {
          cumulative += state.counts[index]!;
          return sample(`${name}_bucket`, { le }, state, cumulative, state.exemplars[index]);
        });
        return [
          ...bucketSamples,
          sample(`${name}_bucket`, { le: '+Inf' }, state, state.count, state.exemplars[buckets.length]),
          sample(`${name}_sum`, {}, state, state.sum),
          sample(`${name}_count`, {}, state, state.count),
        ];
      });

  const identity = { name, help, type: 'histogram', aggregator: 'sum' };
  const described = <V>(values: V[]) => ({ ...identity, values });
  const metric = {
    ...identity,
    getForPromString: () => Promise.resolve(described(samples())),
    get: () =>
      Promise.resolve(
        described(
          samples().map(({ metricName, labels, sharedLabels, value, exemplar }) => ({
            metricName,
            labels: { ...labels, ...sharedLabels },
            value,
            exemplar,
          })),
        ),
      ),
    reset: () => {
      for (const state of series.values()) {
        state.counts.fill(0);
        state.exemplars.fill(undefined);
        state.sum = 0;
        state.count = 0;
      }
    },
  };
  // The registry's type lists prom-client's own classes; it reads any metric through the methods above.
  registry.registerMetric(metric as unknown as Metric);

  return (labels) => {
    const key = JSON.stringify(options.labelNames.map((label) => labels[label]));
    let state = series.get(key);
    if (!state) {
      state = emptySeries(labels, buckets.length + 1);
      series.set(key, state);
    }
    return observer(state, buckets);
  };
}

function emptySeries(labels: LabelValues<string>, bucketCount: number): SeriesState {
  return {
    labels: { ...labels },
    counts: new Array<number>(bucketCount).fill(0),
    exemplars: new Array<Exemplar | undefined>(bucketCount).fill(undefined),
    sum: 0,
    count: 0,
  };
}

function observer(state: SeriesState, buckets: readonly number[]): HistogramSeries {
  return {
    observe(value, exemplar) {
      // prom-client throws; on a request's way out, a value that cannot be counted is left out instead.
      if (!Number.isFinite(value)) return;
      let index = 0;
      while (index < buckets.length && value > buckets[index]!) index += 1;
      state.counts[index]! += 1;
      state.sum += value;
      state.count += 1;
      if (exemplar) state.exemplars[index] = { labelSet: { ...exemplar }, value, timestamp: Date.now() / 1000 };
    },
  };
}

function sample(
  metricName: string,
  labels: Sample['labels'],
  state: SeriesState,
  value: number,
  exemplar?: Exemplar,
): Sample {
  return { metricName, labels, sharedLabels: state.labels, value, exemplar };
}
