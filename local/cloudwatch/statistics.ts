/**
 * Aggregation of datapoints into CloudWatch statistics.
 *
 * A bucket keeps what CloudWatch keeps for a period: sample count, sum,
 * minimum, maximum and, when every contribution came with raw values, the
 * values themselves (percentiles need them; a `StatisticValues` set has none).
 */
export interface Aggregate {
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
  /** `[value, count]` pairs; undefined once a statistic set without raw values was merged in. */
  values: Array<[number, number]> | undefined;
}

export const SIMPLE_STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type SimpleStatistic = (typeof SIMPLE_STATISTICS)[number];

export function isSimpleStatistic(s: string): s is SimpleStatistic {
  return (SIMPLE_STATISTICS as readonly string[]).includes(s);
}

/** `p0`..`p100` with up to ten decimals, e.g. `p99`, `p99.9`. Other extended statistics (tm90, IQM, …) are not supported. */
const PERCENTILE = /^p(\d{1,2}(\.\d{1,10})?|100(\.0{1,10})?)$/;

export function isSupportedPercentile(s: string): boolean {
  return PERCENTILE.test(s);
}

export function emptyAggregate(): Aggregate {
  return { sampleCount: 0, sum: 0, min: Infinity, max: -Infinity, values: [] };
}

export function merge(into: Aggregate, from: Aggregate): void {
  into.sampleCount += from.sampleCount;
  into.sum += from.sum;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  into.values = into.values && from.values ? into.values.concat(from.values) : undefined;
}

/** The value of a statistic over a bucket, or undefined when it cannot be computed (a percentile without raw values). */
export function statisticValue(agg: Aggregate, statistic: string): number | undefined {
  switch (statistic) {
    case 'SampleCount':
      return agg.sampleCount;
    case 'Sum':
      return agg.sum;
    case 'Average':
      return agg.sampleCount === 0 ? undefined : agg.sum / agg.sampleCount;
    case 'Minimum':
      return agg.min;
    case 'Maximum':
      return agg.max;
    default:
      return percentile(agg, statistic);
  }
}

function percentile(agg: Aggregate, statistic: string): number | undefined {
  if (!isSupportedPercentile(statistic) || agg.values === undefined || agg.sampleCount === 0)
    return undefined;
  const p = Number(statistic.slice(1));
  const sorted = [...agg.values].sort((a, b) => a[0] - b[0]);
  // Nearest rank over the expanded sample: the smallest value with at least p% of samples at or below it.
  const total = sorted.reduce((n, [, count]) => n + count, 0);
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [value, count] of sorted) {
    seen += count;
    if (seen >= rank) return value;
  }
  return sorted[sorted.length - 1]?.[0];
}
