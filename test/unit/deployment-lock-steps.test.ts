/**
 * One deployment per alias, as each step of the deployer uses the lock:
 * publish-version takes it, the loop records progress, every outcome frees
 * it, and recovery cleans up after a deployer execution that ended holding it.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  ConflictException,
  CreateStateMachineAliasCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  ResourceNotFound,
  SFNClient,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAlarms } from '../../lambda/check-alarms';
import { pruneVersions } from '../../lambda/prune-versions';
import { publishVersion, type PublishVersionEvent } from '../../lambda/publish-version';
import { type ExecutionStatusChange, recover, rollBack } from '../../lambda/rollback';
import type { DeployerState } from '../../lambda/shared/deployment';
import type { RoutingEntry } from '../../lambda/shared/routing';
import { shiftWeight } from '../../lambda/shift-weight';
import { FakeDeploymentLock } from './fake-lock';
import {
  ACCOUNT,
  ALIAS_ARN,
  at,
  commandNames,
  entry,
  EXECUTION_ARN,
  loopState,
  STATE_MACHINE_ARN,
  T0,
  version,
  writeCommands,
} from './fixtures';

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);

const OTHER_EXECUTION = EXECUTION_ARN.replace('deploy-orders-42', 'deploy-orders-41');
const DEPLOYER_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:sfn-deployer`;

const clients = () => ({ sfn: new SFNClient({}), cloudWatch: new CloudWatchClient({}) });

function givenAliasRoutes(routing: RoutingEntry[] | 'missing'): void {
  if (routing === 'missing') {
    sfnMock
      .on(DescribeStateMachineAliasCommand)
      .rejects(new ResourceNotFound({ message: 'Request references a resource that does not exist.', $metadata: {} }));
  } else {
    sfnMock.on(DescribeStateMachineAliasCommand).resolves({ stateMachineAliasArn: ALIAS_ARN, routingConfiguration: routing });
  }
  sfnMock.on(UpdateStateMachineAliasCommand).resolves({ updateDate: T0 });
}

beforeEach(() => {
  sfnMock.reset();
  cloudWatchMock.reset();
});

describe('publish-version with the lock', () => {
  /** orders at rev-7 with versions up to 3, publishing orders:4; live as given. */
  function givenTarget(alias: RoutingEntry[] | 'missing' = [entry(version(2), 100)]): void {
    sfnMock.on(DescribeStateMachineCommand).resolves({ stateMachineArn: STATE_MACHINE_ARN, revisionId: 'rev-7' });
    givenAliasRoutes(alias);
    sfnMock
      .on(ListStateMachineVersionsCommand)
      .resolves({ stateMachineVersions: [{ stateMachineVersionArn: version(3), creationDate: T0 }] });
    sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: T0, revisionId: 'rev-8' });
    sfnMock.on(PublishStateMachineVersionCommand).resolves({ stateMachineVersionArn: version(4), creationDate: T0 });
    sfnMock.on(CreateStateMachineAliasCommand).resolves({ stateMachineAliasArn: ALIAS_ARN, creationDate: T0 });
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
  }

  function event(request: Record<string, unknown> = {}): PublishVersionEvent {
    return { request: { stateMachine: 'orders', alias: 'live', ...request }, now: T0.toISOString(), executionArn: EXECUTION_ARN };
  }

  it('takes the alias for its execution after the read-only checks and before the first write', async () => {
    // Arrange
    givenTarget();
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'orders-failures', StateValue: 'OK', StateReason: 'fine' }],
      CompositeAlarms: [],
    });
    const lock = new FakeDeploymentLock();
    let callsWhenAcquired: string[] = [];
    const acquire = lock.acquire.bind(lock);
    lock.acquire = async (claim) => {
      callsWhenAcquired = [...commandNames(sfnMock), ...commandNames(cloudWatchMock)];
      return acquire(claim);
    };

    // Act
    await publishVersion(event({ strategy: 'linear', increment: 20, publishRevision: true, alarms: ['orders-failures'] }), {
      ...clients(),
      lock,
    });

    // Assert
    expect(lock.calls[0]).toEqual({
      method: 'acquire',
      claim: {
        aliasArn: ALIAS_ARN,
        stateMachineArn: STATE_MACHINE_ARN,
        owner: EXECUTION_ARN,
        startedAt: T0.toISOString(),
        strategy: 'linear',
      },
    });
    expect(callsWhenAcquired).toEqual(['DescribeStateMachineCommand', 'DescribeStateMachineAliasCommand', 'DescribeAlarmsCommand']);
    expect(writeCommands(sfnMock)).toEqual(['PublishStateMachineVersionCommand']);
  });

  it('records origin and target on the lock and keeps it for the loop', async () => {
    givenTarget();
    const lock = new FakeDeploymentLock();

    await publishVersion(event({ strategy: 'canary', increment: 10, publishRevision: true }), { ...clients(), lock });

    expect(lock.methods()).toEqual(['acquire', 'update']);
    expect(lock.calls[1]).toEqual({
      method: 'update',
      aliasArn: ALIAS_ARN,
      owner: EXECUTION_ARN,
      progress: { originVersionArn: version(2), targetVersionArn: version(4) },
    });
    expect(lock.held.get(ALIAS_ARN)).toMatchObject({ owner: EXECUTION_ARN, originVersionArn: version(2), targetVersionArn: version(4) });
  });

  it.each([
    ['an invalid request', { increment: 0 }, 'InvalidDeployRequest'],
    ['a version of another state machine', { version: 'arn:aws:states:us-east-1:123456789012:stateMachine:payments:3' }, 'InvalidDeployRequest'],
    ['a missing alarm', { alarms: ['orders-failures'] }, 'AlarmNotFound'],
    ['a missing version', { version: 9 }, 'VersionNotFound'],
  ])('never touches the lock for %s', async (_case, request, error) => {
    givenTarget();
    sfnMock.on(DescribeStateMachineCommand, { stateMachineArn: version(9) }).rejects(
      new ResourceNotFound({ message: 'Version does not exist', $metadata: {} }),
    );
    const lock = new FakeDeploymentLock();

    await expect(publishVersion(event(request), { ...clients(), lock })).rejects.toMatchObject({ name: error });

    expect(lock.calls).toEqual([]);
    expect(writeCommands(sfnMock)).toEqual([]);
  });

  it('never touches the lock when the alias is split by an unfinished deployment', async () => {
    givenTarget([entry(version(3), 30), entry(version(2), 70)]);
    const lock = new FakeDeploymentLock();

    await expect(publishVersion(event(), { ...clients(), lock })).rejects.toMatchObject({ name: 'DeploymentInProgress' });

    expect(lock.calls).toEqual([]);
  });

  it('fails with DeploymentInProgress naming the execution that holds the alias, writing nothing', async () => {
    // Arrange
    givenTarget();
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: OTHER_EXECUTION, acquiredAt: at(-600) });

    // Act
    const rejection = publishVersion(event({ definition: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } } }), {
      ...clients(),
      lock,
    });

    // Assert
    await expect(rejection).rejects.toMatchObject({
      name: 'DeploymentInProgress',
      message: expect.stringContaining(`${OTHER_EXECUTION} since ${at(-600)}`),
    });
    expect(writeCommands(sfnMock)).toEqual([]);
    expect(lock.methods()).toEqual(['acquire']);
    expect(lock.held.get(ALIAS_ARN)?.owner).toBe(OTHER_EXECUTION);
  });

  it('frees the alias as CREATED_ALIAS when it creates the alias', async () => {
    givenTarget('missing');
    const lock = new FakeDeploymentLock();

    await publishVersion(event(), { ...clients(), lock });

    expect(lock.released).toEqual([
      { status: 'CREATED_ALIAS', endedAt: T0.toISOString(), targetVersionArn: version(3), timeline: [{ at: T0.toISOString(), weight: 100 }] },
    ]);
    expect(lock.held.size).toBe(0);
  });

  it('frees the alias as NO_CHANGE when the alias already serves the version', async () => {
    givenTarget([entry(version(3), 100)]);
    const lock = new FakeDeploymentLock();

    await publishVersion(event(), { ...clients(), lock });

    expect(lock.released).toEqual([{ status: 'NO_CHANGE', endedAt: T0.toISOString(), targetVersionArn: version(3) }]);
    expect(lock.held.size).toBe(0);
  });

  it('frees the alias as FAILED when publishing fails, and fails with the publishing error', async () => {
    // Arrange
    givenTarget();
    sfnMock.on(PublishStateMachineVersionCommand).rejects(new ConflictException({ message: 'revision changed', $metadata: {} }));
    const lock = new FakeDeploymentLock();

    // Act
    const rejection = publishVersion(event({ publishRevision: true }), { ...clients(), lock });

    // Assert
    await expect(rejection).rejects.toMatchObject({ name: 'RevisionConflict' });
    expect(lock.released).toEqual([
      { status: 'FAILED', endedAt: T0.toISOString(), cause: expect.stringMatching(/^RevisionConflict: State machine .* changed/) },
    ]);
    expect(lock.held.size).toBe(0);
  });

  it('fails with the publishing error even when freeing the alias fails too', async () => {
    givenTarget();
    sfnMock.on(PublishStateMachineVersionCommand).rejects(new ConflictException({ message: 'revision changed', $metadata: {} }));
    const lock = new FakeDeploymentLock();
    lock.failing.release = new Error('DynamoDB is unavailable');

    await expect(publishVersion(event({ publishRevision: true }), { ...clients(), lock })).rejects.toMatchObject({
      name: 'RevisionConflict',
    });
    expect(lock.methods()).toEqual(['acquire', 'release']);
  });

  it('fails with the lock error, writing nothing, when the lock cannot be taken', async () => {
    givenTarget();
    const lock = new FakeDeploymentLock();
    lock.failing.acquire = new Error('ProvisionedThroughputExceededException');

    await expect(publishVersion(event({ publishRevision: true }), { ...clients(), lock })).rejects.toThrow(
      'ProvisionedThroughputExceededException',
    );
    expect(writeCommands(sfnMock)).toEqual([]);
  });
});

