/**
 * Lifecycle events: what each step tells EventBridge, numbered in the
 * order the deployment did things, and a failed put that never fails the
 * deployment.
 */
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
} from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeStateMachineAliasCommand,
  SFNClient,
  UpdateStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAlarms } from '../../lambda/check-alarms';
import { rollBack } from '../../lambda/rollback';
import type { DeployerState } from '../../lambda/shared/deployment';
import {
  EventBridgeLifecycleEvents,
  type LifecycleEvent,
  type LifecycleEvents,
} from '../../lambda/shared/lifecycle';
import { logger } from '../../lambda/shared/logger';
import { shiftWeight } from '../../lambda/shift-weight';
import { FakeDeploymentLock } from './fake-lock';
import { ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, STATE_MACHINE_ARN, T0, version } from './fixtures';

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);
const eventsMock = mockClient(EventBridgeClient);

class CapturedEvents implements LifecycleEvents {
  readonly events: LifecycleEvent[] = [];
  async put(events: readonly LifecycleEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

let lock: FakeDeploymentLock;
let captured: CapturedEvents;
let routing = [entry(version(2), 100)];

beforeEach(() => {
  sfnMock.reset();
  cloudWatchMock.reset();
  eventsMock.reset();
  routing = [entry(version(2), 100)];
  sfnMock.on(DescribeStateMachineAliasCommand).callsFake(() => ({ routingConfiguration: routing }));
  sfnMock.on(UpdateStateMachineAliasCommand).callsFake((input) => {
    routing = input.routingConfiguration;
    return {};
  });
  givenAlarm('OK');
  lock = FakeDeploymentLock.holding({
    aliasArn: ALIAS_ARN,
    owner: EXECUTION_ARN,
    acquiredAt: T0.toISOString(),
    originVersionArn: version(2),
    targetVersionArn: version(3),
  });
  captured = new CapturedEvents();
});

function givenAlarm(state: 'OK' | 'ALARM'): void {
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      {
        AlarmName: 'orders-failures',
        StateValue: state,
        StateReason: state === 'ALARM' ? 'Threshold Crossed: 1 datapoint [3.0]' : 'ok',
        StateTransitionedTimestamp: new Date(state === 'ALARM' ? at(100) : '2026-02-01T00:00:00.000Z'),
      },
    ],
    CompositeAlarms: [],
  });
  cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
}

const deps = () => ({
  sfn: new SFNClient({}),
  cloudWatch: new CloudWatchClient({}),
  lock,
  lifecycle: captured,
});

/** A canary of 10% for 300 s, polled every 60 s, before its first shift. */
const start = (): DeployerState =>
  loopState({
    strategy: 'canary',
    increment: 10,
    intervalSeconds: 300,
    alarmPollingSeconds: 60,
    alarms: ['orders-failures'],
  });

const signal = (action: 'pause' | 'resume' | 'abort', seconds: number) =>
  void lock.wake(
    ALIAS_ARN,
    { cause: 'signal', detail: action, at: at(seconds) },
    {
      action,
      sender: 'arn:aws:iam::123456789012:user/ana',
      reason: `${action} for the test`,
      at: at(seconds),
    },
  );

