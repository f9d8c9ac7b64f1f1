import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeStateMachineAliasCommand,
  SFNClient,
  UpdateStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAlarms } from '../../lambda/check-alarms';
import { rollBack } from '../../lambda/rollback';
import {
  ALARM_REASON_MAX_CHARS,
  CAUSE_MAX_CHARS,
  FAIL_CAUSE_MAX_CHARS,
  jsonBytes,
  STATE_MAX_BYTES,
} from '../../lambda/shared/limits';
import type { DeployerState } from '../../lambda/shared/deployment';
import { ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, T0, throttling, version } from './fixtures';
import { FakeDeploymentLock } from './fake-lock';

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);
const deps = () => ({
  sfn: new SFNClient({}),
  lock: FakeDeploymentLock.holding({
    aliasArn: ALIAS_ARN,
    owner: EXECUTION_ARN,
    acquiredAt: T0.toISOString(),
    originVersionArn: version(2),
    targetVersionArn: version(3),
  }),
  sleep: async () => undefined,
});

/** A linear deployment of orders:3 over orders:2 stopped at 20%. */
function stoppedAt20(extra: Partial<DeployerState> = {}, firedAlarms?: string[]): DeployerState {
  const state = loopState(
    { strategy: 'linear', increment: 10, alarms: ['orders-failures', 'orders-latency'] },
    {
      stepIndex: 1,
      routing: [entry(version(3), 20), entry(version(2), 80)],
      timeline: [
        { at: at(0), weight: 10 },
        { at: at(120), weight: 20 },
      ],
      next: 'ROLL_BACK',
      ...(firedAlarms ? { firedAlarms } : {}),
    },
  );
  return { ...state, ...extra };
}

beforeEach(() => {
  sfnMock.reset();
  cloudWatchMock.reset();
  sfnMock.on(UpdateStateMachineAliasCommand).resolves({ updateDate: T0 });
});

describe('rollback', () => {
  it('routes the alias 100% to the origin as a single entry', async () => {
    // Act
    const next = await rollBack(
      { state: stoppedAt20({}, ['orders-failures is ALARM: Threshold Crossed']), now: at(150) },
      deps(),
    );

    // Assert
    expect(sfnMock).toHaveReceivedCommandTimes(UpdateStateMachineAliasCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
      stateMachineAliasArn: ALIAS_ARN,
      routingConfiguration: [{ stateMachineVersionArn: version(2), weight: 100 }],
    });
    expect(next.deployment?.routing).toEqual([entry(version(2), 100)]);
  });

  it('records the rollback in the timeline at 0%', async () => {
    const next = await rollBack(
      { state: stoppedAt20({}, ['orders-failures is ALARM: Threshold Crossed']), now: at(150) },
      deps(),
    );

    expect(next.deployment?.timeline.at(-1)).toEqual({ at: at(150), weight: 0 });
  });

  it('names the alarms that fired in its cause', async () => {
    const state = stoppedAt20({}, [
      'orders-failures is ALARM: Threshold Crossed',
      `orders-latency was ALARM at ${at(100)}: p99 high`,
    ]);

    const next = await rollBack({ state, now: at(150) }, deps());

    expect(next.deployment?.rollbackCause).toBe(
      'Rolled back alias live to orders:2 (100%) from orders:3 at 20%: ' +
        `alarms fired: orders-failures is ALARM: Threshold Crossed; orders-latency was ALARM at ${at(100)}: p99 high`,
    );
  });

  it('names the error type and the message of a Lambda error in its cause', async () => {
    // Arrange: what a Catch puts in $.failure after a Lambda task failed.
    const failure = {
      Error: 'AlarmNotFound',
      Cause: JSON.stringify({
        errorType: 'AlarmNotFound',
        errorMessage: 'Alarms not found (neither metric nor composite): orders-latency',
        trace: ['AlarmNotFound: Alarms not found', '    at firedAlarms (/var/task/index.js:1:1)'],
      }),
    };

    // Act
    const next = await rollBack({ state: stoppedAt20({ failure }), now: at(150) }, deps());

    // Assert
    expect(next.deployment?.rollbackCause).toBe(
      'Rolled back alias live to orders:2 (100%) from orders:3 at 20%: ' +
        'error AlarmNotFound: Alarms not found (neither metric nor composite): orders-latency',
    );
    expect(next.failure).toBeUndefined();
  });

  it('quotes a plain-text cause as it is', async () => {
    const failure = { Error: 'States.Timeout', Cause: 'Task timed out after 60.00 seconds' };

    const next = await rollBack({ state: stoppedAt20({ failure }), now: at(150) }, deps());

    expect(next.deployment?.rollbackCause).toContain(
      'error States.Timeout: Task timed out after 60.00 seconds',
    );
  });

  it('says so when the error gave no cause', async () => {
    const next = await rollBack(
      { state: stoppedAt20({ failure: { Error: 'States.TaskFailed' } }), now: at(150) },
      deps(),
    );

    expect(next.deployment?.rollbackCause).toContain('error States.TaskFailed: no cause given');
  });

  it('prefers the error over the alarms when both are present', async () => {
    const failure = {
      Error: 'ThrottlingException',
      Cause: JSON.stringify({ errorType: 'ThrottlingException', errorMessage: 'Rate exceeded' }),
    };

    const next = await rollBack(
      { state: stoppedAt20({ failure }, ['orders-failures is ALARM: x']), now: at(150) },
      deps(),
    );

    expect(next.deployment?.rollbackCause).toContain('error ThrottlingException: Rate exceeded');
  });

  it('rolls back from 0% when no shift was made yet', async () => {
    const state = loopState({}, { timeline: [] });
    const failure = { Error: 'States.TaskFailed', Cause: 'boom' };

    const next = await rollBack({ state: { ...state, failure }, now: at(5) }, deps());

    expect(next.deployment?.rollbackCause).toBe(
      'Rolled back alias live to orders:2 (100%) from orders:3 at 0%: error States.TaskFailed: boom',
    );
  });

  it('is idempotent: running it twice sends the same update and does not fail', async () => {
    // Arrange
    const state = stoppedAt20({}, ['orders-failures is ALARM: Threshold Crossed']);

    // Act
    const first = await rollBack({ state, now: at(150) }, deps());
    const second = await rollBack({ state: first, now: at(155) }, deps());
    const retried = await rollBack({ state, now: at(160) }, deps());

    // Assert
    const updates = sfnMock.commandCalls(UpdateStateMachineAliasCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(3);
    expect(updates[1]).toEqual(updates[0]);
    expect(updates[2]).toEqual(updates[0]);
    expect(second.deployment?.routing).toEqual([entry(version(2), 100)]);
    expect(retried.deployment?.rollbackCause).toBe(first.deployment?.rollbackCause);
  });

  it('lets a throttling error through for the state machine to retry', async () => {
    sfnMock.on(UpdateStateMachineAliasCommand).rejects(throttling());

    await expect(rollBack({ state: stoppedAt20({}, ['x']), now: at(150) }, deps())).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });

  it('does not change its input', async () => {
    const state = stoppedAt20({ failure: { Error: 'States.TaskFailed', Cause: 'boom' } });
    const before = structuredClone(state);

    await rollBack({ state, now: at(150) }, deps());

    expect(state).toEqual(before);
  });
});