describe('shift-weight with the lock', () => {
  const linear = (routing: RoutingEntry[]) =>
    loopState({ strategy: 'linear', increment: 10, intervalSeconds: 300 }, { routing, stepIndex: 1, timeline: [{ at: at(0), weight: 10 }] });

  it('records the timeline after each shift', async () => {
    givenAliasRoutes([entry(version(3), 10), entry(version(2), 90)]);
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    await shiftWeight({ state: linear([entry(version(3), 10), entry(version(2), 90)]), now: at(300) }, { sfn: new SFNClient({}), lock });

    expect(lock.calls).toEqual([
      {
        method: 'update',
        aliasArn: ALIAS_ARN,
        owner: EXECUTION_ARN,
        progress: {
          timeline: [
            { at: at(0), weight: 10 },
            { at: at(300), weight: 20 },
          ],
        },
      },
    ]);
  });

  it('frees the alias as DRIFTED and fails with AliasDrift when someone else changed the alias', async () => {
    // Arrange
    givenAliasRoutes([entry(version(5), 100)]);
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    // Act
    const rejection = shiftWeight(
      { state: linear([entry(version(3), 10), entry(version(2), 90)]), now: at(300) },
      { sfn: new SFNClient({}), lock },
    );

    // Assert
    await expect(rejection).rejects.toMatchObject({ name: 'AliasDrift' });
    const error = (await rejection.catch((caught: unknown) => caught)) as Error;
    expect(lock.released).toEqual([
      { status: 'DRIFTED', endedAt: at(300), timeline: [{ at: at(0), weight: 10 }], cause: error.message },
    ]);
    expect(error.message).toContain('found [orders:5 = 100%]');
    expect(sfnMock).not.toHaveReceivedCommand(UpdateStateMachineAliasCommand);
  });
});

