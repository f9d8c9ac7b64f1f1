import {
  type AlarmHistoryItem,
  CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type MetricAlarm,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { DescribeStateMachineAliasCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAlarms } from '../../lambda/check-alarms';
import type { DeployerState, Deployment } from '../../lambda/shared/deployment';
import { ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, T0, version } from './fixtures';
import { FakeDeploymentLock } from './fake-lock';

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);
const deps = () => ({
  sfn: new SFNClient({}),
  cloudWatch: new CloudWatchClient({}),
  lock: FakeDeploymentLock.holding({
    aliasArn: ALIAS_ARN,
    owner: EXECUTION_ARN,
    acquiredAt: T0.toISOString(),
    originVersionArn: version(2),
    targetVersionArn: version(3),
  }),
});

const ROUTING_AT_10 = [entry(version(3), 10), entry(version(2), 90)];

/**
 * A linear 10% deployment watching orders-failures and orders-latency: the
 * watch started 30 s before the first shift, made at T0 (`at(0)`), whose
 * step ends at `at(300)`; alarms are polled every 60 s.
 */
function pollState(
  request: Record<string, unknown> = {},
  deployment: Partial<Deployment> = {},
): DeployerState {
  return loopState(
    {
      strategy: 'linear',
      increment: 10,
      intervalSeconds: 300,
      alarmPollingSeconds: 60,
      alarms: ['orders-failures', 'orders-latency'],
      ...request,
    },
    {
      watchStartedAt: at(-30),
      lastCheckedAt: at(-30),
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

/** A metric alarm whose state last changed at `transitionedAt` (long before the deployment by default). */
function metricAlarm(
  name: string,
  state: StateValue = 'OK',
  transitionedAt = '2026-02-01T00:00:00.000Z',
): MetricAlarm {
  return {
    AlarmName: name,
    StateValue: state,
    StateReason:
      state === 'ALARM'
        ? 'Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (1.0).'
        : 'Threshold not crossed',
    StateTransitionedTimestamp: new Date(transitionedAt),
    StateUpdatedTimestamp: new Date(transitionedAt),
  };
}

function givenAlarms(metric: MetricAlarm[], composite: CompositeAlarm[] = []): void {
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: metric, CompositeAlarms: composite });
}

function stateUpdate(name: string, from: StateValue, to: StateValue, timestamp: string): AlarmHistoryItem {
  return {
    AlarmName: name,
    AlarmType: 'MetricAlarm',
    Timestamp: new Date(timestamp),
    HistoryItemType: 'StateUpdate',
    HistorySummary: `Alarm updated from ${from} to ${to}`,
    HistoryData: JSON.stringify({
      version: '1.0',
      oldState: { stateValue: from, stateReason: 'before' },
      newState: { stateValue: to, stateReason: `went ${to}` },
    }),
  };
}

beforeEach(() => {
  sfnMock.reset();
  cloudWatchMock.reset();
  sfnMock
    .on(DescribeStateMachineAliasCommand)
    .resolves({ stateMachineAliasArn: ALIAS_ARN, routingConfiguration: ROUTING_AT_10 });
  cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
});

describe('check-alarms', () => {
  describe('while the alarms are healthy', () => {
    it('polls again after the polling period while the step is not over', async () => {
      // Arrange
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);

      // Act
      const next = await checkAlarms({ state: pollState(), now: at(60) }, deps());

      // Assert
      expect(next.deployment).toMatchObject({
        next: 'POLL',
        waitSeconds: 60,
        stepIndex: 0,
        polls: 1,
        lastCheckedAt: at(60),
      });
      expect(next.deployment?.firedAlarms).toBeUndefined();
    });

    it('describes the watched alarms as both metric and composite alarms', async () => {
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);

      await checkAlarms({ state: pollState(), now: at(60) }, deps());

      expect(cloudWatchMock).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
        AlarmNames: ['orders-failures', 'orders-latency'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      });
    });

    it('waits only until the end of the step when less than a polling period is left', async () => {
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);

      const next = await checkAlarms({ state: pollState(), now: at(270) }, deps());

      expect(next.deployment).toMatchObject({ next: 'POLL', waitSeconds: 30 });
    });

    it('polls every period and once more exactly at the end of the step, then shifts', async () => {
      // Arrange: a 70 s polling period does not divide the 300 s step.
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);
      let state = pollState({ alarmPollingSeconds: 70 }, { waitSeconds: 70 });
      let now = 0;
      const pollTimes: number[] = [];

      // Act: run the Wait → Check alarms loop as the state machine does.
      do {
        now += state.deployment!.waitSeconds;
        pollTimes.push(now);
        state = await checkAlarms({ state, now: at(now) }, deps());
      } while (state.deployment!.next === 'POLL');

      // Assert
      expect(pollTimes).toEqual([70, 140, 210, 280, 300]);
      expect(state.deployment).toMatchObject({ next: 'SHIFT', stepIndex: 1, polls: 5 });
    });

    it('moves to the next step when the step is over', async () => {
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);

      const next = await checkAlarms({ state: pollState(), now: at(300) }, deps());

      expect(next.deployment).toMatchObject({ next: 'SHIFT', stepIndex: 1 });
    });

    it('finishes when the last step is over', async () => {
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);
      const state = pollState({}, { stepIndex: 9, routing: [entry(version(3), 100)], stepEndsAt: at(3000) });
      sfnMock
        .on(DescribeStateMachineAliasCommand)
        .resolves({ routingConfiguration: [entry(version(3), 100)] });

      const next = await checkAlarms({ state, now: at(3000) }, deps());

      expect(next.deployment).toMatchObject({ next: 'FINISH', stepIndex: 9 });
    });

    it('makes no CloudWatch call when no alarm is watched', async () => {
      const next = await checkAlarms({ state: pollState({ alarms: [] }), now: at(60) }, deps());

      expect(cloudWatchMock.calls()).toHaveLength(0);
      expect(next.deployment?.next).toBe('POLL');
    });

    it('does not read the history of alarms that did not change since the last poll', async () => {
      givenAlarms([metricAlarm('orders-failures', 'OK', at(10)), metricAlarm('orders-latency')]);
      const state = pollState({}, { lastCheckedAt: at(60) });

      await checkAlarms({ state, now: at(120) }, deps());

      expect(cloudWatchMock).not.toHaveReceivedCommand(DescribeAlarmHistoryCommand);
    });

    it('does not roll back for an alarm that changed between polls without going to ALARM', async () => {
      givenAlarms([metricAlarm('orders-failures', 'OK', at(100)), metricAlarm('orders-latency')]);
      cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({
        AlarmHistoryItems: [
          stateUpdate('orders-failures', 'OK', 'INSUFFICIENT_DATA', at(70)),
          stateUpdate('orders-failures', 'INSUFFICIENT_DATA', 'OK', at(100)),
        ],
      });

      const next = await checkAlarms(
        { state: pollState({}, { lastCheckedAt: at(60) }), now: at(120) },
        deps(),
      );

      expect(next.deployment?.next).toBe('POLL');
    });
  });

  describe('when an alarm fires', () => {
    it('rolls back when an alarm is in ALARM now', async () => {
      // Arrange
      givenAlarms([metricAlarm('orders-failures', 'ALARM', at(50)), metricAlarm('orders-latency')]);

      // Act
      const next = await checkAlarms({ state: pollState(), now: at(60) }, deps());

      // Assert
      expect(next.deployment).toMatchObject({
        next: 'ROLL_BACK',
        firedAlarms: [
          'orders-failures is ALARM: Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (1.0).',
        ],
        stepIndex: 0,
      });
    });

    it('rolls back at the end of a step when an alarm is in ALARM, instead of shifting', async () => {
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency', 'ALARM', at(290))]);

      const next = await checkAlarms({ state: pollState(), now: at(300) }, deps());

      expect(next.deployment).toMatchObject({ next: 'ROLL_BACK', stepIndex: 0 });
    });

    it('rolls back when an alarm flapped between polls', async () => {
      // Arrange: OK at the poll at 60 s, ALARM at 75 s, OK again at 90 s; this poll is at 120 s.
      givenAlarms([metricAlarm('orders-failures', 'OK', at(90)), metricAlarm('orders-latency')]);
      cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({
        AlarmHistoryItems: [
          stateUpdate('orders-failures', 'OK', 'ALARM', at(75)),
          stateUpdate('orders-failures', 'ALARM', 'OK', at(90)),
        ],
      });
      const state = pollState({}, { lastCheckedAt: at(60) });

      // Act
      const next = await checkAlarms({ state, now: at(120) }, deps());

      // Assert
      expect(next.deployment).toMatchObject({
        next: 'ROLL_BACK',
        firedAlarms: [`orders-failures was ALARM at ${at(75)}: went ALARM`],
      });
      expect(cloudWatchMock).toHaveReceivedCommandTimes(DescribeAlarmHistoryCommand, 1);
      expect(cloudWatchMock).toHaveReceivedCommandWith(DescribeAlarmHistoryCommand, {
        AlarmName: 'orders-failures',
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        HistoryItemType: 'StateUpdate',
        StartDate: new Date(at(60)),
      });
    });

    it('finds a flap on a later page of the alarm history', async () => {
      givenAlarms([metricAlarm('orders-failures', 'OK', at(90)), metricAlarm('orders-latency')]);
      cloudWatchMock.on(DescribeAlarmHistoryCommand).resolves({
        AlarmHistoryItems: [stateUpdate('orders-failures', 'OK', 'INSUFFICIENT_DATA', at(65))],
        NextToken: 'page-2',
      });
      cloudWatchMock.on(DescribeAlarmHistoryCommand, { NextToken: 'page-2' }).resolves({
        AlarmHistoryItems: [stateUpdate('orders-failures', 'INSUFFICIENT_DATA', 'ALARM', at(80))],
      });

      const next = await checkAlarms(
        { state: pollState({}, { lastCheckedAt: at(60) }), now: at(120) },
        deps(),
      );

      expect(next.deployment?.next).toBe('ROLL_BACK');
      expect(cloudWatchMock).toHaveReceivedCommandTimes(DescribeAlarmHistoryCommand, 2);
    });

    it('counts a composite alarm in ALARM', async () => {
      givenAlarms(
        [metricAlarm('orders-failures')],
        [
          {
            AlarmName: 'orders-health',
            StateValue: 'ALARM',
            StateReason: 'orders-5xx is ALARM',
            StateTransitionedTimestamp: new Date(at(40)),
          },
        ],
      );

      const next = await checkAlarms(
        { state: pollState({ alarms: ['orders-failures', 'orders-health'] }), now: at(60) },
        deps(),
      );

      expect(next.deployment).toMatchObject({
        next: 'ROLL_BACK',
        firedAlarms: ['orders-health is ALARM: orders-5xx is ALARM'],
      });
    });

    it('fails when a watched alarm was deleted during the deployment, naming it', async () => {
      givenAlarms([metricAlarm('orders-failures')]);

      const rejection = checkAlarms({ state: pollState(), now: at(60) }, deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'AlarmNotFound',
        alarmNames: ['orders-latency'],
      });
    });
  });

  describe('ignoreAlarmsAlreadyFiring', () => {
    it('ignores an alarm that has been in ALARM since before the watch started', async () => {
      givenAlarms([metricAlarm('orders-failures', 'ALARM', at(-3600)), metricAlarm('orders-latency')]);

      const next = await checkAlarms(
        { state: pollState({ ignoreAlarmsAlreadyFiring: true }, { lastCheckedAt: at(60) }), now: at(120) },
        deps(),
      );

      expect(next.deployment?.next).toBe('POLL');
      expect(cloudWatchMock).not.toHaveReceivedCommand(DescribeAlarmHistoryCommand);
    });

    it('counts an alarm that went to ALARM after the watch started', async () => {
      givenAlarms([metricAlarm('orders-failures', 'ALARM', at(100)), metricAlarm('orders-latency')]);

      const next = await checkAlarms(
        { state: pollState({ ignoreAlarmsAlreadyFiring: true }, { lastCheckedAt: at(60) }), now: at(120) },
        deps(),
      );

      expect(next.deployment?.next).toBe('ROLL_BACK');
    });

    it('counts an alarm already in ALARM by default', async () => {
      givenAlarms([metricAlarm('orders-failures', 'ALARM', at(-3600)), metricAlarm('orders-latency')]);

      const next = await checkAlarms(
        { state: pollState({}, { lastCheckedAt: at(60) }), now: at(120) },
        deps(),
      );

      expect(next.deployment?.next).toBe('ROLL_BACK');
    });
  });

  describe('INSUFFICIENT_DATA', () => {
    it('keeps going with an alarm in INSUFFICIENT_DATA by default', async () => {
      givenAlarms([
        metricAlarm('orders-failures', 'INSUFFICIENT_DATA', at(-3600)),
        metricAlarm('orders-latency'),
      ]);

      const next = await checkAlarms({ state: pollState(), now: at(60) }, deps());

      expect(next.deployment?.next).toBe('POLL');
    });

    it('rolls back on an alarm in INSUFFICIENT_DATA with failOnInsufficientData', async () => {
      givenAlarms([
        metricAlarm('orders-failures', 'INSUFFICIENT_DATA', at(30)),
        metricAlarm('orders-latency'),
      ]);

      const next = await checkAlarms(
        { state: pollState({ failOnInsufficientData: true }), now: at(60) },
        deps(),
      );

      expect(next.deployment).toMatchObject({
        next: 'ROLL_BACK',
        firedAlarms: [expect.stringContaining('orders-failures is INSUFFICIENT_DATA')],
      });
    });
  });

  describe('the history budget', () => {
    it('continues in a new execution, resuming with a poll, when the budget is spent mid-step', async () => {
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);

      const next = await checkAlarms(
        { state: pollState({}, { eventsUsed: 19_990 }), now: at(60), executionArn: EXECUTION_ARN },
        deps(),
      );

      expect(next.deployment).toMatchObject({
        next: 'CONTINUE',
        resumeWith: 'POLL',
        waitSeconds: 60,
        eventsUsed: 19_990 + 13,
      });
    });

    it('continues in a new execution, resuming with the shift, when the budget is spent at a step end', async () => {
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);

      const next = await checkAlarms(
        { state: pollState({}, { eventsUsed: 19_990 }), now: at(300), executionArn: EXECUTION_ARN },
        deps(),
      );

      expect(next.deployment).toMatchObject({ next: 'CONTINUE', resumeWith: 'SHIFT', stepIndex: 1 });
    });

    it('rolls back rather than continue when an alarm fired', async () => {
      givenAlarms([metricAlarm('orders-failures', 'ALARM', at(30)), metricAlarm('orders-latency')]);

      const next = await checkAlarms(
        { state: pollState({}, { eventsUsed: 19_990 }), now: at(60), executionArn: EXECUTION_ARN },
        deps(),
      );

      expect(next.deployment?.next).toBe('ROLL_BACK');
    });

    it('counts from scratch in the continuation that resumes the loop', async () => {
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);

      const next = await checkAlarms(
        { state: pollState({}, { eventsUsed: 19_999 }), now: at(60), executionArn: `${EXECUTION_ARN}-2` },
        deps(),
      );

      expect(next.deployment).toMatchObject({ next: 'POLL', segments: 2, eventsUsed: 8 + 13 });
    });
  });

  describe('drift', () => {
    it('fails when the alias was changed by someone else, before reading the alarms', async () => {
      givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);
      sfnMock
        .on(DescribeStateMachineAliasCommand)
        .resolves({ routingConfiguration: [entry(version(2), 100)] });

      const rejection = checkAlarms({ state: pollState(), now: at(60) }, deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'AliasDrift',
        message: expect.stringContaining('found [orders:2 = 100%]'),
      });
      expect(cloudWatchMock.calls()).toHaveLength(0);
    });
  });

  it('does not change its input', async () => {
    givenAlarms([metricAlarm('orders-failures'), metricAlarm('orders-latency')]);
    const state = pollState();
    const before = structuredClone(state);

    await checkAlarms({ state, now: at(300) }, deps());

    expect(state).toEqual(before);
  });
});
