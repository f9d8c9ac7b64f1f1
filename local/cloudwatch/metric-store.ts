import { Aggregate, emptyAggregate, merge } from './statistics';

/** A metric as CloudWatch identifies it: namespace, name and the exact set of dimensions. */
export interface MetricId {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

interface StoredPoint {
  timestampMs: number;
  unit: string;
  agg: Aggregate;
}

interface StoredMetric {
  id: MetricId;
  points: StoredPoint[];
  /** The latest timestamp ever put, whatever the order points arrived in. */
  latestMs: number;
}

/** CloudWatch keeps one-minute data for 15 days; older points can never be queried by an alarm. */
const RETENTION_MS = 15 * 24 * 3600 * 1000;

/** Dimension order does not matter to CloudWatch, so the key sorts them; a metric with one more dimension is a different metric. */
export function metricKey(id: MetricId): string {
  const dims = Object.entries(id.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([id.namespace, id.metricName, dims]);
}

export class MetricStore {
  private readonly metrics = new Map<string, StoredMetric>();

  put(id: MetricId, timestampMs: number, unit: string | undefined, agg: Aggregate): void {
    const key = metricKey(id);
    let metric = this.metrics.get(key);
    if (!metric) {
      metric = { id: { ...id, dimensions: { ...id.dimensions } }, points: [], latestMs: timestampMs };
      this.metrics.set(key, metric);
    }
    metric.points.push({ timestampMs, unit: unit ?? 'None', agg });
    metric.latestMs = Math.max(metric.latestMs, timestampMs);
  }

  /** The latest timestamp of the metric's points, any unit; undefined when it has none. */
  latestTimestamp(id: MetricId): number | undefined {
    return this.metrics.get(metricKey(id))?.latestMs;
  }

  /**
   * Aggregates the metric's points into `periodMs` buckets over `[startMs, endMs)`, buckets aligned to
   * `startMs`. Only buckets with data are returned, keyed by bucket start. `unit` narrows to points
   * published with that unit; without it every unit is merged.
   */
  buckets(
    id: MetricId,
    startMs: number,
    endMs: number,
    periodMs: number,
    unit?: string,
  ): Map<number, Aggregate> {
    const out = new Map<number, Aggregate>();
    const metric = this.metrics.get(metricKey(id));
    if (!metric) return out;
    for (const p of metric.points) {
      if (p.timestampMs < startMs || p.timestampMs >= endMs) continue;
      if (unit !== undefined && p.unit !== unit) continue;
      const bucket = startMs + Math.floor((p.timestampMs - startMs) / periodMs) * periodMs;
      let agg = out.get(bucket);
      if (!agg) {
        agg = emptyAggregate();
        out.set(bucket, agg);
      }
      merge(agg, p.agg);
    }
    return out;
  }

  /** Units seen in `[startMs, endMs)`, for GetMetricStatistics' `Unit` field. */
  units(id: MetricId, startMs: number, endMs: number): string[] {
    const metric = this.metrics.get(metricKey(id));
    const units = new Set<string>();
    for (const p of metric?.points ?? []) {
      if (p.timestampMs >= startMs && p.timestampMs < endMs) units.add(p.unit);
    }
    return [...units].sort();
  }

  list(): MetricId[] {
    return [...this.metrics.values()].map((m) => m.id);
  }

  /** Drops points older than CloudWatch's retention, so a long virtual run does not grow without bound. */
  prune(nowMs: number): void {
    for (const m of this.metrics.values()) {
      m.points = m.points.filter((p) => p.timestampMs >= nowMs - RETENTION_MS);
    }
  }
}