describe('check-alarms with the lock', () => {
  it('frees the alias as DRIFTED and fails with AliasDrift when someone else changed the alias', async () => {
    // Arrange
    givenAliasRoutes([entry(version(2), 100)]);
    const state = loopState(
      { strategy: 'linear', increment: 10, alarms: ['orders-failures'] },
      {
        routing: [entry(version(3), 10), entry(version(2), 90)],
        timeline: [{ at: at(0), weight: 10 }],
        stepEndsAt: at(120),
        next: 'POLL',
      },
    );
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    // Act
    const rejection = checkAlarms({ state, now: at(60) }, { ...clients(), lock });

    // Assert
    await expect(rejection).rejects.toMatchObject({ name: 'AliasDrift' });
    const error = (await rejection.catch((caught: unknown) => caught)) as Error;
    expect(lock.released).toEqual([
      { status: 'DRIFTED', endedAt: at(60), timeline: [{ at: at(0), weight: 10 }], cause: error.message },
    ]);
    expect(cloudWatchMock.calls()).toHaveLength(0);
  });

  it('leaves the lock alone on a healthy poll', async () => {
    givenAliasRoutes([entry(version(3), 10), entry(version(2), 90)]);
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
    const state = loopState({}, { routing: [entry(version(3), 10), entry(version(2), 90)], stepEndsAt: at(120), next: 'POLL' });
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    await checkAlarms({ state, now: at(60) }, { ...clients(), lock });

    expect(lock.calls).toEqual([]);
  });
});

