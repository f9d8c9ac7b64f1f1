/**
 * Operators steer a running deployment: the check that follows a wait takes
 * the signals queued on the lock and acts on them (promote, pause, resume,
 * abort), pause steps wait for them, and an abort rolls back and fails
 * `DeploymentAborted` naming who and why.
 */
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeStateMachineAliasCommand,
  SFNClient,
  UpdateStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAlarms } from '../../lambda/check-alarms';
import { rollBack } from '../../lambda/rollback';
import { EVENTS, POLL_EVENTS } from '../../lambda/shared/budget';
import type { DeployerState, Deployment } from '../../lambda/shared/deployment';
import type { Signal } from '../../lambda/shared/lock';
import type { PlanStep } from '../../lambda/shared/plan';
import { shiftWeight } from '../../lambda/shift-weight';
import { FakeDeploymentLock } from './fake-lock';
import { ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, T0, version } from './fixtures';

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);

const ROUTING_AT_10 = [entry(version(3), 10), entry(version(2), 90)];
const LINEAR_STEPS: PlanStep[] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((weight) => ({
  weight,
  holdSeconds: 300,
}));

let lock: FakeDeploymentLock;
beforeEach(() => {
  sfnMock.reset();
  cloudWatchMock.reset();
  sfnMock.on(DescribeStateMachineAliasCommand).resolves({ routingConfiguration: ROUTING_AT_10 });
  sfnMock.on(UpdateStateMachineAliasCommand).resolves({});
  givenAlarm('OK');
  lock = FakeDeploymentLock.holding({
    aliasArn: ALIAS_ARN,
    owner: EXECUTION_ARN,
    acquiredAt: T0.toISOString(),
    originVersionArn: version(2),
    targetVersionArn: version(3),
  });
});

function givenAlarm(state: StateValue): void {
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: 'orders-failures',
        StateValue: state,
        StateReason:
          state === 'ALARM'
            ? 'Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (1.0).'
            : 'ok',
        StateTransitionedTimestamp: new Date(state === 'ALARM' ? at(100) : '2026-02-01T00:00:00.000Z'),
      },
    ],
    CompositeAlarms: [],
  });
  cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
}

/** Holding 10% of a linear deployment whose first step ends at `at(300)`, polled every 60 s. */
function holding(deployment: Partial<Deployment> = {}): DeployerState {
  return loopState(
    {
      strategy: 'linear',
      increment: 10,
      intervalSeconds: 300,
      alarmPollingSeconds: 60,
      alarms: ['orders-failures'],
    },
    {
      steps: LINEAR_STEPS,
      stepIndex: 0,
      stepEndsAt: at(300),
      routing: ROUTING_AT_10,
      timeline: [{ at: at(0), weight: 10 }],
      waitSeconds: 60,
      next: 'POLL',
      ...deployment,
    },
  );
}

function send(action: Signal['action'], extra: Partial<Signal> = {}): void {
  void lock.wake(
    ALIAS_ARN,
    { cause: 'signal', detail: action, at: at(10) },
    {
      action,
      sender: 'arn:aws:iam::123456789012:user/ana',
      reason: `${action} for the test`,
      at: at(10),
      ...extra,
    },
  );
}

const deps = () => ({ sfn: new SFNClient({}), cloudWatch: new CloudWatchClient({}), lock });
const check = (state: DeployerState, seconds: number) => checkAlarms({ state, now: at(seconds) }, deps());

describe('pause and resume', () => {
  it('holds the weight past the step’s end while paused, polling at the alarm interval', async () => {
    send('pause');
    const paused = await check(holding(), 120);
    expect(paused.deployment).toMatchObject({ next: 'POLL', paused: { action: 'pause' } });

    const pastEnd = await check(paused, 300);

    expect(pastEnd.deployment).toMatchObject({ next: 'POLL', stepIndex: 0, waitSeconds: 60 });
  });

  it('goes on at once when resumed after the step’s end', async () => {
    send('pause');
    const paused = await check(holding(), 120);
    const pastEnd = await check(paused, 360);
    send('resume');

    const resumed = await check(pastEnd, 365);

    expect(resumed.deployment).toMatchObject({ next: 'SHIFT', stepIndex: 1 });
    expect(resumed.deployment?.paused).toBeUndefined();
    expect(resumed.deployment?.signals?.map((signal) => signal.action)).toEqual(['pause', 'resume']);
  });

  it('still rolls back on an alarm while paused', async () => {
    send('pause');
    const paused = await check(holding(), 120);
    givenAlarm('ALARM');

    const next = await check(paused, 400);

    expect(next.deployment?.next).toBe('ROLL_BACK');
    expect(next.deployment?.firedAlarms?.[0]).toContain('orders-failures is ALARM');
  });
});

