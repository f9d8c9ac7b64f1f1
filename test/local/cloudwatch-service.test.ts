import { AwsServiceError } from '../../local/wire/aws-error';
import { CloudWatchService } from '../../local/cloudwatch';
import { AlarmRegistry } from '../../local/cloudwatch/alarm-registry';
import { ManualClock } from './cloudwatch-manual-clock';

/* eslint-disable @typescript-eslint/no-explicit-any -- responses are JSON documents read field by field */

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const MINUTE = 60_000;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const SM_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:orders`;

let clock: ManualClock;
let cw: CloudWatchService;

beforeEach(() => {
  clock = new ManualClock(T0 + 30_000);
  cw = new CloudWatchService({ clock, region: REGION, accountId: ACCOUNT });
});
afterEach(() => cw.close());

const call = (op: string, input: Record<string, unknown> = {}): Promise<any> =>
  cw.handle(op, input) as Promise<any>;

async function expectError(
  op: string,
  input: Record<string, unknown>,
  code: string,
  message?: RegExp | string,
  status = 400,
) {
  const error = await call(op, input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsServiceError);
  const e = error as AwsServiceError;
  expect({ code: e.code, status: e.statusCode }).toEqual({ code, status });
  if (message !== undefined) expect(e.message).toMatch(message);
  return e;
}

function failuresAlarm(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AlarmName: name,
    Namespace: 'AWS/States',
    MetricName: 'ExecutionsFailed',
    Dimensions: [
      { Name: 'StateMachineArn', Value: SM_ARN },
      { Name: 'Alias', Value: 'live' },
    ],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    ...extra,
  };
}

function fail(
  atMs: number,
  value = 1,
  dimensions: Record<string, string> = { StateMachineArn: SM_ARN, Alias: 'live' },
) {
  cw.putMetric({
    namespace: 'AWS/States',
    metricName: 'ExecutionsFailed',
    dimensions,
    value,
    timestampMs: atMs,
  });
}

const stateOf = async (name: string): Promise<string> =>
  (
    await call('DescribeAlarms', { AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })
  ).MetricAlarms.concat(
    (await call('DescribeAlarms', { AlarmNames: [name], AlarmTypes: ['CompositeAlarm'] })).CompositeAlarms,
  )[0]?.StateValue;

const history = async (input: Record<string, unknown> = {}): Promise<any[]> =>
  (await call('DescribeAlarmHistory', { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], ...input }))
    .AlarmHistoryItems;

describe('CloudWatch service: metric alarms', () => {
  it('creates an alarm in INSUFFICIENT_DATA and describes it as AWS does', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures', { TreatMissingData: undefined }));
    const { MetricAlarms, CompositeAlarms } = await call('DescribeAlarms');
    expect(CompositeAlarms).toEqual([]);
    expect(MetricAlarms).toEqual([
      {
        ActionsEnabled: true,
        AlarmActions: [],
        AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-failures`,
        AlarmConfigurationUpdatedTimestamp: (T0 + 30_000) / 1000,
        AlarmName: 'orders-failures',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Dimensions: [
          { Name: 'StateMachineArn', Value: SM_ARN },
          { Name: 'Alias', Value: 'live' },
        ],
        EvaluationPeriods: 1,
        InsufficientDataActions: [],
        MetricName: 'ExecutionsFailed',
        Namespace: 'AWS/States',
        OKActions: [],
        Period: 60,
        StateReason: 'Unchecked: Initial alarm creation',
        StateTransitionedTimestamp: (T0 + 30_000) / 1000,
        StateUpdatedTimestamp: (T0 + 30_000) / 1000,
        StateValue: 'INSUFFICIENT_DATA',
        Statistic: 'Sum',
        Threshold: 1,
      },
    ]);
  });

  it('goes to ALARM at the end of the period in which a failure was emitted, not before', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    fail(T0 + 40_000);
    cw.evaluateNow(); // 10:00:30 — the period 10:00–10:01 is not complete yet
    expect(await stateOf('orders-failures')).toBe('OK');
    await clock.advanceTo(T0 + MINUTE);
    const [alarm] = (await call('DescribeAlarms')).MetricAlarms;
    expect(alarm.StateValue).toBe('ALARM');
    expect(alarm.StateReason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [1.0 (22/11/26 10:00:00)] was greater than or equal to ' +
        'the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    expect(JSON.parse(alarm.StateReasonData)).toMatchObject({
      statistic: 'Sum',
      period: 60,
      recentDatapoints: [1],
    });
    expect(alarm.StateTransitionedTimestamp).toBe((T0 + MINUTE) / 1000);
  });

  it('matches metrics on the exact dimension set', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    fail(T0 + 40_000, 1, { StateMachineArn: SM_ARN }); // the unqualified metric, without Alias
    fail(T0 + 40_000, 1, { StateMachineArn: SM_ARN, Alias: 'live', Version: '3' });
    fail(T0 + 40_000, 1, { StateMachineArn: SM_ARN, Alias: 'other' });
    await clock.advanceTo(T0 + MINUTE);
    expect(await stateOf('orders-failures')).toBe('OK');
  });

  it('aggregates the period with the alarm statistic', async () => {
    await call(
      'PutMetricAlarm',
      failuresAlarm('avg', {
        Statistic: 'Average',
        Threshold: 3,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await call(
      'PutMetricAlarm',
      failuresAlarm('max', {
        Statistic: 'Maximum',
        Threshold: 4,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
    await call(
      'PutMetricAlarm',
      failuresAlarm('count', {
        Statistic: 'SampleCount',
        Threshold: 3,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await call(
      'PutMetricAlarm',
      failuresAlarm('p50', {
        Statistic: undefined,
        ExtendedStatistic: 'p50',
        Threshold: 2,
        ComparisonOperator: 'LessThanOrEqualToThreshold',
      }),
    );
    for (const v of [1, 2, 4]) fail(T0 + 35_000, v);
    await clock.advanceTo(T0 + MINUTE);
    expect(await stateOf('avg')).toBe('OK'); // 7/3 is not > 3
    expect(await stateOf('max')).toBe('ALARM'); // 4 >= 4
    expect(await stateOf('count')).toBe('OK'); // 3 is not > 3
    expect(await stateOf('p50')).toBe('ALARM'); // median 2 <= 2
  });

  it('needs M breaching datapoints out of N', async () => {
    await call(
      'PutMetricAlarm',
      failuresAlarm('two-of-three', {
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        TreatMissingData: 'missing',
      }),
    );
    fail(T0 + 35_000, 1);
    await clock.advanceTo(T0 + MINUTE);
    expect(await stateOf('two-of-three')).toBe('INSUFFICIENT_DATA');
    fail(T0 + 70_000, 0);
    await clock.advanceTo(T0 + 2 * MINUTE);
    expect(await stateOf('two-of-three')).toBe('OK');
    fail(T0 + 130_000, 3);
    await clock.advanceTo(T0 + 3 * MINUTE);
    expect(await stateOf('two-of-three')).toBe('ALARM');
  });

  it('keeps a sparse failure in ALARM while it is in the evaluation range (N + 2 periods)', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    fail(T0 + 40_000);
    await clock.advanceTo(T0 + 3 * MINUTE);
    expect(await stateOf('orders-failures')).toBe('ALARM');
    await clock.advanceTo(T0 + 4 * MINUTE);
    expect(await stateOf('orders-failures')).toBe('OK');
    expect(
      (await history({ HistoryItemType: 'StateUpdate', ScanBy: 'TimestampAscending' })).map(
        (h) => h.HistorySummary,
      ),
    ).toEqual(['Alarm updated from INSUFFICIENT_DATA to ALARM', 'Alarm updated from ALARM to OK']);
  });

  it('keeps a flap ALARM → OK between two reads visible in the history', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    const deploymentStart = clock.now();
    fail(T0 + 40_000, 1);
    fail(T0 + 70_000, 0);
    await clock.advanceTo(T0 + 2 * MINUTE + 5_000);
    expect(await stateOf('orders-failures')).toBe('OK');
    const items = await history({
      AlarmName: 'orders-failures',
      HistoryItemType: 'StateUpdate',
      StartDate: deploymentStart / 1000,
    });
    const toAlarm = items.filter((i) => JSON.parse(i.HistoryData).newState.stateValue === 'ALARM');
    expect(toAlarm).toHaveLength(1);
    expect(toAlarm[0].Timestamp).toBe((T0 + MINUTE) / 1000);
    expect(items.map((i) => i.HistorySummary)).toEqual([
      'Alarm updated from ALARM to OK',
      'Alarm updated from INSUFFICIENT_DATA to ALARM',
    ]);
  });

  it('keeps the state and history when an alarm is updated, and records the update', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    await call('SetAlarmState', {
      AlarmName: 'orders-failures',
      StateValue: 'ALARM',
      StateReason: 'testing',
    });
    await clock.advance(10_000);
    await call('PutMetricAlarm', failuresAlarm('orders-failures', { Threshold: 5, AlarmDescription: 'v2' }));
    const [alarm] = (await call('DescribeAlarms')).MetricAlarms;
    expect(alarm).toMatchObject({
      StateValue: 'ALARM',
      StateReason: 'testing',
      Threshold: 5,
      AlarmDescription: 'v2',
    });
    expect(alarm.AlarmConfigurationUpdatedTimestamp).toBe(clock.now() / 1000);
    const configs = await history({ HistoryItemType: 'ConfigurationUpdate' });
    expect(configs.map((i) => i.HistorySummary)).toEqual([
      'Alarm "orders-failures" updated',
      'Alarm "orders-failures" created',
    ]);
    const update = JSON.parse(configs[0].HistoryData);
    expect(update).toMatchObject({
      type: 'Update',
      version: '1.0',
      originalAlarm: { threshold: 1 },
      updatedAlarm: { threshold: 5 },
    });
  });

  it('stops evaluating a deleted alarm and moves its timer when the period changes', async () => {
    await call('PutMetricAlarm', failuresAlarm('a'));
    await call('PutMetricAlarm', failuresAlarm('b'));
    expect(clock.activeTimers()).toBe(2);
    await call('PutMetricAlarm', failuresAlarm('b', { Period: 300 }));
    expect(clock.activeTimers()).toBe(2);
    await call('DeleteAlarms', { AlarmNames: ['a', 'b', 'never-existed'] });
    expect(clock.activeTimers()).toBe(0);
    expect((await call('DescribeAlarms')).MetricAlarms).toEqual([]);
  });
});

describe('CloudWatch service: evaluation only when something can change', () => {
  const evaluations = () => jest.spyOn(AlarmRegistry.prototype, 'evaluate');
  afterEach(() => jest.restoreAllMocks());

  it('stops evaluating an alarm whose metric has no data in its range or after it', async () => {
    const evaluate = evaluations();
    await call('PutMetricAlarm', failuresAlarm('orders-failures', { TreatMissingData: 'missing' }));
    await clock.advanceTo(T0 + 24 * 60 * MINUTE);
    // One evaluation found the range empty (INSUFFICIENT_DATA, as it stays); a period each would be 1,440.
    expect(evaluate).toHaveBeenCalledTimes(1);
    expect(clock.activeTimers()).toBe(0);
    expect(await stateOf('orders-failures')).toBe('INSUFFICIENT_DATA');
  });

  it('keeps evaluating while a datapoint is in the range, so the alarm returns to OK as the range empties', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    fail(T0 + 40_000);
    await clock.advanceTo(T0 + 3 * MINUTE);
    expect(await stateOf('orders-failures')).toBe('ALARM');
    await clock.advanceTo(T0 + 60 * MINUTE);
    expect(await stateOf('orders-failures')).toBe('OK');
    expect(clock.activeTimers()).toBe(0);
  });

  it('wakes a dormant alarm with a datapoint for its metric, evaluated from the next boundary', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    await clock.advanceTo(T0 + 10 * MINUTE);
    expect(clock.activeTimers()).toBe(0);
    fail(T0 + 10 * MINUTE + 5_000, 1, { StateMachineArn: `${SM_ARN}-other`, Alias: 'live' });
    expect(clock.activeTimers()).toBe(0);
    fail(T0 + 10 * MINUTE + 5_000);
    expect(clock.activeTimers()).toBe(1);
    await clock.advanceTo(T0 + 11 * MINUTE);
    expect(await stateOf('orders-failures')).toBe('ALARM');
    const [toAlarm] = await history({ HistoryItemType: 'StateUpdate' });
    expect(toAlarm.Timestamp).toBe((T0 + 11 * MINUTE) / 1000);
  });

  it('wakes a dormant alarm whose state is set by hand, so the next evaluation resets it', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    await clock.advanceTo(T0 + 10 * MINUTE);
    expect(await stateOf('orders-failures')).toBe('OK');
    await call('SetAlarmState', { AlarmName: 'orders-failures', StateValue: 'ALARM', StateReason: 'drill' });
    await clock.advanceTo(T0 + 11 * MINUTE);
    expect(await stateOf('orders-failures')).toBe('OK');
  });

  it('wakes a dormant alarm whose configuration changes', async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    await clock.advanceTo(T0 + 10 * MINUTE);
    expect(await stateOf('orders-failures')).toBe('OK');
    await call('PutMetricAlarm', failuresAlarm('orders-failures', { TreatMissingData: 'breaching' }));
    await clock.advanceTo(T0 + 11 * MINUTE);
    expect(await stateOf('orders-failures')).toBe('ALARM');
  });
});

