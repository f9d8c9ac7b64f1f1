import { epochSeconds } from '../alarm-model';
import {
  Input,
  invalidParameterCombination,
  invalidParameterValue,
  missingParameter,
  validationError,
} from '../input';
import { MetricId } from '../metric-store';
import { paginate } from '../pagination';
import { Aggregate, SIMPLE_STATISTICS, isSupportedPercentile, statisticValue } from '../statistics';
import { CloudWatchContext, STANDARD_UNITS } from './context';
import { readDimensions } from './dimensions';

const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;
const TWO_HOURS_MS = 2 * 3600 * 1000;
const MAX_DATAPOINTS = 1440;

/** A datapoint as one entry of PutMetricData's `MetricData` describes it, before it is stored. */
export interface Datapoint {
  id: MetricId;
  timestampMs: number;
  unit?: string;
  agg: Aggregate;
}

export function singleValue(value: number): Aggregate {
  return { sampleCount: 1, sum: value, min: value, max: value, values: [[value, 1]] };
}

export function putMetricData(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const namespace = input.string('Namespace', { min: 1, max: 255 });
  if (namespace === undefined) throw missingParameter('Namespace');
  // "You can't specify a namespace that begins with AWS/": those belong to AWS services (here: in-process emitters).
  if (namespace.startsWith('AWS/') || namespace.startsWith(':')) {
    throw invalidParameterValue(`The value ${namespace} for parameter Namespace is invalid.`);
  }
  const entries = input.structList('MetricData', { max: 1000 });
  if (entries === undefined || entries.length === 0) throw missingParameter('MetricData');
  const now = ctx.clock.now();
  // Validate everything first: a request with one bad datum stores nothing.
  const points = entries.map((e) => readDatum(e, namespace, now));
  for (const p of points) ctx.metrics.put(p.id, p.timestampMs, p.unit, p.agg);
  return {};
}

function readDatum(e: Input, namespace: string, now: number): Datapoint {
  const metricName = e.requiredString('MetricName', { min: 1, max: 255 });
  const dimensions = readDimensions(e);
  const timestampMs = e.timestamp('Timestamp') ?? now;
  if (timestampMs < now - TWO_WEEKS_MS) {
    throw invalidParameterValue(
      `The parameter ${e.memberPath('Timestamp')} must specify a time no more than two weeks in the past.`,
    );
  }
  if (timestampMs > now + TWO_HOURS_MS) {
    throw invalidParameterValue(
      `The parameter ${e.memberPath('Timestamp')} must specify a time no more than two hours in the future.`,
    );
  }
  const unit = e.enumValue('Unit', STANDARD_UNITS);
  const storageResolution = e.int('StorageResolution');
  if (storageResolution !== undefined && storageResolution !== 1 && storageResolution !== 60) {
    throw invalidParameterValue(
      `The value ${storageResolution} for parameter ${e.memberPath('StorageResolution')} is invalid.`,
    );
  }
  const given = ['Value', 'Values', 'StatisticValues'].filter((m) => e.has(m));
  if (given.length > 1) {
    throw invalidParameterCombination(
      `The parameters ${given.map((m) => e.memberPath(m)).join(' and ')} are mutually exclusive and you have specified ${given.length === 2 ? 'both' : 'more than one'}.`,
    );
  }
  const agg = readAggregate(e);
  return { id: { namespace, metricName, dimensions }, timestampMs, ...(unit !== undefined && { unit }), agg };
}

