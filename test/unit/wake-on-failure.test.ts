/**
 * wake-on-failure: a failed execution of a target wakes the running
 * deployment whose new version ran it, if that deployment judges its
 * executions; failures of the old version, of other state machines, and
 * deployments without analysis (or in a dry run) are left alone.
 */
import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  SFNServiceException,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { type ExecutionStatusChange, wakeOnFailure } from '../../lambda/wake-on-failure';
import { FakeDeploymentLock } from './fake-lock';
import { at, STATE_MACHINE_ARN, T0, version } from './fixtures';

const sfnMock = mockClient(SFNClient);
const alias = (name: string) => `${STATE_MACHINE_ARN}:${name}`;
const owner = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:${name}`;
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:orders:order-17';

let lock: FakeDeploymentLock;
beforeEach(async () => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  lock = new FakeDeploymentLock();
  const claim = async (name: string, judgesExecutions: boolean, target: string) => {
    await lock.acquire({
      aliasArn: alias(name),
      stateMachineArn: STATE_MACHINE_ARN,
      owner: owner(`deploy-${name}`),
      startedAt: T0.toISOString(),
      strategy: 'canary',
      judgesExecutions,
    });
    await lock.update(alias(name), owner(`deploy-${name}`), {
      originVersionArn: version(2),
      targetVersionArn: target,
    });
  };
  await claim('live', true, version(3));
  await claim('beta', false, version(3));
  await claim('gamma', true, version(4));
  for (const item of lock.held.values()) item.taskToken = `token-${item.aliasArn.split(':').at(-1)}`;
  lock.calls.length = 0;
});

const event = (status: string, stateMachineArn = STATE_MACHINE_ARN): ExecutionStatusChange => ({
  'detail-type': 'Step Functions Execution Status Change',
  detail: { executionArn: EXECUTION, stateMachineArn, status },
});
const deps = () => ({ sfn: new SFNClient({}), lock, clock: () => new Date(at(5)) });
const ranOn = (versionArn: string) =>
  sfnMock
    .on(DescribeExecutionCommand, { executionArn: EXECUTION })
    .resolves({ stateMachineVersionArn: versionArn });
const tokensSent = () =>
  sfnMock.commandCalls(SendTaskSuccessCommand).map((call) => call.args[0].input.taskToken);

describe('wake-on-failure', () => {
  it('wakes the deployment judging the version the failed execution ran, and only it', async () => {
    ranOn(version(3));

    const result = await wakeOnFailure(event('FAILED'), deps());

    expect(result).toEqual({
      executionArn: EXECUTION,
      versionArn: version(3),
      woken: [alias('live')],
      marked: [],
    });
    expect(tokensSent()).toEqual(['token-live']);
    expect(lock.calls.filter((call) => call.method === 'wake')).toHaveLength(1);
  });

  it.each(['TIMED_OUT', 'ABORTED'])('wakes on %s too', async (status) => {
    ranOn(version(3));

    expect((await wakeOnFailure(event(status), deps())).woken).toEqual([alias('live')]);
  });

  it('leaves every deployment alone when the old version failed', async () => {
    ranOn(version(2));

    const result = await wakeOnFailure(event('FAILED'), deps());

    expect(result.woken).toEqual([]);
    expect(tokensSent()).toEqual([]);
  });

  it('reads nothing for a success, or for a state machine no deployment judges', async () => {
    await wakeOnFailure(event('SUCCEEDED'), deps());
    await wakeOnFailure(
      event('FAILED', 'arn:aws:states:us-east-1:123456789012:stateMachine:payments'),
      deps(),
    );

    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toEqual([]);
    expect(tokensSent()).toEqual([]);
  });

  it('marks a deployment that is not waiting, so its next wait ends at once', async () => {
    ranOn(version(3));
    sfnMock.on(SendTaskSuccessCommand).rejects(
      new SFNServiceException({
        name: 'TaskTimedOut',
        $fault: 'client',
        $metadata: {},
        message: 'timed out',
      }),
    );

    const result = await wakeOnFailure(event('FAILED'), deps());

    expect(result.marked).toEqual([alias('live')]);
    expect(lock.held.get(alias('live'))?.wake).toMatchObject({ cause: 'execution' });
  });

  it('leaves alone a deployment with a wake-up pending: its check counts this failure too', async () => {
    ranOn(version(3));
    lock.held.get(alias('live'))!.wake = { cause: 'execution', detail: 'an earlier failure', at: at(4) };
    lock.held.get(alias('gamma'))!.wake = { cause: 'execution', detail: 'an earlier failure', at: at(4) };

    const result = await wakeOnFailure(event('FAILED'), deps());

    // Nobody left to wake: the execution is not even described.
    expect(result.woken).toEqual([]);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
    expect(lock.calls.filter((call) => call.method === 'wake')).toEqual([]);
  });
});