describe('CloudWatch service: SetAlarmState', () => {
  beforeEach(() => call('PutMetricAlarm', failuresAlarm('orders-failures')));

  it('records the change in history like a real transition, then evaluation takes over again', async () => {
    await call('SetAlarmState', {
      AlarmName: 'orders-failures',
      StateValue: 'ALARM',
      StateReason: 'testing purposes',
      StateReasonData: '{"source":"test"}',
    });
    const [item] = await history({ AlarmName: 'orders-failures', HistoryItemType: 'StateUpdate' });
    expect(item).toEqual({
      AlarmName: 'orders-failures',
      AlarmType: 'MetricAlarm',
      Timestamp: clock.now() / 1000,
      HistoryItemType: 'StateUpdate',
      HistorySummary: 'Alarm updated from INSUFFICIENT_DATA to ALARM',
      HistoryData: expect.any(String),
    });
    expect(JSON.parse(item.HistoryData)).toEqual({
      version: '1.0',
      oldState: { stateValue: 'INSUFFICIENT_DATA', stateReason: 'Unchecked: Initial alarm creation' },
      newState: { stateValue: 'ALARM', stateReason: 'testing purposes', stateReasonData: { source: 'test' } },
    });
    expect((await call('DescribeAlarms')).MetricAlarms[0].StateReasonData).toBe('{"source":"test"}');
    await clock.advanceTo(T0 + MINUTE);
    expect(await stateOf('orders-failures')).toBe('OK');
  });

  it('fails with ResourceNotFound (404) for an unknown alarm', async () => {
    await expectError(
      'SetAlarmState',
      { AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' },
      'ResourceNotFound',
      /^$/,
      404,
    );
  });

  it('fails with the ValidationError AWS sends for a bad state', async () => {
    await expectError(
      'SetAlarmState',
      { AlarmName: 'orders-failures', StateValue: 'INVALID', StateReason: 'x' },
      'ValidationError',
      "1 validation error detected: Value 'INVALID' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]",
    );
  });

  it('fails with InvalidFormat when StateReasonData is not JSON, changing nothing', async () => {
    await expectError(
      'SetAlarmState',
      { AlarmName: 'orders-failures', StateValue: 'ALARM', StateReason: 'x', StateReasonData: '{' },
      'InvalidFormat',
    );
    expect(await stateOf('orders-failures')).toBe('INSUFFICIENT_DATA');
  });
});

describe('CloudWatch service: composite alarms', () => {
  beforeEach(async () => {
    await call('PutMetricAlarm', failuresAlarm('orders-failures'));
    await call(
      'PutMetricAlarm',
      failuresAlarm('orders latency', { MetricName: 'ExecutionTime', Threshold: 60_000 }),
    );
  });

  it('evaluates the rule at creation: OK, never INSUFFICIENT_DATA after that', async () => {
    await call('PutCompositeAlarm', {
      AlarmName: 'orders-health',
      AlarmRule: 'ALARM(orders-failures) OR ALARM("orders latency")',
    });
    const { CompositeAlarms } = await call('DescribeAlarms', { AlarmTypes: ['CompositeAlarm'] });
    expect(CompositeAlarms).toEqual([
      expect.objectContaining({
        AlarmName: 'orders-health',
        AlarmRule: 'ALARM(orders-failures) OR ALARM("orders latency")',
        StateValue: 'OK',
        StateReason: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-health was created and its alarm rule evaluates to OK`,
      }),
    ]);
    const items = await history({ AlarmName: 'orders-health', ScanBy: 'TimestampAscending' });
    expect(items.map((i) => [i.AlarmType, i.HistorySummary])).toEqual([
      ['CompositeAlarm', 'Alarm "orders-health" created'],
      ['CompositeAlarm', 'Alarm updated from INSUFFICIENT_DATA to OK'],
    ]);
  });

  it('goes to ALARM when a child does, with the child in its reason, and back to OK', async () => {
    await call('PutCompositeAlarm', {
      AlarmName: 'orders-health',
      AlarmRule: 'ALARM(orders-failures) OR ALARM("orders latency")',
    });
    fail(T0 + 40_000);
    await clock.advanceTo(T0 + MINUTE);
    const [composite] = (await call('DescribeAlarms', { AlarmTypes: ['CompositeAlarm'] })).CompositeAlarms;
    expect(composite.StateValue).toBe('ALARM');
    expect(composite.StateReason).toBe(
      `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-failures transitioned to ALARM at Sunday 22 November, 2026 10:01:00 UTC`,
    );
    expect(JSON.parse(composite.StateReasonData)).toEqual({
      triggeringAlarms: [
        {
          arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-failures`,
          state: { value: 'ALARM', timestamp: '2026-11-22T10:01:00.000+0000' },
        },
      ],
    });
    await call('SetAlarmState', { AlarmName: 'orders-failures', StateValue: 'OK', StateReason: 'manual' });
    expect(await stateOf('orders-health')).toBe('OK');
    const summaries = (await history({ AlarmName: 'orders-health', HistoryItemType: 'StateUpdate' })).map(
      (i) => i.HistorySummary,
    );
    expect(summaries).toEqual([
      'Alarm updated from ALARM to OK',
      'Alarm updated from OK to ALARM',
      'Alarm updated from INSUFFICIENT_DATA to OK',
    ]);
  });

  it('propagates through nested composites, accepts ARNs, and stops at a cycle', async () => {
    await call('PutCompositeAlarm', {
      AlarmName: 'inner',
      AlarmRule: `ALARM(arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:orders-failures)`,
    });
    await call('PutCompositeAlarm', {
      AlarmName: 'outer',
      AlarmRule: 'ALARM(inner) AND NOT OK("orders-failures")',
    });
    await call('PutCompositeAlarm', {
      AlarmName: 'inner',
      AlarmRule: 'ALARM(orders-failures) OR ALARM(outer)',
    }); // a cycle
    await call('SetAlarmState', { AlarmName: 'orders-failures', StateValue: 'ALARM', StateReason: 'x' });
    expect(await stateOf('inner')).toBe('ALARM');
    expect(await stateOf('outer')).toBe('ALARM');
  });

  it.each([
    ['ALARM(orders-failures) AND', /The AlarmRule is not valid: unexpected end of rule/],
    [
      'ALARM(orders-failures) OR ALARM(ghost) OR OK("phantom")',
      'Could not save the composite alarm as alarms [ghost, phantom] in the alarm rule do not exist',
    ],
    [`ALARM(arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:orders-failures)`, /do not exist/],
  ])('fails with ValidationError for the rule %s, creating nothing', async (rule, message) => {
    await expectError('PutCompositeAlarm', { AlarmName: 'bad', AlarmRule: rule }, 'ValidationError', message);
    expect((await call('DescribeAlarms', { AlarmTypes: ['CompositeAlarm'] })).CompositeAlarms).toEqual([]);
  });

  it('refuses to delete an alarm a composite references, unless the composite goes too', async () => {
    await call('PutCompositeAlarm', { AlarmName: 'orders-health', AlarmRule: 'ALARM(orders-failures)' });
    await expectError(
      'DeleteAlarms',
      { AlarmNames: ['orders-failures'] },
      'ValidationError',
      /referenced by composite alarm\(s\) \[orders-health\]/,
    );
    await call('DeleteAlarms', { AlarmNames: ['orders-failures', 'orders-health'] });
    expect(
      (await call('DescribeAlarms', { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })).MetricAlarms.map(
        (a: any) => a.AlarmName,
      ),
    ).toEqual(['orders latency']);
  });

  it('deletes at most one composite alarm per call', async () => {
    await call('PutCompositeAlarm', { AlarmName: 'c1', AlarmRule: 'TRUE' });
    await call('PutCompositeAlarm', { AlarmName: 'c2', AlarmRule: 'FALSE' });
    await expectError(
      'DeleteAlarms',
      { AlarmNames: ['c1', 'c2'] },
      'ValidationError',
      /at most one composite alarm/,
    );
  });
});

describe('CloudWatch service: DescribeAlarms', () => {
  beforeEach(async () => {
    for (const name of ['a-1', 'a-2', 'b-1']) await call('PutMetricAlarm', failuresAlarm(name));
    await call('PutCompositeAlarm', { AlarmName: 'a-composite', AlarmRule: 'ALARM(a-1) OR ALARM(a-2)' });
    await call('SetAlarmState', { AlarmName: 'a-2', StateValue: 'ALARM', StateReason: 'x' });
  });

  const names = (r: any): string[] => [...r.MetricAlarms, ...r.CompositeAlarms].map((a: any) => a.AlarmName);

  it('returns only metric alarms without AlarmTypes, even for a composite named explicitly', async () => {
    expect(names(await call('DescribeAlarms'))).toEqual(['a-1', 'a-2', 'b-1']);
    expect(names(await call('DescribeAlarms', { AlarmNames: ['a-composite', 'a-1'] }))).toEqual(['a-1']);
    expect(
      names(
        await call('DescribeAlarms', {
          AlarmNames: ['a-composite', 'a-1'],
          AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
        }),
      ),
    ).toEqual(['a-1', 'a-composite']);
  });

  it('omits unknown names silently', async () => {
    expect(names(await call('DescribeAlarms', { AlarmNames: ['ghost', 'b-1'] }))).toEqual(['b-1']);
  });

  it('filters by prefix and state', async () => {
    expect(
      names(
        await call('DescribeAlarms', {
          AlarmNamePrefix: 'a-',
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        }),
      ),
    ).toEqual(['a-1', 'a-2', 'a-composite']);
    expect(
      names(
        await call('DescribeAlarms', { StateValue: 'ALARM', AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
      ),
    ).toEqual(['a-2', 'a-composite']);
  });

  it('pages with MaxRecords and NextToken', async () => {
    const input = { AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 3 };
    const first = await call('DescribeAlarms', input);
    expect(names(first)).toEqual(['a-1', 'a-2', 'b-1']);
    const second = await call('DescribeAlarms', { ...input, NextToken: first.NextToken });
    expect(names(second)).toEqual(['a-composite']);
    expect(second.NextToken).toBeUndefined();
    await expectError('DescribeAlarms', { NextToken: 'garbage' }, 'InvalidNextToken');
  });

  it('answers ChildrenOfAlarmName and ParentsOfAlarmName with the short views AWS documents', async () => {
    const children = await call('DescribeAlarms', { ChildrenOfAlarmName: 'a-composite' });
    expect(children.MetricAlarms).toEqual([
      {
        AlarmName: 'a-1',
        AlarmArn: expect.stringMatching(/:alarm:a-1$/),
        StateValue: 'INSUFFICIENT_DATA',
        StateUpdatedTimestamp: expect.any(Number),
      },
      {
        AlarmName: 'a-2',
        AlarmArn: expect.stringMatching(/:alarm:a-2$/),
        StateValue: 'ALARM',
        StateUpdatedTimestamp: expect.any(Number),
      },
    ]);
    const parents = await call('DescribeAlarms', { ParentsOfAlarmName: 'a-1' });
    expect(parents.CompositeAlarms).toEqual([
      { AlarmName: 'a-composite', AlarmArn: expect.stringMatching(/:alarm:a-composite$/) },
    ]);
  });

  it.each([
    [
      { AlarmNames: ['a-1'], AlarmNamePrefix: 'a' },
      /AlarmNamePrefix cannot be specified together with AlarmNames/,
    ],
    [{ ChildrenOfAlarmName: 'a-composite', StateValue: 'OK' }, /only MaxRecords and NextToken/],
    [{ MaxRecords: 101 }, /Member must have value less than or equal to 100/],
    [
      { AlarmTypes: ['Metric'] },
      /Member must satisfy enum value set: \[CompositeAlarm, MetricAlarm, LogAlarm\]/,
    ],
    [
      { AlarmNames: Array.from({ length: 101 }, (_, i) => `n${i}`) },
      /Member must have length less than or equal to 100/,
    ],
  ])('fails with ValidationError for %j', async (input, message) => {
    await expectError('DescribeAlarms', input, 'ValidationError', message);
  });
});

describe('CloudWatch service: DescribeAlarmHistory', () => {
  beforeEach(async () => {
    // `ignore` without data keeps whatever state SetAlarmState set, so each step is a transition.
    await call('PutMetricAlarm', failuresAlarm('orders-failures', { TreatMissingData: 'ignore' }));
    for (const [i, state] of (['ALARM', 'OK', 'ALARM', 'OK'] as const).entries()) {
      await clock.advanceTo(T0 + (i + 1) * 10 * MINUTE + 1_000);
      await call('SetAlarmState', {
        AlarmName: 'orders-failures',
        StateValue: state,
        StateReason: `step ${i}`,
      });
    }
  });

  const reasons = (items: any[]): string[] =>
    items.map((i) => JSON.parse(i.HistoryData).newState?.stateReason ?? i.HistorySummary);

  it('returns the newest first by default and the oldest first with TimestampAscending', async () => {
    const desc = await history({ AlarmName: 'orders-failures', HistoryItemType: 'StateUpdate' });
    const asc = await history({
      AlarmName: 'orders-failures',
      HistoryItemType: 'StateUpdate',
      ScanBy: 'TimestampAscending',
    });
    expect(asc).toEqual([...desc].reverse());
    expect(reasons(asc).filter((r) => r.startsWith('step'))).toEqual([
      'step 0',
      'step 1',
      'step 2',
      'step 3',
    ]);
  });

  it('keeps to the StartDate / EndDate window', async () => {
    const items = await history({
      HistoryItemType: 'StateUpdate',
      StartDate: (T0 + 20 * MINUTE) / 1000,
      EndDate: (T0 + 30 * MINUTE + 1_000) / 1000,
      ScanBy: 'TimestampAscending',
    });
    expect(reasons(items)).toEqual(['step 1', 'step 2']);
  });

  it('pages without repeating items recorded between pages', async () => {
    const first = await call('DescribeAlarmHistory', { MaxRecords: 2 });
    await call('SetAlarmState', { AlarmName: 'orders-failures', StateValue: 'ALARM', StateReason: 'late' });
    const second = await call('DescribeAlarmHistory', { MaxRecords: 100, NextToken: first.NextToken });
    const all = await history();
    expect([...first.AlarmHistoryItems, ...second.AlarmHistoryItems]).toEqual(all.slice(1));
  });

  it('omits composite alarm history without AlarmTypes, and keeps history after DeleteAlarms', async () => {
    await call('PutCompositeAlarm', { AlarmName: 'c', AlarmRule: 'TRUE' });
    expect((await call('DescribeAlarmHistory', { AlarmName: 'c' })).AlarmHistoryItems).toEqual([]);
    await call('DeleteAlarms', { AlarmNames: ['c', 'orders-failures'] });
    expect((await history({ AlarmName: 'c' })).map((i) => i.HistorySummary)).toEqual([
      'Alarm "c" deleted',
      'Alarm updated from INSUFFICIENT_DATA to ALARM',
      'Alarm "c" created',
    ]);
    expect(
      (await history({ AlarmName: 'orders-failures', HistoryItemType: 'StateUpdate' })).length,
    ).toBeGreaterThanOrEqual(4);
  });
});

describe('CloudWatch service: validation', () => {
  it.each([
    [{ Period: 45 }, 'ValidationError', /Period must be 10, 20, 30 or a multiple of 60/],
    [
      { EvaluationPeriods: 2, DatapointsToAlarm: 3 },
      'ValidationError',
      /DatapointsToAlarm \(3\) must be less than or equal to EvaluationPeriods \(2\)/,
    ],
    [{ Period: 60, EvaluationPeriods: 1441 }, 'ValidationError', /must not exceed 86400 seconds/],
    [
      { TreatMissingData: 'sometimes' },
      'ValidationError',
      'Option sometimes is not supported. Supported options for parameter TreatMissingData are missing, ignore, breaching and notBreaching.',
    ],
    [
      { ComparisonOperator: 'Bigger' },
      'ValidationError',
      /at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set/,
    ],
    [
      { ComparisonOperator: 'LessThanLowerOrGreaterThanUpperThreshold' },
      'ValidationError',
      /only valid for anomaly detection alarms/,
    ],
    [{ Statistic: 'Median' }, 'ValidationError', /at 'statistic' failed to satisfy constraint/],
    [{ ExtendedStatistic: 'p99' }, 'InvalidParameterCombination', /mutually exclusive/],
    [
      { Statistic: undefined, ExtendedStatistic: 'tm90' },
      'InvalidParameterValue',
      /ExtendedStatistic is not supported/,
    ],
    [{ Threshold: undefined }, 'MissingParameter', 'The parameter Threshold is required.'],
    [
      { AlarmName: undefined },
      'ValidationError',
      "1 validation error detected: Value null at 'alarmName' failed to satisfy constraint: Member must not be null",
    ],
    [{ AlarmName: 'x'.repeat(256) }, 'ValidationError', /Member must have length less than or equal to 255/],
    [{ Metrics: [{ Id: 'm1' }] }, 'ValidationError', /Metrics is not supported/],
  ])('PutMetricAlarm fails for %j', async (extra, code, message) => {
    await expectError('PutMetricAlarm', failuresAlarm('bad', extra), code, message);
    expect((await call('DescribeAlarms')).MetricAlarms).toEqual([]);
  });

  it.each([
    [
      { Namespace: 'AWS/States' },
      'InvalidParameterValue',
      'The value AWS/States for parameter Namespace is invalid.',
    ],
    [
      { MetricData: [{ MetricName: 'm', Value: 'NaN' }] },
      'InvalidParameterValue',
      'The value NaN for parameter MetricData.member.1.Value is invalid.',
    ],
    [
      { MetricData: [{ MetricName: 'm', Value: 1, Values: [1] }] },
      'InvalidParameterCombination',
      'The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both.',
    ],
    [
      { MetricData: [{ MetricName: 'm', Values: [1, 2], Counts: [1] }] },
      'InvalidParameterValue',
      /must be of the same size/,
    ],
    [
      { MetricData: [{ MetricName: 'm', Value: 1, Timestamp: (T0 - 15 * 24 * 3600 * 1000) / 1000 }] },
      'InvalidParameterValue',
      /no more than two weeks in the past/,
    ],
    [
      { MetricData: [{ MetricName: 'm', Value: 1, Unit: 'Parsecs' }] },
      'ValidationError',
      /at 'metricData.member.1.unit'/,
    ],
    [{ Namespace: undefined }, 'MissingParameter', 'The parameter Namespace is required.'],
  ])('PutMetricData fails for %j', async (input, code, message) => {
    await expectError(
      'PutMetricData',
      { Namespace: 'App', MetricData: [{ MetricName: 'm', Value: 1 }], ...input },
      code,
      message,
    );
  });

  it('declares the documented DescribeAlarms / DescribeAlarmHistory rate quotas', () => {
    expect(cw.rateLimit('DescribeAlarms')).toEqual({ bucketSize: 9, refillPerSecond: 9 });
    expect(cw.rateLimit('DescribeAlarmHistory')).toEqual({ bucketSize: 20, refillPerSecond: 20 });
    expect(cw.rateLimit('PutMetricData')).toBeUndefined();
  });

  it('fails with UnknownOperationException for operations it does not serve', async () => {
    await expectError('PutDashboard', {}, 'UnknownOperationException');
  });
});

describe('CloudWatch service: metric reads', () => {
  beforeEach(async () => {
    await call('PutMetricData', {
      Namespace: 'App',
      MetricData: [
        { MetricName: 'Latency', Value: 10, Unit: 'Milliseconds', Timestamp: (T0 + 1_000) / 1000 },
        {
          MetricName: 'Latency',
          Values: [20, 30],
          Counts: [1, 2],
          Unit: 'Milliseconds',
          Timestamp: (T0 + 2_000) / 1000,
        },
        {
          MetricName: 'Latency',
          StatisticValues: { SampleCount: 2, Sum: 8, Minimum: 3, Maximum: 5 },
          Unit: 'Milliseconds',
          Timestamp: (T0 + 61_000) / 1000,
        },
        {
          MetricName: 'Latency',
          Value: 1,
          Dimensions: [{ Name: 'Route', Value: '/a' }],
          Timestamp: (T0 + 1_000) / 1000,
        },
      ],
    });
  });

  it('GetMetricStatistics aggregates per period and unit', async () => {
    const out = await call('GetMetricStatistics', {
      Namespace: 'App',
      MetricName: 'Latency',
      StartTime: T0 / 1000,
      EndTime: (T0 + 2 * MINUTE) / 1000,
      Period: 60,
      Statistics: ['Sum', 'SampleCount', 'Average', 'Maximum', 'Minimum'],
    });
    expect(out).toEqual({
      Label: 'Latency',
      Datapoints: [
        {
          Timestamp: T0 / 1000,
          Unit: 'Milliseconds',
          Sum: 90,
          SampleCount: 4,
          Average: 22.5,
          Maximum: 30,
          Minimum: 10,
        },
        {
          Timestamp: (T0 + MINUTE) / 1000,
          Unit: 'Milliseconds',
          Sum: 8,
          SampleCount: 2,
          Average: 4,
          Maximum: 5,
          Minimum: 3,
        },
      ],
    });
  });

  it('GetMetricData returns a series per query, newest first by default', async () => {
    const out = await call('GetMetricData', {
      StartTime: T0 / 1000,
      EndTime: (T0 + 2 * MINUTE) / 1000,
      MetricDataQueries: [
        {
          Id: 'sum',
          MetricStat: { Metric: { Namespace: 'App', MetricName: 'Latency' }, Period: 60, Stat: 'Sum' },
        },
        {
          Id: 'route',
          Label: 'route a',
          MetricStat: {
            Metric: { Namespace: 'App', MetricName: 'Latency', Dimensions: [{ Name: 'Route', Value: '/a' }] },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    });
    expect(out).toEqual({
      Messages: [],
      MetricDataResults: [
        {
          Id: 'sum',
          Label: 'Latency',
          Timestamps: [(T0 + MINUTE) / 1000, T0 / 1000],
          Values: [8, 90],
          StatusCode: 'Complete',
        },
        { Id: 'route', Label: 'route a', Timestamps: [T0 / 1000], Values: [1], StatusCode: 'Complete' },
      ],
    });
  });

  it('ListMetrics lists each dimension set once', async () => {
    const { Metrics } = await call('ListMetrics', { Namespace: 'App' });
    expect(Metrics).toEqual([
      { Namespace: 'App', MetricName: 'Latency', Dimensions: [] },
      { Namespace: 'App', MetricName: 'Latency', Dimensions: [{ Name: 'Route', Value: '/a' }] },
    ]);
    expect((await call('ListMetrics', { Dimensions: [{ Name: 'Route' }] })).Metrics).toHaveLength(1);
  });

  it('refuses more than 1440 datapoints', async () => {
    await expectError(
      'GetMetricStatistics',
      {
        Namespace: 'App',
        MetricName: 'Latency',
        StartTime: T0 / 1000,
        EndTime: (T0 + 2 * 1440 * MINUTE) / 1000,
        Period: 60,
        Statistics: ['Sum'],
      },
      'InvalidParameterCombination',
      /You have requested up to 2880 datapoints, which exceeds the limit of 1440/,
    );
  });
});