describe('lifecycle events', () => {
  it('tell a canary’s shift, a pause, a resume and the promotion, numbered in order, with the deployment’s identity', async () => {
    // Act: shift to 10%, paused at 60 s, resumed at 360 s, then 100% and the final check.
    const shifted = await shiftWeight({ state: start(), now: T0.toISOString() }, deps());
    signal('pause', 30);
    const paused = await checkAlarms({ state: shifted, now: at(60) }, deps());
    signal('resume', 350);
    const resumed = await checkAlarms({ state: paused, now: at(360) }, deps());
    const full = await shiftWeight({ state: resumed, now: at(360) }, deps());
    await checkAlarms({ state: full, now: at(360) }, deps());

    // Assert
    expect(
      captured.events.map((event) => [event.detail.sequence, event.detailType, event.detail.weight]),
    ).toEqual([
      [1, 'Weight Shifted', 10],
      [2, 'Deployment Paused', 10],
      [3, 'Deployment Resumed', 10],
      [4, 'Weight Shifted', 100],
      [5, 'Deployment Promoted', 100],
    ]);
    expect(captured.events[0]!.detail).toEqual({
      deploymentId: EXECUTION_ARN,
      sequence: 1,
      stateMachineArn: STATE_MACHINE_ARN,
      aliasArn: ALIAS_ARN,
      fromVersionArn: version(2),
      toVersionArn: version(3),
      weight: 10,
      fromWeight: 0,
      holdSeconds: 300,
      step: 1,
      steps: 2,
      at: T0.toISOString(),
    });
    expect(captured.events[1]!.detail).toMatchObject({
      sender: 'arn:aws:iam::123456789012:user/ana',
      reason: 'pause for the test',
      signaledAt: at(30),
      at: at(60),
    });
    expect(captured.events[4]!.detail).toMatchObject({
      step: 2,
      timeline: [
        { at: T0.toISOString(), weight: 10 },
        { at: at(360), weight: 100 },
      ],
      signals: [{ action: 'pause' }, { action: 'resume' }],
    });
  });

  it('tell a rollback with the alarms that fired and their reasons', async () => {
    const shifted = await shiftWeight({ state: start(), now: T0.toISOString() }, deps());
    givenAlarm('ALARM');
    const checked = await checkAlarms({ state: shifted, now: at(120) }, deps());
    await rollBack({ state: checked, now: at(121) }, deps());

    expect(captured.events.map((event) => event.detailType)).toEqual([
      'Weight Shifted',
      'Deployment Rolled Back',
    ]);
    expect(captured.events[1]!.detail).toMatchObject({
      sequence: 2,
      weight: 0,
      fromWeight: 10,
      alarms: ['orders-failures is ALARM: Threshold Crossed: 1 datapoint [3.0]'],
      error: null,
      cause: expect.stringContaining('alarms fired: orders-failures is ALARM'),
    });
  });

  it('tell an abort with who aborted and why', async () => {
    const shifted = await shiftWeight({ state: start(), now: T0.toISOString() }, deps());
    signal('abort', 40);
    const checked = await checkAlarms({ state: shifted, now: at(41) }, deps());
    await rollBack({ state: checked, now: at(42) }, deps());

    expect(captured.events.at(-1)).toMatchObject({
      detailType: 'Deployment Aborted',
      detail: {
        sequence: 2,
        sender: 'arn:aws:iam::123456789012:user/ana',
        reason: 'abort for the test',
        fromWeight: 10,
        weight: 0,
      },
    });
  });

  it('number a retried step’s events as the first try did, so consumers can drop a repeat', async () => {
    const state = start();

    const first = await shiftWeight({ state, now: T0.toISOString() }, deps());
    const retry = await shiftWeight({ state, now: T0.toISOString() }, deps());

    expect(first.deployment?.lifecycleSequence).toBe(1);
    expect(retry.deployment?.lifecycleSequence).toBe(1);
    expect(captured.events.map((event) => event.detail.sequence)).toEqual([1, 1]);
  });
});

describe('putting lifecycle events on EventBridge', () => {
  const event = (sequence: number): LifecycleEvent => ({
    detailType: 'Weight Shifted',
    detail: {
      deploymentId: EXECUTION_ARN,
      sequence,
      stateMachineArn: STATE_MACHINE_ARN,
      aliasArn: ALIAS_ARN,
      fromVersionArn: version(2),
      toVersionArn: version(3),
      weight: 10,
      step: 1,
      steps: 2,
      at: T0.toISOString(),
    },
  });

  it('puts each on the bus with source sfn-deployer, the alias and deployment as resources, ten per request', async () => {
    eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0 });

    await new EventBridgeLifecycleEvents(new EventBridgeClient({}), 'deployments').put(
      Array.from({ length: 12 }, (_, index) => event(index + 1)),
    );

    const calls = eventsMock.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries!);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    expect(calls[0]![0]).toEqual({
      EventBusName: 'deployments',
      Source: 'sfn-deployer',
      DetailType: 'Weight Shifted',
      Detail: JSON.stringify(event(1).detail),
      Resources: [ALIAS_ARN, EXECUTION_ARN],
    });
  });

  it('logs, and does not throw, when the put fails or refuses an entry: a notification never stops a deployment', async () => {
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    eventsMock
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'no' }],
      });
    const sink = new EventBridgeLifecycleEvents(new EventBridgeClient({}), 'default');

    await expect(sink.put([event(1)])).resolves.toBeUndefined();
    await expect(sink.put([event(2)])).resolves.toBeUndefined();

    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      'Lifecycle events were not put',
      'Some lifecycle events were not put',
    ]);
    warn.mockRestore();
  });
});