describe('promote', () => {
  it('checks the alarms once more, then goes to 100% with the final step’s bake', async () => {
    send('promote');

    const next = await check(holding(), 30);

    expect(cloudWatchMock.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
    expect(next.deployment).toMatchObject({ next: 'SHIFT', stepIndex: 1 });
    expect(next.deployment?.steps).toEqual([
      { weight: 10, holdSeconds: 300 },
      { weight: 100, holdSeconds: 300 },
    ]);
  });

  it('with full, skips the bake at 100% too', async () => {
    send('promote', { full: true });

    const next = await check(holding(), 30);

    expect(next.deployment?.steps.at(-1)).toEqual({ weight: 100, holdSeconds: 0 });
  });

  it('with full at 100%, finishes now and records the promotion', async () => {
    send('promote', { full: true });
    sfnMock.on(DescribeStateMachineAliasCommand).resolves({ routingConfiguration: [entry(version(3), 100)] });
    const atFull = holding({ stepIndex: 9, stepEndsAt: at(3000), routing: [entry(version(3), 100)] });

    const next = await check(atFull, 30);

    expect(next.deployment?.next).toBe('FINISH');
    expect(lock.released.map((outcome) => outcome.status)).toEqual(['PROMOTED']);
  });

  it('does not promote over a firing alarm', async () => {
    send('promote', { full: true });
    givenAlarm('ALARM');

    const next = await check(holding(), 130);

    expect(next.deployment?.next).toBe('ROLL_BACK');
  });
});

describe('abort', () => {
  it('rolls back without reading the alarms, and the rollback fails DeploymentAborted naming who and why', async () => {
    send('abort', { reason: 'customers report errors' });

    const checked = await check(holding(), 30);
    expect(checked.deployment?.next).toBe('ROLL_BACK');
    expect(cloudWatchMock.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);

    const rolledBack = await rollBack({ state: checked, now: at(31) }, { sfn: new SFNClient({}), lock });

    expect(rolledBack.deployment?.rollbackError).toBe('DeploymentAborted');
    expect(rolledBack.deployment?.rollbackCause).toContain(
      'aborted by arn:aws:iam::123456789012:user/ana at 2026-03-02T10:00:10.000Z: customers report errors',
    );
    expect(lock.released).toMatchObject([{ status: 'ROLLED_BACK', error: 'DeploymentAborted' }]);
  });

  it('is the error of a rollback on an alarm: DeploymentRolledBack', async () => {
    givenAlarm('ALARM');
    const checked = await check(holding(), 130);

    const rolledBack = await rollBack({ state: checked, now: at(131) }, { sfn: new SFNClient({}), lock });

    expect(rolledBack.deployment?.rollbackError).toBe('DeploymentRolledBack');
  });
});

describe('pause steps', () => {
  const gated = (pause: PlanStep['pause'], deployment: Partial<Deployment> = {}) =>
    holding({
      steps: [
        { weight: 10, holdSeconds: 300 },
        { weight: 10, holdSeconds: pause?.timeoutSeconds ?? 0, pause },
        { weight: 100, holdSeconds: 300 },
      ],
      stepIndex: 1,
      ...deployment,
    });

  it('keeps the weight: no alias write and no timeline entry, waiting until its timeout', async () => {
    const state = gated({ timeoutSeconds: 3600, onTimeout: 'rollBack' });

    const next = await shiftWeight({ state, now: at(300) }, { sfn: new SFNClient({}), lock });

    expect(sfnMock.commandCalls(UpdateStateMachineAliasCommand)).toHaveLength(0);
    expect(next.deployment?.timeline).toEqual([{ at: at(0), weight: 10 }]);
    expect(next.deployment).toMatchObject({ stepEndsAt: at(3900), waitSeconds: 60 });
  });

  it('waits for a signal past any poll, and goes on when resumed', async () => {
    const waiting = await check(gated({ onTimeout: 'rollBack' }, { stepEndsAt: at(300 + 364 * 86400) }), 900);
    expect(waiting.deployment).toMatchObject({ next: 'POLL', stepIndex: 1 });
    send('resume');

    const next = await check(waiting, 960);

    expect(next.deployment).toMatchObject({ next: 'SHIFT', stepIndex: 2 });
  });

  it('rolls back when nobody answers within its timeout, saying so', async () => {
    const state = gated({ timeoutSeconds: 600, onTimeout: 'rollBack' }, { stepEndsAt: at(900) });

    const next = await check(state, 900);

    expect(next.deployment?.next).toBe('ROLL_BACK');
    expect(next.deployment?.gateTimedOut).toBe('pause step 2 was not resumed or promoted within 600 s');
  });

  it('goes on at its timeout when told to continue', async () => {
    const state = gated({ timeoutSeconds: 600, onTimeout: 'continue' }, { stepEndsAt: at(900) });

    const next = await check(state, 900);

    expect(next.deployment).toMatchObject({ next: 'SHIFT', stepIndex: 2 });
  });
});

describe('the wait’s fallback', () => {
  it('counts the plain Wait a failed task-token wait fell back to, and drops the error from the state', async () => {
    const state = {
      ...holding({ eventsUsed: 100 }),
      waitFailure: { Error: 'DynamoDb.AccessDeniedException' },
    };

    const next = await check(state, 60);

    expect(next.deployment?.eventsUsed).toBe(100 + POLL_EVENTS + EVENTS.wait);
    expect(next.waitFailure).toBeUndefined();
  });
});

describe('signals and the lock', () => {
  it('are taken once: the next check sees none', async () => {
    send('pause');
    await check(holding(), 30);

    expect(lock.queuedSignals(ALIAS_ARN)).toEqual([]);
  });

  it('are recorded on the deployment’s record, with who sent them and why, once acted on', async () => {
    send('pause');
    send('resume', { sender: 'arn:aws:iam::123456789012:user/bo', reason: 'launch went fine' });
    await check(holding(), 30);

    const updates = lock.calls.filter((call) => call.method === 'update');
    expect(updates.at(-1)).toMatchObject({
      progress: {
        signals: [
          { action: 'pause', sender: 'arn:aws:iam::123456789012:user/ana', reason: 'pause for the test' },
          { action: 'resume', sender: 'arn:aws:iam::123456789012:user/bo', reason: 'launch went fine' },
        ],
      },
    });
  });

  it('leave the record alone when none came', async () => {
    await check(holding(), 30);

    expect(lock.calls.filter((call) => call.method === 'update')).toEqual([]);
  });

  it('fail the check with DeploymentLockLost once the lock is someone else’s', async () => {
    lock.held.get(ALIAS_ARN)!.owner = 'arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:other';

    await expect(check(holding(), 30)).rejects.toMatchObject({ name: 'DeploymentLockLost' });
  });
});