describe('rollback within AWS limits, whatever the request', () => {
  // https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html: 256 KiB of state, 32,768-character causes.
  it('keeps the state under 256 KiB and the cause under 32,768 characters with 100 long alarms all firing', async () => {
    // Arrange: the largest valid request (100 alarm names of 255 characters, linear 1%: 100 steps)
    // after check-alarms found every alarm firing with a 1,023-character reason.
    const names = Array.from(
      { length: 100 },
      (_, index) => `${String(index).padStart(3, '0')}-${'a'.repeat(251)}`,
    );
    const cloudWatch = new CloudWatchClient({});
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: names.map((AlarmName) => ({
        AlarmName,
        StateValue: 'ALARM',
        StateReason: 'r'.repeat(1023),
        StateUpdatedTimestamp: T0,
      })),
    });
    sfnMock
      .on(DescribeStateMachineAliasCommand)
      .resolves({ routingConfiguration: [entry(version(3), 1), entry(version(2), 99)] });
    const state = loopState(
      { strategy: 'linear', increment: 1, intervalSeconds: 60, alarms: names },
      {
        routing: [entry(version(3), 1), entry(version(2), 99)],
        timeline: [{ at: at(0), weight: 1 }],
        stepEndsAt: at(60),
        next: 'POLL',
      },
    );
    const checked = await checkAlarms({ state, now: at(30) }, { ...deps(), cloudWatch });

    // Act
    const next = await rollBack({ state: checked, now: at(31) }, deps());

    // Assert
    expect(checked.deployment?.firedAlarms).toHaveLength(100);
    expect(jsonBytes(checked)).toBeLessThan(STATE_MAX_BYTES);
    expect(jsonBytes(next)).toBeLessThan(STATE_MAX_BYTES);
    expect(next.deployment?.firedAlarms).toBeUndefined();
    expect(next.deployment!.rollbackCause!.length).toBeLessThanOrEqual(CAUSE_MAX_CHARS);
    expect(next.deployment!.rollbackCause!.endsWith(' …[truncated]')).toBe(true);
    expect(CAUSE_MAX_CHARS).toBeLessThan(FAIL_CAUSE_MAX_CHARS);
  });

  it('truncates each alarm reason, marking it, so one alarm cannot crowd out the others', async () => {
    const cloudWatch = new CloudWatchClient({});
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'orders-failures',
          StateValue: 'ALARM',
          StateReason: 'r'.repeat(1023),
          StateUpdatedTimestamp: T0,
        },
      ],
    });
    sfnMock.on(DescribeStateMachineAliasCommand).resolves({ routingConfiguration: [entry(version(2), 100)] });

    const checked = await checkAlarms(
      {
        state: loopState({ alarms: ['orders-failures'] }, { stepEndsAt: at(60), next: 'POLL' }),
        now: at(30),
      },
      { ...deps(), cloudWatch },
    );

    const fired = checked.deployment!.firedAlarms![0]!;
    expect(fired.startsWith('orders-failures is ALARM: rrr')).toBe(true);
    expect(fired.endsWith(' …[truncated]')).toBe(true);
    expect(fired.length).toBe('orders-failures is ALARM: '.length + ALARM_REASON_MAX_CHARS);
  });

  it('quotes a cause cut short at the limit (no longer JSON) instead of failing on it', async () => {
    const truncatedJson = `{"errorMessage":"${'e'.repeat(40_000)}`;

    const next = await rollBack(
      { state: stoppedAt20({ failure: { Error: 'States.TaskFailed', Cause: truncatedJson } }), now: at(150) },
      deps(),
    );

    expect(next.deployment?.next).toBe('ROLLED_BACK');
    expect(next.deployment!.rollbackCause!.length).toBeLessThanOrEqual(CAUSE_MAX_CHARS);
    expect(next.deployment!.rollbackCause).toContain('error States.TaskFailed: {"errorMessage":"eee');
  });
});