describe('rollback with the lock', () => {
  it('frees the alias as ROLLED_BACK with the cause and the timeline', async () => {
    // Arrange
    givenAliasRoutes([entry(version(3), 20), entry(version(2), 80)]);
    const state = loopState(
      { strategy: 'linear', increment: 10, alarms: ['orders-failures'] },
      {
        routing: [entry(version(3), 20), entry(version(2), 80)],
        timeline: [
          { at: at(0), weight: 10 },
          { at: at(120), weight: 20 },
        ],
        next: 'ROLL_BACK',
        firedAlarms: ['orders-failures is ALARM: Threshold Crossed'],
      },
    );
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    // Act
    const next = await rollBack({ state, now: at(150) }, { sfn: new SFNClient({}), lock });

    // Assert
    expect(lock.released).toEqual([
      {
        status: 'ROLLED_BACK',
        endedAt: at(150),
        cause: next.deployment?.rollbackCause,
        timeline: [
          { at: at(0), weight: 10 },
          { at: at(120), weight: 20 },
          { at: at(150), weight: 0 },
        ],
      },
    ]);
    expect(next.deployment?.rollbackCause).toContain('alarms fired: orders-failures is ALARM');
    expect(lock.held.size).toBe(0);
  });
});

describe('prune-versions with the lock', () => {
  function givenVersions(newest: number): void {
    sfnMock.on(ListStateMachineVersionsCommand).resolves({
      stateMachineVersions: Array.from({ length: newest }, (_, index) => ({ stateMachineVersionArn: version(newest - index), creationDate: T0 })),
    });
    sfnMock.on(ListStateMachineAliasesCommand).resolves({ stateMachineAliases: [{ stateMachineAliasArn: ALIAS_ARN, creationDate: T0 }] });
    givenAliasRoutes([entry(version(3), 100)]);
    sfnMock.on(DeleteStateMachineVersionCommand).resolves({});
  }

  const promoted = (): DeployerState =>
    loopState(
      { historyMax: 2 },
      { routing: [entry(version(3), 100)], timeline: [{ at: at(0), weight: 100 }], next: 'FINISH' },
    );

  it('frees the alias as PROMOTED once pruning is finished', async () => {
    givenVersions(3);
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    const next = await pruneVersions({ state: promoted(), now: at(240) }, { sfn: new SFNClient({}), lock });

    expect(next.deployment?.next).toBe('FINISH');
    expect(lock.released).toEqual([{ status: 'PROMOTED', endedAt: at(240), timeline: [{ at: at(0), weight: 100 }] }]);
  });

  it('keeps the alias while pruning goes on in another invocation', async () => {
    givenVersions(8);
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    const next = await pruneVersions({ state: promoted(), now: at(240) }, { sfn: new SFNClient({}), lock, timeLeftMs: () => 1_000 });

    expect(next.deployment?.next).toBe('PRUNE');
    expect(lock.calls).toEqual([]);
    expect(lock.held.get(ALIAS_ARN)?.owner).toBe(EXECUTION_ARN);
  });
});

