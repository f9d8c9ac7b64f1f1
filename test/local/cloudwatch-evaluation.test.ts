import type { MetricAlarmConfig, TreatMissingData } from '../../local/cloudwatch/alarm-model';
import { evaluateMetricAlarm, PeriodDatapoint } from '../../local/cloudwatch/evaluation';
import { javaDouble, reasonDate } from '../../local/cloudwatch/format';
import { emptyAggregate, merge, statisticValue } from '../../local/cloudwatch/statistics';

const PERIOD_MS = 300_000;
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

function config(m: number, n: number, treatMissingData?: TreatMissingData): MetricAlarmConfig {
  return {
    metric: { namespace: 'App', metricName: 'Errors', dimensions: {} },
    statistic: 'Sum',
    periodSeconds: PERIOD_MS / 1000,
    evaluationPeriods: n,
    datapointsToAlarm: m,
    threshold: 1,
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    ...(treatMissingData && { treatMissingData }),
  };
}

/** `0 - X` → oldest first: 0 is a good datapoint, X a breaching one, - a missing one. */
function range(pattern: string): PeriodDatapoint[] {
  return pattern.split(' ').map((c, i) => {
    const startMs = T0 + i * PERIOD_MS;
    if (c === '-') return { startMs };
    return { startMs, value: c === 'X' ? 5 : 0, sampleCount: 1 };
  });
}

const NOW = T0 + 5 * PERIOD_MS + 30_000;
const stateFor = (m: number, n: number, pattern: string, t: TreatMissingData): string =>
  evaluateMetricAlarm(config(m, n, t), range(pattern), NOW)?.state ?? 'RETAIN';

