/**
 * Recovery of deployments whose deployer execution ended holding their
 * alias: on the execution's status-change event, and by the scheduled sweep
 * that finds what a lost event left behind. Recovery takes the lock before
 * it touches the alias, and waits out a write still in flight (the fence).
 */
import {
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  ExecutionDoesNotExist,
  ResourceNotFound,
  SFNClient,
  UpdateStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { type ExecutionStatusChange, recover, sweep } from '../../lambda/recover-deployments';
import { FENCE_MS, STALE_RECOVERY_MS } from '../../lambda/shared/recovery';
import type { RoutingEntry } from '../../lambda/shared/routing';
import { FakeDeploymentLock } from './fake-lock';
import { ACCOUNT, ALIAS_ARN, at, entry, EXECUTION_ARN, T0, version, writeCommands } from './fixtures';

const sfnMock = mockClient(SFNClient);
const OTHER_EXECUTION = EXECUTION_ARN.replace('deploy-orders-42', 'deploy-orders-41');
const DEPLOYER_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:sfn-deployer`;
const PAYMENTS_ALIAS = ALIAS_ARN.replace(':orders:', ':payments:');

function givenAliasRoutes(routing: RoutingEntry[] | 'missing'): void {
  if (routing === 'missing') {
    sfnMock.on(DescribeStateMachineAliasCommand).rejects(
      new ResourceNotFound({
        message: 'Request references a resource that does not exist.',
        $metadata: {},
      }),
    );
  } else {
    sfnMock
      .on(DescribeStateMachineAliasCommand)
      .resolves({ stateMachineAliasArn: ALIAS_ARN, routingConfiguration: routing });
  }
}

function statusChange(status: string, executionArn = EXECUTION_ARN): ExecutionStatusChange {
  return {
    'detail-type': 'Step Functions Execution Status Change',
    time: at(900),
    detail: { executionArn, status, stateMachineArn: DEPLOYER_ARN },
  };
}

/** The lock an execution left behind after shifting orders:3 over orders:2. */
const leftBehind = (versions = true) =>
  FakeDeploymentLock.holding({
    aliasArn: ALIAS_ARN,
    owner: EXECUTION_ARN,
    ...(versions ? { originVersionArn: version(2), targetVersionArn: version(3) } : {}),
  });

const sleeps: number[] = [];
const deps = (
  lock: FakeDeploymentLock,
  sleep: (ms: number) => Promise<void> = async (ms) => void sleeps.push(ms),
) => ({
  sfn: new SFNClient({}),
  lock,
  clock: () => new Date(at(900)),
  sleep,
});

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(UpdateStateMachineAliasCommand).resolves({ updateDate: T0 });
  sleeps.length = 0;
});

describe('recover, on a status-change event', () => {
  it('does nothing when the execution holds no lock', async () => {
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: OTHER_EXECUTION });

    const recovery = await recover(statusChange('ABORTED'), deps(lock));

    expect(recovery).toEqual({ action: 'none' });
    expect(sfnMock.calls()).toHaveLength(0);
    expect(lock.methods()).toEqual(['heldBy']);
  });

  it('frees the alias after a success, leaving the alias alone', async () => {
    const lock = leftBehind();

    const recovery = await recover(statusChange('SUCCEEDED'), deps(lock));

    expect(recovery).toMatchObject({ action: 'released', aliasArn: ALIAS_ARN });
    expect(lock.released).toEqual([
      { status: 'PROMOTED', endedAt: at(900), cause: expect.stringContaining('succeeded') },
    ]);
    expect(writeCommands(sfnMock)).toEqual([]);
  });

  it.each(['ABORTED', 'TIMED_OUT', 'FAILED'])(
    'takes the lock first, rolls the alias back to the origin, waits out the fence, and frees it as ROLLED_BACK when the execution ended %s mid-shift',
    async (status) => {
      // Arrange
      let routing: RoutingEntry[] = [entry(version(3), 20), entry(version(2), 80)];
      sfnMock
        .on(DescribeStateMachineAliasCommand)
        .callsFake(() => ({ stateMachineAliasArn: ALIAS_ARN, routingConfiguration: routing }));
      sfnMock
        .on(UpdateStateMachineAliasCommand)
        .callsFake((input: { routingConfiguration: RoutingEntry[] }) => {
          routing = input.routingConfiguration;
          return {};
        });
      const lock = leftBehind();

      // Act
      const recovery = await recover(statusChange(status), deps(lock));

      // Assert
      expect(recovery).toMatchObject({ action: 'rolled-back', aliasArn: ALIAS_ARN });
      expect(lock.writes()).toEqual(['beginRecovery', 'release']);
      expect(sfnMock).toHaveReceivedCommandTimes(UpdateStateMachineAliasCommand, 1);
      expect(routing).toEqual([{ stateMachineVersionArn: version(2), weight: 100 }]);
      expect(sleeps).toEqual([FENCE_MS]);
      expect(lock.released).toEqual([
        {
          status: 'ROLLED_BACK',
          endedAt: at(900),
          error: 'DeploymentRecovered',
          cause: `Deployer execution deploy-orders-42 ended ${status}: rolled back alias to orders:2 (100%)`,
        },
      ]);
    },
  );

  it('undoes a write the ended deployment landed after recovery took its lock', async () => {
    // Arrange: a shift that passed its lock check just before the takeover lands during the fence.
    let routing: RoutingEntry[] = [entry(version(3), 20), entry(version(2), 80)];
    sfnMock
      .on(DescribeStateMachineAliasCommand)
      .callsFake(() => ({ stateMachineAliasArn: ALIAS_ARN, routingConfiguration: routing }));
    sfnMock
      .on(UpdateStateMachineAliasCommand)
      .callsFake((input: { routingConfiguration: RoutingEntry[] }) => {
        routing = input.routingConfiguration;
        return {};
      });
    const lock = leftBehind();
    const lateWrite = async () => {
      routing = [entry(version(3), 30), entry(version(2), 70)];
    };

    // Act
    const recovery = await recover(statusChange('ABORTED'), deps(lock, lateWrite));

    // Assert
    expect(recovery.action).toBe('rolled-back');
    expect(sfnMock).toHaveReceivedCommandTimes(UpdateStateMachineAliasCommand, 2);
    expect(routing).toEqual([{ stateMachineVersionArn: version(2), weight: 100 }]);
  });

  it.each([
    ["someone else's routing", [entry(version(5), 100)], 'routes [orders:5 = 100%]'],
    ['the alias already rolled back', [entry(version(2), 100)], 'routes [orders:2 = 100%]'],
    ['the alias deleted', 'missing' as const, 'was deleted'],
  ])(
    'frees the alias without writing it when it no longer serves the target: %s',
    async (_case, routing, found) => {
      givenAliasRoutes(routing);
      const lock = leftBehind();

      const recovery = await recover(statusChange('ABORTED'), deps(lock));

      expect(recovery).toMatchObject({ action: 'released', aliasArn: ALIAS_ARN });
      expect(writeCommands(sfnMock)).toEqual([]);
      expect(lock.released).toEqual([
        {
          status: 'FAILED',
          endedAt: at(900),
          error: 'DeploymentRecovered',
          cause: `Deployer execution deploy-orders-42 ended ABORTED; alias ${found}, not orders:3: left as it was`,
        },
      ]);
      expect(lock.held.size).toBe(0);
    },
  );

  it('frees the alias as FAILED when the execution ended before recording a target', async () => {
    givenAliasRoutes([entry(version(2), 100)]);
    const lock = leftBehind(false);

    const recovery = await recover(statusChange('FAILED'), deps(lock));

    expect(recovery).toMatchObject({ action: 'released', aliasArn: ALIAS_ARN });
    expect(writeCommands(sfnMock)).toEqual([]);
    expect(lock.released).toEqual([
      {
        status: 'FAILED',
        endedAt: at(900),
        error: 'DeploymentRecovered',
        cause: 'Deployer execution deploy-orders-42 ended FAILED before shifting any traffic',
      },
    ]);
  });

  it('does nothing while the execution runs', async () => {
    const lock = leftBehind();

    const recovery = await recover(statusChange('RUNNING'), deps(lock));

    expect(recovery).toEqual({ action: 'none' });
    expect(lock.calls).toEqual([]);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('does nothing the second time it hears of the same end', async () => {
    let routing: RoutingEntry[] = [entry(version(3), 20), entry(version(2), 80)];
    sfnMock
      .on(DescribeStateMachineAliasCommand)
      .callsFake(() => ({ stateMachineAliasArn: ALIAS_ARN, routingConfiguration: routing }));
    sfnMock
      .on(UpdateStateMachineAliasCommand)
      .callsFake((input: { routingConfiguration: RoutingEntry[] }) => {
        routing = input.routingConfiguration;
        return {};
      });
    const lock = leftBehind();

    await recover(statusChange('ABORTED'), deps(lock));
    const again = await recover(statusChange('ABORTED'), deps(lock));

    expect(again).toEqual({ action: 'none' });
    expect(sfnMock).toHaveReceivedCommandTimes(UpdateStateMachineAliasCommand, 1);
    expect(lock.released).toHaveLength(1);
  });
});

describe('the sweep', () => {
  it('recovers every lock whose owner has ended or no longer exists, and leaves running ones alone', async () => {
    // Arrange: orders' deployer was stopped (its event was lost); payments' is running; a third expired.
    givenAliasRoutes([entry(version(3), 20), entry(version(2), 80)]);
    const EXPIRED = EXECUTION_ARN.replace('deploy-orders-42', 'deploy-old-1');
    const lock = leftBehind();
    lock.held.set(PAYMENTS_ALIAS, {
      aliasArn: PAYMENTS_ALIAS,
      owner: OTHER_EXECUTION,
      recordKey: 'DEPLOYMENT#p',
      acquiredAt: at(0),
    });
    const oldAlias = ALIAS_ARN.replace(':live', ':beta');
    lock.held.set(oldAlias, {
      aliasArn: oldAlias,
      owner: EXPIRED,
      recordKey: 'DEPLOYMENT#o',
      acquiredAt: at(0),
    });
    sfnMock.on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN }).resolves({ status: 'ABORTED' });
    sfnMock.on(DescribeExecutionCommand, { executionArn: OTHER_EXECUTION }).resolves({ status: 'RUNNING' });
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: EXPIRED })
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));

    // Act
    const result = await sweep(deps(lock));

    // Assert
    expect(result.locks).toBe(3);
    expect(result.recovered.map((recovery) => [recovery.aliasArn, recovery.action])).toEqual([
      [ALIAS_ARN, 'rolled-back'],
      [oldAlias, 'released'],
    ]);
    expect([...lock.held.keys()]).toEqual([PAYMENTS_ALIAS]);
  });

  it('takes over a recovery that stalled, and only once it is stale', async () => {
    givenAliasRoutes([entry(version(3), 20), entry(version(2), 80)]);
    const lock = leftBehind();
    lock.held.get(ALIAS_ARN)!.recovering = new Date(
      Date.parse(at(900)) - STALE_RECOVERY_MS + 1000,
    ).toISOString();

    expect((await sweep(deps(lock))).recovered).toEqual([]);

    lock.held.get(ALIAS_ARN)!.recovering = new Date(Date.parse(at(900)) - STALE_RECOVERY_MS).toISOString();
    expect((await sweep(deps(lock))).recovered).toMatchObject([
      { action: 'rolled-back', aliasArn: ALIAS_ARN },
    ]);
    expect(sfnMock).not.toHaveReceivedCommand(DescribeExecutionCommand);
  });

  it('recovers the rest when one lock fails, then fails naming how many could not be recovered', async () => {
    givenAliasRoutes([entry(version(2), 100)]);
    const lock = leftBehind();
    lock.held.set(PAYMENTS_ALIAS, {
      aliasArn: PAYMENTS_ALIAS,
      owner: OTHER_EXECUTION,
      recordKey: 'DEPLOYMENT#p',
      acquiredAt: at(0),
    });
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN })
      .rejects(new Error('socket hang up'));
    sfnMock.on(DescribeExecutionCommand, { executionArn: OTHER_EXECUTION }).resolves({ status: 'FAILED' });

    await expect(sweep(deps(lock))).rejects.toThrow('Could not recover 1 of 2 locks');
    expect([...lock.held.keys()]).toEqual([ALIAS_ARN]);
  });
});