function readAggregate(e: Input): Aggregate {
  const finite = (v: number, member: string): number => {
    if (!Number.isFinite(v))
      throw invalidParameterValue(`The value ${v} for parameter ${e.memberPath(member)} is invalid.`);
    return v;
  };
  if (e.has('StatisticValues')) {
    const s = e.struct('StatisticValues') as Input;
    const sampleCount = finite(s.double('SampleCount', true) as number, 'StatisticValues.SampleCount');
    const sum = finite(s.double('Sum', true) as number, 'StatisticValues.Sum');
    const min = finite(s.double('Minimum', true) as number, 'StatisticValues.Minimum');
    const max = finite(s.double('Maximum', true) as number, 'StatisticValues.Maximum');
    if (sampleCount <= 0 || min > max) {
      throw invalidParameterValue(
        `The parameter ${e.memberPath('StatisticValues')} is not a valid statistic set.`,
      );
    }
    // A set of one sample is that sample, so percentiles stay available for it.
    return { sampleCount, sum, min, max, values: sampleCount === 1 && min === max ? [[min, 1]] : undefined };
  }
  if (e.has('Values')) {
    const values = (e.doubleList('Values') ?? []).map((v) => finite(v, 'Values'));
    const counts = e.doubleList('Counts') ?? values.map(() => 1);
    if (values.length > 150)
      throw invalidParameterValue(`The parameter ${e.memberPath('Values')} must contain at most 150 values.`);
    if (counts.length !== values.length) {
      throw invalidParameterValue(
        `The parameters ${e.memberPath('Values')} and ${e.memberPath('Counts')} must be of the same size.`,
      );
    }
    const pairs = values.map((v, i): [number, number] => [v, counts[i] ?? 1]);
    return {
      sampleCount: pairs.reduce((n, [, c]) => n + c, 0),
      sum: pairs.reduce((n, [v, c]) => n + v * c, 0),
      min: Math.min(...values),
      max: Math.max(...values),
      values: pairs,
    };
  }
  const value = e.double('Value');
  if (value === undefined) throw missingParameter(`${e.memberPath('Value')}, Values or StatisticValues`);
  return singleValue(finite(value, 'Value'));
}

export function getMetricStatistics(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const id = readMetric(input);
  const { startMs, endMs } = readTimeRange(input, 'StartTime', 'EndTime');
  const period = input.int('Period', { required: true, min: 1 }) as number;
  const statistics = input.stringList('Statistics', { min: 1, max: 5 });
  statistics?.forEach((s) => {
    if (!(SIMPLE_STATISTICS as readonly string[]).includes(s)) {
      throw invalidParameterValue(`The value ${s} for parameter Statistics is not a valid statistic.`);
    }
  });
  const extended = input.stringList('ExtendedStatistics', { min: 1, max: 10 });
  extended?.forEach((s) => {
    if (!isSupportedPercentile(s))
      throw invalidParameterValue(`The value ${s} for parameter ExtendedStatistics is not supported.`);
  });
  if (statistics === undefined && extended === undefined)
    throw missingParameter('Statistics or ExtendedStatistics');
  if (statistics !== undefined && extended !== undefined) {
    throw invalidParameterCombination(
      'Statistics and ExtendedStatistics are mutually exclusive; specify only one of them.',
    );
  }
  const unit = input.enumValue('Unit', STANDARD_UNITS);
  const alignedStart = checkDatapointLimit(startMs, endMs, period);

  const datapoints: Array<Record<string, unknown> & { Timestamp: number }> = [];
  // Data published with different units are separate series (each datapoint carries its unit).
  for (const u of unit !== undefined ? [unit] : ctx.metrics.units(id, alignedStart, endMs)) {
    for (const [start, agg] of ctx.metrics.buckets(id, alignedStart, endMs, period * 1000, u)) {
      const dp: Record<string, unknown> & { Timestamp: number } = { Timestamp: epochSeconds(start), Unit: u };
      for (const s of statistics ?? []) dp[s] = statisticValue(agg, s);
      if (extended) {
        const values: Record<string, number> = {};
        for (const s of extended) {
          const v = statisticValue(agg, s);
          if (v !== undefined) values[s] = v;
        }
        dp['ExtendedStatistics'] = values;
      }
      datapoints.push(dp);
    }
  }
  datapoints.sort((a, b) => a.Timestamp - b.Timestamp);
  return { Label: id.metricName, Datapoints: datapoints };
}

