/**
 * signal-deployment: an operator's promote / pause / resume / abort is
 * validated, queued on the running deployment's lock with who and why, and
 * ends the deployment's wait; a bad signal or one with no deployment to
 * steer is a clear error and queues nothing.
 */
import { SendTaskSuccessCommand, SFNClient, SFNServiceException } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { signalDeployment } from '../../lambda/signal-deployment';
import { FakeDeploymentLock } from './fake-lock';
import { ALIAS_ARN, at, EXECUTION_ARN, T0 } from './fixtures';

const sfnMock = mockClient(SFNClient);
let lock: FakeDeploymentLock;
const clock = () => new Date(at(42));
const deps = () => ({ sfn: new SFNClient({}), lock, clock });

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  lock = FakeDeploymentLock.holding({
    aliasArn: ALIAS_ARN,
    owner: EXECUTION_ARN,
    acquiredAt: T0.toISOString(),
  });
  lock.held.get(ALIAS_ARN)!.taskToken = 'token-of-the-wait';
});

const stale = (name: string) =>
  new SFNServiceException({ name, $fault: 'client', $metadata: {}, message: 'Task Timed Out' });

describe('signal-deployment', () => {
  it('queues the signal with who and why, and ends the wait with its token', async () => {
    const result = await signalDeployment(
      {
        action: 'pause',
        target: ALIAS_ARN,
        reason: 'hold for the launch',
        sender: 'arn:aws:iam::123456789012:user/ana',
      },
      deps(),
    );

    const signal = {
      action: 'pause',
      sender: 'arn:aws:iam::123456789012:user/ana',
      reason: 'hold for the launch',
      at: at(42),
    };
    expect(result).toEqual({
      action: 'pause',
      aliasArn: ALIAS_ARN,
      deployment: EXECUTION_ARN,
      woken: true,
      signal,
    });
    expect(lock.queuedSignals(ALIAS_ARN)).toEqual([signal]);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({
      taskToken: 'token-of-the-wait',
      output: JSON.stringify({ wokenBy: 'pause from arn:aws:iam::123456789012:user/ana' }),
    });
  });

  it('finds the deployment from the execution that started it', async () => {
    const result = await signalDeployment({ action: 'resume', target: EXECUTION_ARN }, deps());

    expect(result).toMatchObject({ aliasArn: ALIAS_ARN, deployment: EXECUTION_ARN });
    expect(result.signal).toMatchObject({ sender: 'unnamed sender', reason: 'no reason given' });
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'])(
    'keeps the signal queued for the next check when the token is stale (%s)',
    async (error) => {
      sfnMock.on(SendTaskSuccessCommand).rejects(stale(error));

      const result = await signalDeployment({ action: 'abort', target: ALIAS_ARN, reason: 'bad' }, deps());

      expect(result.woken).toBe(false);
      expect(lock.queuedSignals(ALIAS_ARN).map((signal) => signal.action)).toEqual(['abort']);
    },
  );

  it('does not call SendTaskSuccess when the loop is not waiting', async () => {
    delete lock.held.get(ALIAS_ARN)!.taskToken;

    const result = await signalDeployment({ action: 'promote', target: ALIAS_ARN, full: true }, deps());

    expect(result).toMatchObject({ woken: false, signal: { action: 'promote', full: true } });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  });

  it('is NoDeploymentRunning for an alias nobody is deploying, queueing nothing', async () => {
    const other = ALIAS_ARN.replace(':live', ':beta');

    await expect(signalDeployment({ action: 'abort', target: other }, deps())).rejects.toMatchObject({
      name: 'NoDeploymentRunning',
      message: `No deployment of alias ${other} is running: nothing to signal (a deployment that already ended cannot be steered)`,
    });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('is NoDeploymentRunning for an execution that owns no deployment', async () => {
    const continuation = EXECUTION_ARN.replace('deploy-orders-42', 'continue-2-abc');

    await expect(signalDeployment({ action: 'pause', target: continuation }, deps())).rejects.toMatchObject({
      name: 'NoDeploymentRunning',
      message: expect.stringContaining(
        'name the execution that started it (not a continuation), or the alias ARN',
      ),
    });
  });

  it.each([
    [
      { action: 'rollback', target: ALIAS_ARN },
      'action must be one of promote, pause, resume, abort, got: "rollback"',
    ],
    [{ action: 'pause' }, 'target must be an alias ARN or an execution ARN, got: nothing'],
    [{ action: 'pause', target: 'live' }, 'target must be the alias ARN of the deployment'],
    [{ action: 'pause', target: ALIAS_ARN, full: true }, 'full applies only to promote'],
    [
      { action: 'pause', target: ALIAS_ARN, reason: 'x'.repeat(1025) },
      'reason must be at most 1024 characters',
    ],
    [
      { action: 'pause', target: ALIAS_ARN, why: 'typo' },
      'unknown fields "why": expected only action, target, reason, sender, full',
    ],
    ['pause', 'a signal must be a JSON object, got: "pause"'],
  ])('refuses %j with InvalidSignal, queueing nothing', async (input, message) => {
    await expect(signalDeployment(input, deps())).rejects.toMatchObject({
      name: 'InvalidSignal',
      message: expect.stringContaining(message),
    });
    expect(lock.writes()).toEqual([]);
  });
});