describe('metric alarm evaluation', () => {
  // Both tables of "How alarm state is evaluated when data is missing" (AlarmThatSendsEmail.html), row by row.
  describe.each([
    [3, 3, '0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    [3, 3, '0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    [3, 3, '- - - - -', ['INSUFFICIENT_DATA', 'RETAIN', 'ALARM', 'OK']],
    [3, 3, '0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    [3, 3, '- - - - X', ['INSUFFICIENT_DATA', 'RETAIN', 'ALARM', 'OK']],
    [3, 3, 'X - - - -', ['ALARM', 'RETAIN', 'ALARM', 'OK']],
    [2, 3, '0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    [2, 3, '0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    [2, 3, '0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    [2, 3, '- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    [2, 3, '- - - - X', ['INSUFFICIENT_DATA', 'RETAIN', 'ALARM', 'OK']],
  ] as const)('%i out of %i with datapoints %s', (m, n, pattern, expected) => {
    it.each([
      ['missing', expected[0]],
      ['ignore', expected[1]],
      ['breaching', expected[2]],
      ['notBreaching', expected[3]],
    ] as const)('treats missing data as %s → %s', (treatment, state) => {
      expect(stateFor(m, n, pattern, treatment)).toBe(state);
    });
  });

  it('defaults TreatMissingData to missing and DatapointsToAlarm to EvaluationPeriods', () => {
    const { datapointsToAlarm: _m, ...noM } = config(1, 2);
    expect(evaluateMetricAlarm(noM, range('- - - 0 X'), NOW)?.state).toBe('OK');
    expect(evaluateMetricAlarm(noM, range('- - - X X'), NOW)?.state).toBe('ALARM');
    expect(evaluateMetricAlarm(noM, range('- - - - -'), NOW)?.state).toBe('INSUFFICIENT_DATA');
  });

  it('uses only the most recent N real datapoints when there are enough', () => {
    expect(stateFor(1, 1, 'X X X X 0', 'breaching')).toBe('OK');
    expect(stateFor(1, 1, 'X X X 0 -', 'breaching')).toBe('OK');
    // A sparse failure metric keeps the alarm in ALARM while the breaching point is in the range.
    expect(stateFor(1, 1, '- - X - -', 'notBreaching')).toBe('ALARM');
    expect(stateFor(1, 1, '- - - - -', 'notBreaching')).toBe('OK');
  });

  it.each([
    ['GreaterThanOrEqualToThreshold', 1, true],
    ['GreaterThanThreshold', 1, false],
    ['LessThanThreshold', 0.5, true],
    ['LessThanOrEqualToThreshold', 1, true],
    ['LessThanThreshold', 1, false],
  ] as const)('compares with %s (value %d against threshold 1)', (op, value, alarm) => {
    const c = { ...config(1, 1), comparisonOperator: op };
    const v = evaluateMetricAlarm(c, [{ startMs: T0, value, sampleCount: 1 }], NOW);
    expect(v?.state).toBe(alarm ? 'ALARM' : 'OK');
  });

  it('writes the reason and reason data as CloudWatch does', () => {
    const c = config(1, 1);
    const verdict = evaluateMetricAlarm(
      c,
      [{ startMs: T0, value: 2, sampleCount: 2 }],
      T0 + PERIOD_MS + 1234,
    );
    expect(verdict?.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [2.0 (22/11/26 10:00:00)] was greater than or equal to ' +
        'the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    expect(verdict?.reasonData).toEqual({
      version: '1.0',
      queryDate: '2026-11-22T10:05:01.234+0000',
      startDate: '2026-11-22T10:00:00.000+0000',
      statistic: 'Sum',
      period: 300,
      recentDatapoints: [2],
      threshold: 1,
      evaluatedDatapoints: [{ timestamp: '2026-11-22T10:00:00.000+0000', sampleCount: 2, value: 2 }],
    });
  });

  it('names the good datapoints and the ALARM -> OK minimum when it goes to OK', () => {
    const verdict = evaluateMetricAlarm(config(2, 3), range('- - 0 X 0'), NOW);
    expect(verdict?.state).toBe('OK');
    expect(verdict?.reason).toBe(
      'Threshold Crossed: 2 out of the last 3 datapoints [0.0 (22/11/26 10:20:00), 0.0 (22/11/26 10:10:00)] were not ' +
        'greater than or equal to the threshold (1.0) (minimum 2 datapoints for ALARM -> OK transition).',
    );
  });

  it('says how missing datapoints were treated when none arrived', () => {
    expect(evaluateMetricAlarm(config(2, 2, 'breaching'), range('- - - - -'), NOW)?.reason).toBe(
      'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].',
    );
    expect(evaluateMetricAlarm(config(1, 1, 'notBreaching'), range('- - -'), NOW)?.reason).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    );
  });
});

describe('statistics', () => {
  const agg = emptyAggregate();
  for (const v of [1, 2, 3, 4, 10]) merge(agg, { sampleCount: 1, sum: v, min: v, max: v, values: [[v, 1]] });

  it.each([
    ['Sum', 20],
    ['Average', 4],
    ['Minimum', 1],
    ['Maximum', 10],
    ['SampleCount', 5],
    ['p50', 3],
    ['p90', 10],
    ['p100', 10],
  ])('computes %s', (stat, value) => {
    expect(statisticValue(agg, stat)).toBe(value);
  });

  it('has no percentile once a statistic set without raw values is merged in', () => {
    const withSet = emptyAggregate();
    merge(withSet, agg);
    merge(withSet, { sampleCount: 3, sum: 9, min: 1, max: 5, values: undefined });
    expect(statisticValue(withSet, 'p50')).toBeUndefined();
    expect(statisticValue(withSet, 'Sum')).toBe(29);
    expect(statisticValue(withSet, 'SampleCount')).toBe(8);
  });
});

describe('reason formats', () => {
  it.each([
    [2, '2.0'],
    [21.5, '21.5'],
    [0.19726775956284198, '0.19726775956284198'],
    [45628, '45628.0'],
    [1e7, '1.0E7'],
  ])('prints %d as Java does', (v, text) => {
    expect(javaDouble(v)).toBe(text);
  });

  it('prints dates as dd/MM/yy HH:mm:ss in UTC', () => {
    expect(reasonDate(Date.UTC(2019, 9, 2, 17, 10, 0))).toBe('02/10/19 17:10:00');
  });
});
