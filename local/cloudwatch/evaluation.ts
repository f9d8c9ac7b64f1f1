/**
 * Metric alarm evaluation, as documented in "How alarm state is evaluated when data is missing"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html):
 *
 * - CloudWatch looks at more periods than `EvaluationPeriods` (N): the *evaluation range*. Here it is
 *   N + 2 periods, the size the documentation's examples use (5 for N = 3).
 * - If the range holds at least N real datapoints, the most recent N decide, and `TreatMissingData`
 *   plays no part.
 * - Otherwise the real datapoints are completed to N with the missing-data treatment: `breaching` /
 *   `notBreaching` fill in breaching / good datapoints; `missing` / `ignore` fill in nothing.
 *   With no real datapoint at all, `missing` gives INSUFFICIENT_DATA and `ignore` keeps the state.
 * - The alarm goes to ALARM when at least `DatapointsToAlarm` (M) evaluated datapoints breach.
 *   With `missing` / `ignore` and fewer than N real datapoints, it goes to OK only if some real datapoint
 *   is good; if every real one breaches but fewer than M, the outcome is unknown (INSUFFICIENT_DATA;
 *   `ignore` keeps the state).
 * - Premature-alarm rule ("Avoiding premature transitions to alarm state"): with `missing`, the
 *   alarm goes to ALARM when every real datapoint breaches and the oldest is at least M periods old;
 *   `ignore` keeps the state in that case.
 *
 * Every row of the two example tables in that documentation is a test case of this module.
 */
import type { AlarmStateValue, ComparisonOperator, MetricAlarmConfig } from './alarm-model';
import { javaDouble, plural, reasonDataDate, reasonDate } from './format';

/** One period of the evaluation range; `value` is the statistic, absent when the period has no data. */
export interface PeriodDatapoint {
  startMs: number;
  value?: number;
  sampleCount?: number;
}

export interface Verdict {
  state: AlarmStateValue;
  reason: string;
  /** Serialized as the alarm's `StateReasonData`. */
  reasonData: Record<string, unknown>;
}

export function evaluationRangePeriods(evaluationPeriods: number): number {
  return evaluationPeriods + 2;
}

