/**
 * The analysis inside the loop: at each check, the new and the old
 * version's executions since the step's shift are counted (ListExecutions
 * on each version ARN) and judged; a worse new version rolls back, a dry
 * run only records and tells, and a step without enough executions holds.
 */
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeStateMachineAliasCommand,
  type ExecutionListItem,
  ListExecutionsCommand,
  SFNClient,
  UpdateStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAlarms } from '../../lambda/check-alarms';
import { rollBack } from '../../lambda/rollback';
import type { DeployerState } from '../../lambda/shared/deployment';
import type { LifecycleEvent, LifecycleEvents } from '../../lambda/shared/lifecycle';
import { FakeDeploymentLock } from './fake-lock';
import { ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, T0, version } from './fixtures';

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);
const ROUTING_AT_10 = [entry(version(3), 10), entry(version(2), 90)];

let lock: FakeDeploymentLock;
let told: LifecycleEvent[];
const lifecycle: LifecycleEvents = {
  put: async (events) => {
    told.push(...events);
  },
};

/** `failed` failed and `succeeded` succeeded executions, started one a second from `fromSeconds`, newest first. */
function executions(failed: number, succeeded: number, fromSeconds = 1): ExecutionListItem[] {
  return Array.from({ length: failed + succeeded }, (_, n) => ({
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:orders:e-${fromSeconds + n}`,
    stateMachineArn: version(3),
    name: `e-${fromSeconds + n}`,
    status: n < failed ? ('FAILED' as const) : ('SUCCEEDED' as const),
    startDate: new Date(T0.getTime() + (fromSeconds + n) * 1000),
  })).reverse();
}

function givenExecutions(newer: ExecutionListItem[], older: ExecutionListItem[]): void {
  sfnMock.on(ListExecutionsCommand, { stateMachineArn: version(3) }).resolves({ executions: newer });
  sfnMock.on(ListExecutionsCommand, { stateMachineArn: version(2) }).resolves({ executions: older });
}

beforeEach(() => {
  sfnMock.reset();
  cloudWatchMock.reset();
  told = [];
  sfnMock.on(DescribeStateMachineAliasCommand).resolves({ routingConfiguration: ROUTING_AT_10 });
  sfnMock.on(UpdateStateMachineAliasCommand).resolves({});
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
  cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
  lock = FakeDeploymentLock.holding({
    aliasArn: ALIAS_ARN,
    owner: EXECUTION_ARN,
    acquiredAt: T0.toISOString(),
    originVersionArn: version(2),
    targetVersionArn: version(3),
  });
});

/** 10% of a canary, shifted at T0 and held until 600 s, polled every 60 s. */
function holding(analysis: Record<string, unknown>, stepEnd = 600): DeployerState {
  return loopState(
    { strategy: 'canary', increment: 10, intervalSeconds: 600, alarmPollingSeconds: 60, analysis },
    {
      stepIndex: 0,
      stepEndsAt: at(stepEnd),
      routing: ROUTING_AT_10,
      timeline: [{ at: T0.toISOString(), weight: 10 }],
      waitSeconds: 60,
      next: 'POLL',
    },
  );
}

const deps = () => ({ sfn: new SFNClient({}), cloudWatch: new CloudWatchClient({}), lock, lifecycle });
const check = (state: DeployerState, seconds: number) => checkAlarms({ state, now: at(seconds) }, deps());

describe('the analysis at each check', () => {
  it('rolls back a new version failing 3 of 30 against the old one’s 1 of 300, and the rollback says why', async () => {
    givenExecutions(executions(3, 27), executions(1, 299));

    const checked = await check(holding({}), 60);
    const rolledBack = await rollBack({ state: checked, now: at(61) }, deps());

    expect(checked.deployment).toMatchObject({
      next: 'ROLL_BACK',
      verdict: { step: 1, new: { finished: 30, failed: 3 }, old: { finished: 300, failed: 1 }, worse: true },
    });
    expect(rolledBack.deployment?.rollbackError).toBe('DeploymentRolledBack');
    expect(rolledBack.deployment?.rollbackCause).toContain(
      'analysis: new 3/30 failed · old 1/300 · p=0.0026 < 0.01 → roll back',
    );
    expect(told.map((event) => event.detailType)).toEqual(['Analysis Verdict', 'Deployment Rolled Back']);
  });

  it('keeps going when the new version fails no more often than the old', async () => {
    givenExecutions(executions(1, 199), executions(2, 398));

    const checked = await check(holding({}), 60);

    expect(checked.deployment).toMatchObject({ next: 'POLL', verdict: { worse: false } });
    expect(checked.deployment?.verdict?.summary).toBe('new 1/200 failed · old 2/400 · p=0.70 → healthy');
    expect(told).toEqual([]);
  });

  it('counts only executions started since the step’s shift, and not those still running', async () => {
    const before = executions(5, 0, -100);
    const running = { ...executions(0, 1, 50)[0]!, status: 'RUNNING' as const };
    givenExecutions([running, ...executions(0, 10), ...before], executions(0, 90));

    const checked = await check(holding({}), 60);

    expect(checked.deployment?.verdict).toMatchObject({ new: { finished: 10, failed: 0 }, worse: false });
  });

  it('in a dry run records and tells the verdict once, and never acts on it', async () => {
    givenExecutions(executions(3, 27), executions(1, 299));

    const first = await check(holding({ dryRun: true }), 60);
    const second = await check(first, 120);

    expect(second.deployment).toMatchObject({ next: 'POLL', verdict: { worse: true, dryRun: true } });
    expect(second.deployment?.analysisFailed).toBeUndefined();
    expect(second.deployment?.verdict?.summary).toContain('→ roll back (dry run)');
    expect(told.map((event) => event.detailType)).toEqual(['Analysis Verdict']);
  });

  it('keeps each finished step’s last verdict', async () => {
    givenExecutions(executions(0, 30), executions(0, 300));

    const checked = await check(holding({}), 600);

    expect(checked.deployment?.next).toBe('SHIFT');
    expect(checked.deployment?.verdicts).toMatchObject([{ step: 1, new: { finished: 30 }, worse: false }]);
    expect(lock.calls.filter((call) => call.method === 'update').at(-1)).toMatchObject({
      progress: { verdicts: [{ step: 1, new: { finished: 30 }, worse: false }] },
    });
  });
});

describe('the analysis of an Express target', () => {
  it('counts each version’s executions from its AWS/States metrics, from the minute of the shift', async () => {
    const sums: Record<string, Record<string, number[]>> = {
      '3': {
        ExecutionsSucceeded: [10, 17],
        ExecutionsFailed: [2, 1],
        ExecutionsTimedOut: [0],
        ExecutionsAborted: [],
      },
      '2': {
        ExecutionsSucceeded: [150, 149],
        ExecutionsFailed: [1],
        ExecutionsTimedOut: [],
        ExecutionsAborted: [],
      },
    };
    cloudWatchMock.on(GetMetricDataCommand).callsFake((input) => ({
      MetricDataResults: input.MetricDataQueries.map(
        (query: {
          Id: string;
          MetricStat: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] } };
        }) => {
          const version = query.MetricStat.Metric.Dimensions.find((d) => d.Name === 'Version')!.Value;
          return { Id: query.Id, Values: sums[version]![query.MetricStat.Metric.MetricName] };
        },
      ),
    }));
    const state = holding({});
    state.deployment = { ...state.deployment!, express: true, timeline: [{ at: at(30), weight: 10 }] };

    const checked = await check(state, 90);

    expect(checked.deployment?.verdict).toMatchObject({
      new: { finished: 30, failed: 3 },
      old: { finished: 300, failed: 1 },
    });
    expect(checked.deployment?.next).toBe('ROLL_BACK');
    const query = cloudWatchMock.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(query.StartTime).toEqual(new Date(at(0)));
    expect(query.MetricDataQueries![0]!.MetricStat).toMatchObject({
      Period: 60,
      Stat: 'Sum',
      Metric: {
        Namespace: 'AWS/States',
        Dimensions: [
          { Name: 'StateMachineArn', Value: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders' },
          { Name: 'Version', Value: expect.stringMatching(/^[23]$/) },
        ],
      },
    });
    expect(sfnMock.commandCalls(ListExecutionsCommand)).toEqual([]);
  });
});

describe('no blind promotion', () => {
  const settings = { minExecutions: 50, maxHoldSeconds: 300 };

  it('holds a step past its end until the new version finished minExecutions', async () => {
    givenExecutions(executions(0, 20), executions(0, 200));

    const checked = await check(holding(settings), 600);

    expect(checked.deployment).toMatchObject({ next: 'POLL', stepIndex: 0, waitSeconds: 60 });
  });

  it('goes on once it has', async () => {
    givenExecutions(executions(0, 50), executions(0, 450));

    const checked = await check(holding(settings), 660);

    expect(checked.deployment).toMatchObject({ next: 'SHIFT', stepIndex: 1 });
  });

  it('rolls back with InsufficientTraffic after maxHoldSeconds, saying how many it saw', async () => {
    givenExecutions(executions(0, 20), executions(0, 200));

    const checked = await check(holding(settings), 900);
    const rolledBack = await rollBack({ state: checked, now: at(901) }, deps());

    expect(checked.deployment?.next).toBe('ROLL_BACK');
    expect(rolledBack.deployment?.rollbackError).toBe('InsufficientTraffic');
    expect(rolledBack.deployment?.rollbackCause).toContain(
      'insufficient traffic: step 1 saw 20 finished executions of the new version, fewer than ' +
        'analysis.minExecutions (50), 300 s past its end',
    );
  });

  it('promotes instead when onInsufficientTraffic says so', async () => {
    givenExecutions(executions(0, 20), executions(0, 200));

    const checked = await check(holding({ ...settings, onInsufficientTraffic: 'promote' }), 900);

    expect(checked.deployment).toMatchObject({ next: 'SHIFT', stepIndex: 1 });
  });

  it('does not hold in a dry run', async () => {
    givenExecutions(executions(0, 20), executions(0, 200));

    const checked = await check(holding({ ...settings, dryRun: true }), 600);

    expect(checked.deployment).toMatchObject({ next: 'SHIFT', stepIndex: 1 });
  });
});