/** GetMetricData for `MetricStat` queries; metric math `Expression`s are refused with a clear error. */
export function getMetricData(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const queries = input.structList('MetricDataQueries', { required: true, min: 1, max: 500 }) as Input[];
  const { startMs, endMs } = readTimeRange(input, 'StartTime', 'EndTime');
  const descending =
    input.enumValue('ScanBy', ['TimestampDescending', 'TimestampAscending'] as const) !==
    'TimestampAscending';
  const results = queries.map((q) => {
    const id = q.requiredString('Id', { min: 1, max: 255 });
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
      throw validationError(
        `The value ${id} for parameter ${q.memberPath('Id')} must start with a lowercase letter and contain only letters, numbers and underscores.`,
      );
    }
    if (q.has('Expression'))
      throw validationError(
        `Metric math expressions (${q.memberPath('Expression')}) are not supported by this CloudWatch.`,
      );
    const stat = q.struct('MetricStat');
    if (!stat) throw missingParameter(q.memberPath('MetricStat'));
    const metric = stat.struct('Metric');
    if (!metric) throw missingParameter(stat.memberPath('Metric'));
    const metricId = readMetric(metric);
    const period = stat.int('Period', { required: true, min: 1 }) as number;
    const statistic = stat.requiredString('Stat');
    if (!(SIMPLE_STATISTICS as readonly string[]).includes(statistic) && !isSupportedPercentile(statistic)) {
      throw invalidParameterValue(
        `The value ${statistic} for parameter ${stat.memberPath('Stat')} is not supported.`,
      );
    }
    const unit = stat.enumValue('Unit', STANDARD_UNITS);
    const alignedStart = checkDatapointLimit(startMs, endMs, period, 100_800);
    const points = [...ctx.metrics.buckets(metricId, alignedStart, endMs, period * 1000, unit)]
      .map(([start, agg]) => [start, statisticValue(agg, statistic)] as const)
      .filter((p): p is readonly [number, number] => p[1] !== undefined)
      .sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
    return {
      returnData: q.bool('ReturnData') ?? true,
      result: {
        Id: id,
        Label: q.string('Label') ?? metricId.metricName,
        Timestamps: points.map(([t]) => epochSeconds(t)),
        Values: points.map(([, v]) => v),
        StatusCode: 'Complete',
      },
    };
  });
  return { MetricDataResults: results.filter((r) => r.returnData).map((r) => r.result), Messages: [] };
}

export function listMetrics(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const namespace = input.string('Namespace', { min: 1, max: 255 });
  const metricName = input.string('MetricName', { min: 1, max: 255 });
  const filters = (input.structList('Dimensions', { max: 30 }) ?? []).map((d) => ({
    name: d.requiredString('Name', { min: 1, max: 255 }),
    value: d.string('Value', { min: 1, max: 1024 }),
  }));
  const nextToken = input.string('NextToken');
  const matching = ctx.metrics
    .list()
    .filter(
      (m) =>
        (namespace === undefined || m.namespace === namespace) &&
        (metricName === undefined || m.metricName === metricName) &&
        filters.every(
          (f) => f.name in m.dimensions && (f.value === undefined || m.dimensions[f.name] === f.value),
        ),
    );
  const { page, nextToken: next } = paginate(matching, 'ListMetrics', nextToken, 500);
  return {
    Metrics: page.map((m) => ({
      Namespace: m.namespace,
      MetricName: m.metricName,
      Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
    })),
    ...(next !== undefined && { NextToken: next }),
  };
}

function readMetric(input: Input): MetricId {
  return {
    namespace: input.requiredString('Namespace', { min: 1, max: 255 }),
    metricName: input.requiredString('MetricName', { min: 1, max: 255 }),
    dimensions: readDimensions(input),
  };
}

function readTimeRange(
  input: Input,
  startMember: string,
  endMember: string,
): { startMs: number; endMs: number } {
  const startMs = input.timestamp(startMember, true) as number;
  const endMs = input.timestamp(endMember, true) as number;
  if (startMs >= endMs) {
    throw invalidParameterValue(`The parameter ${startMember} must be less than the parameter ${endMember}.`);
  }
  return { startMs, endMs };
}

/** Rounds the start down to a period boundary and enforces the per-call datapoint limit. */
function checkDatapointLimit(startMs: number, endMs: number, period: number, limit = MAX_DATAPOINTS): number {
  const periodMs = period * 1000;
  const alignedStart = Math.floor(startMs / periodMs) * periodMs;
  const requested = Math.ceil((endMs - alignedStart) / periodMs);
  if (requested > limit) {
    throw invalidParameterCombination(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${limit}. ` +
        'You may reduce the datapoints requested by increasing Period, or decreasing the time range.',
    );
  }
  return alignedStart;
}