const PHRASES: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export function breaches(op: ComparisonOperator, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

interface Real extends PeriodDatapoint {
  value: number;
  breaching: boolean;
}

/**
 * Decides the alarm's state from the evaluation range (oldest period first, newest last).
 * Returns undefined when the alarm keeps its current state whatever it is (`ignore`).
 */
export function evaluateMetricAlarm(
  config: MetricAlarmConfig,
  range: PeriodDatapoint[],
  nowMs: number,
): Verdict | undefined {
  const n = config.evaluationPeriods;
  const m = config.datapointsToAlarm ?? n;
  const treatment = config.treatMissingData ?? 'missing';
  const reals: Real[] = range
    .filter((p): p is PeriodDatapoint & { value: number } => p.value !== undefined)
    .map((p) => ({ ...p, breaching: breaches(config.comparisonOperator, p.value, config.threshold) }));
  const ctx = new ReasonContext(config, nowMs);

  if (reals.length >= n) return ctx.decide(reals.slice(-n), 0, m);

  if (reals.length === 0) {
    const newest = range.slice(-n);
    if (treatment === 'ignore') return undefined;
    const treatedAs = { missing: 'Missing', breaching: 'Breaching', notBreaching: 'NonBreaching' }[treatment];
    const state: AlarmStateValue =
      treatment === 'missing' ? 'INSUFFICIENT_DATA' : treatment === 'breaching' ? 'ALARM' : 'OK';
    const prefix = state === 'INSUFFICIENT_DATA' ? 'Insufficient Data' : 'Threshold Crossed';
    const reason =
      `${prefix}: no datapoints were received for ${plural(n, 'period')} and ` +
      `${plural(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [${treatedAs}].`;
    return { state, reason, reasonData: ctx.reasonData([], newest) };
  }

  if (treatment === 'breaching' || treatment === 'notBreaching') {
    return ctx.decide(reals, n - reals.length, m, treatment === 'breaching');
  }

  // `missing` / `ignore` with some, but fewer than N, real datapoints.
  const breachingCount = reals.filter((r) => r.breaching).length;
  if (breachingCount < m && isPrematureAlarm(range, reals, m)) {
    return treatment === 'missing' ? ctx.decide(reals, 0, m, false, true) : undefined;
  }
  if (breachingCount >= m || reals.some((r) => !r.breaching)) return ctx.decide(reals, 0, m);
  if (treatment === 'ignore') return undefined;
  const unknown = n - reals.length;
  return {
    state: 'INSUFFICIENT_DATA',
    reason: `Insufficient Data: ${plural(unknown, 'datapoint')} ${unknown === 1 ? 'was' : 'were'} unknown.`,
    reasonData: ctx.reasonData(reals, reals),
  };
}

/**
 * Every real datapoint breaches and the oldest is at least `m` periods old ("the oldest evaluated data
 * point is breaching and there aren't any non-breaching data points").
 */
function isPrematureAlarm(range: PeriodDatapoint[], reals: Real[], m: number): boolean {
  const oldest = reals[0];
  if (!oldest || !reals.every((r) => r.breaching)) return false;
  const age = range.length - range.findIndex((p) => p.startMs === oldest.startMs);
  return age >= m;
}

class ReasonContext {
  constructor(
    private readonly config: MetricAlarmConfig,
    private readonly nowMs: number,
  ) {}

  /**
   * ALARM when at least `m` of the evaluated datapoints breach (`force` for the premature-alarm rule),
   * else OK. `filled` missing datapoints count as breaching when `filledBreach`.
   */
  decide(evaluated: Real[], filled: number, m: number, filledBreach = false, force = false): Verdict {
    const c = this.config;
    const total = evaluated.length + filled;
    const breaching = evaluated.filter((r) => r.breaching);
    const good = evaluated.filter((r) => !r.breaching);
    const alarm = force || breaching.length + (filledBreach ? filled : 0) >= m;
    const shown = alarm ? breaching : good;
    const count = shown.length + (alarm === filledBreach ? filled : 0);
    const list = [...shown]
      .reverse()
      .map((r) => `${javaDouble(r.value)} (${reasonDate(r.startMs)})`)
      .join(', ');
    const minimum = alarm ? m : c.evaluationPeriods - m + 1;
    const filledNote =
      filled > 0
        ? ` ${plural(filled, 'missing datapoint')} ${filled === 1 ? 'was' : 'were'} treated as ` +
          `[${filledBreach ? 'Breaching' : 'NonBreaching'}].`
        : '';
    const reason =
      `Threshold Crossed: ${count} out of the last ${total} datapoints [${list}] ` +
      `${count === 1 ? 'was' : 'were'} ${alarm ? '' : 'not '}${PHRASES[c.comparisonOperator]} the threshold ` +
      `(${javaDouble(c.threshold)}) (minimum ${plural(minimum, 'datapoint')} for ` +
      `${alarm ? 'OK -> ALARM' : 'ALARM -> OK'} transition).${filledNote}`;
    return { state: alarm ? 'ALARM' : 'OK', reason, reasonData: this.reasonData(evaluated, evaluated) };
  }

  /** `StateReasonData` as AWS writes it; `evaluated` lists the datapoints behind the decision, newest first. */
  reasonData(reals: Real[] | PeriodDatapoint[], evaluated: PeriodDatapoint[]): Record<string, unknown> {
    const c = this.config;
    const oldest = reals[0];
    return {
      version: '1.0',
      queryDate: reasonDataDate(this.nowMs),
      ...(oldest && { startDate: reasonDataDate(oldest.startMs) }),
      ...(c.unit !== undefined && { unit: c.unit }),
      statistic: c.statistic ?? c.extendedStatistic,
      period: c.periodSeconds,
      recentDatapoints: reals.map((r) => r.value),
      threshold: c.threshold,
      evaluatedDatapoints: [...evaluated].reverse().map((p) => ({
        timestamp: reasonDataDate(p.startMs),
        ...(p.sampleCount !== undefined && { sampleCount: p.sampleCount }),
        ...(p.value !== undefined && { value: p.value }),
      })),
    };
  }
}
