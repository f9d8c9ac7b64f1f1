/**
 * wake-on-alarm: an alarm-state-change event wakes the running deployments
 * that watch the alarm (and, for INSUFFICIENT_DATA, only those that fail
 * on it), and no others.
 */
import { SendTaskSuccessCommand, SFNClient, SFNServiceException } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { type AlarmStateChange, wakeOnAlarm } from '../../lambda/wake-on-alarm';
import { FakeDeploymentLock } from './fake-lock';
import { at, STATE_MACHINE_ARN, T0 } from './fixtures';

const sfnMock = mockClient(SFNClient);
const alias = (name: string) => `${STATE_MACHINE_ARN}:${name}`;
const owner = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:${name}`;

let lock: FakeDeploymentLock;
beforeEach(async () => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  lock = new FakeDeploymentLock();
  const claim = (name: string, alarms: string[], failOnInsufficientData = false) =>
    lock.acquire({
      aliasArn: alias(name),
      stateMachineArn: STATE_MACHINE_ARN,
      owner: owner(`deploy-${name}`),
      startedAt: T0.toISOString(),
      strategy: 'canary',
      alarms,
      failOnInsufficientData,
    });
  await claim('live', ['orders-errors', 'orders-latency']);
  await claim('beta', ['orders-errors'], true);
  await claim('gamma', ['payments-errors']);
  for (const item of lock.held.values()) item.taskToken = `token-${item.aliasArn.split(':').at(-1)}`;
  lock.calls.length = 0;
});

const event = (alarmName: string, value: string): AlarmStateChange => ({
  'detail-type': 'CloudWatch Alarm State Change',
  time: at(5),
  detail: { alarmName, state: { value } },
});
const deps = () => ({ sfn: new SFNClient({}), lock, clock: () => new Date(at(5)) });
const tokensSent = () =>
  sfnMock
    .commandCalls(SendTaskSuccessCommand)
    .map((call) => call.args[0].input.taskToken)
    .sort();

describe('wake-on-alarm', () => {
  it('wakes every deployment watching an alarm that went to ALARM, and only those', async () => {
    const result = await wakeOnAlarm(event('orders-errors', 'ALARM'), deps());

    expect(result.woken.sort()).toEqual([alias('beta'), alias('live')]);
    expect(tokensSent()).toEqual(['token-beta', 'token-live']);
    expect(lock.calls.filter((call) => call.method === 'wake')).toHaveLength(2);
  });

  it('wakes on INSUFFICIENT_DATA only the deployments that fail on it', async () => {
    const result = await wakeOnAlarm(event('orders-errors', 'INSUFFICIENT_DATA'), deps());

    expect(result.woken).toEqual([alias('beta')]);
  });

  it('ignores an alarm going back to OK', async () => {
    const result = await wakeOnAlarm(event('orders-errors', 'OK'), deps());

    expect(result).toEqual({ alarmName: 'orders-errors', state: 'OK', woken: [], marked: [] });
    expect(lock.calls).toEqual([]);
  });

  it('marks a deployment that is between waits, so its next wait ends at once', async () => {
    sfnMock
      .on(SendTaskSuccessCommand, { taskToken: 'token-live' })
      .rejects(
        new SFNServiceException({ name: 'TaskTimedOut', $fault: 'client', $metadata: {}, message: 'x' }),
      );

    const result = await wakeOnAlarm(event('orders-latency', 'ALARM'), deps());

    expect(result).toMatchObject({ woken: [], marked: [alias('live')] });
  });

  it('still wakes the others when one lock cannot be written', async () => {
    const wake = lock.wake.bind(lock);
    lock.wake = async (aliasArn, ...rest) => {
      if (aliasArn === alias('beta')) throw new Error('ProvisionedThroughputExceededException');
      return wake(aliasArn, ...rest);
    };

    const result = await wakeOnAlarm(event('orders-errors', 'ALARM'), deps());

    expect(result).toMatchObject({ woken: [alias('live')], marked: [] });
  });
});