describe('recover', () => {
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

  const deps = (lock: FakeDeploymentLock) => ({ sfn: new SFNClient({}), lock });

  it('does nothing when the execution holds no lock', async () => {
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: OTHER_EXECUTION });

    const recovery = await recover(statusChange('ABORTED'), deps(lock));

    expect(recovery).toEqual({ action: 'none' });
    expect(sfnMock.calls()).toHaveLength(0);
    expect(lock.methods()).toEqual(['heldBy']);
  });

  it('frees the alias as PROMOTED after a success, leaving the alias alone', async () => {
    const lock = leftBehind();

    const recovery = await recover(statusChange('SUCCEEDED'), deps(lock));

    expect(recovery).toEqual({ action: 'released', aliasArn: ALIAS_ARN });
    expect(lock.released).toEqual([{ status: 'PROMOTED', endedAt: at(900) }]);
    expect(writeCommands(sfnMock)).toEqual([]);
  });

  it.each(['ABORTED', 'TIMED_OUT', 'FAILED'])(
    'rolls the alias back to the origin and frees it as ROLLED_BACK when the execution ended %s mid-shift',
    async (status) => {
      // Arrange
      givenAliasRoutes([entry(version(3), 20), entry(version(2), 80)]);
      const lock = leftBehind();

      // Act
      const recovery = await recover(statusChange(status), deps(lock));

      // Assert
      expect(recovery).toEqual({ action: 'rolled-back', aliasArn: ALIAS_ARN });
      expect(sfnMock).toHaveReceivedCommandTimes(UpdateStateMachineAliasCommand, 1);
      expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
        stateMachineAliasArn: ALIAS_ARN,
        routingConfiguration: [{ stateMachineVersionArn: version(2), weight: 100 }],
      });
      expect(lock.released).toEqual([
        {
          status: 'ROLLED_BACK',
          endedAt: at(900),
          cause: `Deployer execution deploy-orders-42 ended ${status}: rolled back alias to orders:2 (100%)`,
        },
      ]);
    },
  );

  it.each([
    ["someone else's routing", [entry(version(5), 100)], 'routes [orders:5 = 100%]'],
    ['the alias already rolled back', [entry(version(2), 100)], 'routes [orders:2 = 100%]'],
    ['the alias deleted', 'missing' as const, 'was deleted'],
  ])('frees the alias without writing it when it no longer serves the target: %s', async (_case, routing, found) => {
    givenAliasRoutes(routing);
    const lock = leftBehind();

    const recovery = await recover(statusChange('ABORTED'), deps(lock));

    expect(recovery).toEqual({ action: 'released', aliasArn: ALIAS_ARN });
    expect(writeCommands(sfnMock)).toEqual([]);
    expect(lock.released).toEqual([
      {
        status: 'FAILED',
        endedAt: at(900),
        cause: `Deployer execution deploy-orders-42 ended ABORTED; alias ${found}, not orders:3: left as it was`,
      },
    ]);
    expect(lock.held.size).toBe(0);
  });

  it('frees the alias as FAILED when the execution ended before recording a target', async () => {
    givenAliasRoutes([entry(version(2), 100)]);
    const lock = leftBehind(false);

    const recovery = await recover(statusChange('FAILED'), deps(lock));

    expect(recovery).toEqual({ action: 'released', aliasArn: ALIAS_ARN });
    expect(writeCommands(sfnMock)).toEqual([]);
    expect(lock.released).toEqual([
      { status: 'FAILED', endedAt: at(900), cause: 'Deployer execution deploy-orders-42 ended FAILED before shifting any traffic' },
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
    givenAliasRoutes([entry(version(3), 20), entry(version(2), 80)]);
    const lock = leftBehind();

    await recover(statusChange('ABORTED'), deps(lock));
    const again = await recover(statusChange('ABORTED'), deps(lock));

    expect(again).toEqual({ action: 'none' });
    expect(sfnMock).toHaveReceivedCommandTimes(UpdateStateMachineAliasCommand, 1);
    expect(lock.released).toHaveLength(1);
  });
});
