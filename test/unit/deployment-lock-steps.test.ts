/**
 * One deployment per alias, as each step of the deployer uses the lock:
 * publish-version takes it (recovering a stale one) or resumes the loop it
 * was handed, the loop checks it before every alias write and records
 * progress, check-alarms records the promotion before pruning, and every
 * other outcome frees it. Recovery is in recover-deployments.test.ts.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  ConflictException,
  CreateStateMachineAliasCommand,
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  ResourceNotFound,
  SFNClient,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { checkAlarms } from '../../lambda/check-alarms';
import { publishVersion, type PublishVersionEvent } from '../../lambda/publish-version';
import { rollBack } from '../../lambda/rollback';
import type { DeployerState } from '../../lambda/shared/deployment';
import type { RoutingEntry } from '../../lambda/shared/routing';
import { shiftWeight } from '../../lambda/shift-weight';
import { FakeDeploymentLock } from './fake-lock';
import {
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
  throttling,
} from './fixtures';

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);

const OTHER_EXECUTION = EXECUTION_ARN.replace('deploy-orders-42', 'deploy-orders-41');
const noSleep = async () => undefined;

const clients = () => ({ sfn: new SFNClient({}), cloudWatch: new CloudWatchClient({}) });

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
  sfnMock.on(UpdateStateMachineAliasCommand).resolves({ updateDate: T0 });
}

beforeEach(() => {
  sfnMock.reset();
  cloudWatchMock.reset();
});

describe('publish-version with the lock', () => {
  /** orders at rev-7 with versions up to 3, publishing orders:4; live as given. */
  function givenTarget(alias: RoutingEntry[] | 'missing' = [entry(version(2), 100)]): void {
    sfnMock
      .on(DescribeStateMachineCommand)
      .resolves({ stateMachineArn: STATE_MACHINE_ARN, revisionId: 'rev-7' });
    givenAliasRoutes(alias);
    sfnMock
      .on(ListStateMachineVersionsCommand)
      .resolves({ stateMachineVersions: [{ stateMachineVersionArn: version(3), creationDate: T0 }] });
    sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: T0, revisionId: 'rev-8' });
    sfnMock
      .on(PublishStateMachineVersionCommand)
      .resolves({ stateMachineVersionArn: version(4), creationDate: T0 });
    sfnMock
      .on(CreateStateMachineAliasCommand)
      .resolves({ stateMachineAliasArn: ALIAS_ARN, creationDate: T0 });
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
  }

  function event(request: Record<string, unknown> = {}): PublishVersionEvent {
    return {
      request: { stateMachine: 'orders', alias: 'live', ...request },
      now: T0.toISOString(),
      executionArn: EXECUTION_ARN,
    };
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
    await publishVersion(
      event({ strategy: 'linear', increment: 20, publishRevision: true, alarms: ['orders-failures'] }),
      {
        ...clients(),
        lock,
      },
    );

    // Assert
    expect(lock.calls.find((call) => call.method === 'acquire')).toEqual({
      method: 'acquire',
      claim: {
        aliasArn: ALIAS_ARN,
        stateMachineArn: STATE_MACHINE_ARN,
        owner: EXECUTION_ARN,
        startedAt: T0.toISOString(),
        strategy: 'linear',
        // What an alarm event needs to find the deployments to wake.
        alarms: ['orders-failures'],
        failOnInsufficientData: false,
        judgesExecutions: false,
      },
    });
    expect(callsWhenAcquired).toEqual([
      'DescribeStateMachineCommand',
      'DescribeStateMachineAliasCommand',
      'DescribeAlarmsCommand',
    ]);
    expect(writeCommands(sfnMock)).toEqual(['PublishStateMachineVersionCommand']);
  });

  it('records origin and target on the lock and keeps it for the loop', async () => {
    givenTarget();
    const lock = new FakeDeploymentLock();

    await publishVersion(event({ strategy: 'canary', increment: 10, publishRevision: true }), {
      ...clients(),
      lock,
    });

    expect(lock.writes()).toEqual(['acquire', 'update']);
    expect(lock.calls.find((call) => call.method === 'update')).toEqual({
      method: 'update',
      aliasArn: ALIAS_ARN,
      owner: EXECUTION_ARN,
      progress: { originVersionArn: version(2), targetVersionArn: version(4) },
    });
    expect(lock.held.get(ALIAS_ARN)).toMatchObject({
      owner: EXECUTION_ARN,
      originVersionArn: version(2),
      targetVersionArn: version(4),
    });
  });

  it.each([
    ['an invalid request', { increment: 0 }, 'InvalidDeployRequest'],
    [
      'a version of another state machine',
      { version: 'arn:aws:states:us-east-1:123456789012:stateMachine:payments:3' },
      'InvalidDeployRequest',
    ],
    ['a missing alarm', { alarms: ['orders-failures'] }, 'AlarmNotFound'],
    ['a missing version', { version: 9 }, 'VersionNotFound'],
  ])('never touches the lock for %s', async (_case, request, error) => {
    givenTarget();
    sfnMock
      .on(DescribeStateMachineCommand, { stateMachineArn: version(9) })
      .rejects(new ResourceNotFound({ message: 'Version does not exist', $metadata: {} }));
    const lock = new FakeDeploymentLock();

    await expect(publishVersion(event(request), { ...clients(), lock })).rejects.toMatchObject({
      name: error,
    });

    expect(lock.writes()).toEqual([]);
    expect(writeCommands(sfnMock)).toEqual([]);
  });

  it('never touches the lock when the alias is split by an unfinished deployment', async () => {
    givenTarget([entry(version(3), 30), entry(version(2), 70)]);
    const lock = new FakeDeploymentLock();

    await expect(publishVersion(event(), { ...clients(), lock })).rejects.toMatchObject({
      name: 'DeploymentInProgress',
    });

    expect(lock.writes()).toEqual([]);
  });

  it('fails with DeploymentInProgress naming the execution that holds the alias, writing nothing', async () => {
    // Arrange
    givenTarget();
    const lock = FakeDeploymentLock.holding({
      aliasArn: ALIAS_ARN,
      owner: OTHER_EXECUTION,
      acquiredAt: at(-600),
    });
    sfnMock.on(DescribeExecutionCommand, { executionArn: OTHER_EXECUTION }).resolves({ status: 'RUNNING' });

    // Act
    const rejection = publishVersion(
      event({ definition: { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } } }),
      {
        ...clients(),
        lock,
      },
    );

    // Assert
    await expect(rejection).rejects.toMatchObject({
      name: 'DeploymentInProgress',
      message: expect.stringContaining(`${OTHER_EXECUTION} since ${at(-600)}`),
    });
    expect(writeCommands(sfnMock)).toEqual([]);
    expect(lock.writes()).toEqual([]);
    expect(lock.held.get(ALIAS_ARN)?.owner).toBe(OTHER_EXECUTION);
  });

  it('frees the alias as CREATED_ALIAS when it creates the alias', async () => {
    givenTarget('missing');
    const lock = new FakeDeploymentLock();

    await publishVersion(event(), { ...clients(), lock });

    expect(lock.released).toEqual([
      {
        status: 'CREATED_ALIAS',
        endedAt: T0.toISOString(),
        targetVersionArn: version(3),
        timeline: [{ at: T0.toISOString(), weight: 100 }],
      },
    ]);
    expect(lock.held.size).toBe(0);
  });

  it('frees the alias as NO_CHANGE when the alias already serves the version', async () => {
    givenTarget([entry(version(3), 100)]);
    const lock = new FakeDeploymentLock();

    await publishVersion(event(), { ...clients(), lock });

    expect(lock.released).toEqual([
      { status: 'NO_CHANGE', endedAt: T0.toISOString(), targetVersionArn: version(3) },
    ]);
    expect(lock.held.size).toBe(0);
  });

  it('frees the alias as FAILED when publishing fails, and fails with the publishing error', async () => {
    // Arrange
    givenTarget();
    sfnMock
      .on(PublishStateMachineVersionCommand)
      .rejects(new ConflictException({ message: 'revision changed', $metadata: {} }));
    const lock = new FakeDeploymentLock();

    // Act
    const rejection = publishVersion(event({ publishRevision: true }), { ...clients(), lock });

    // Assert
    await expect(rejection).rejects.toMatchObject({ name: 'RevisionConflict' });
    expect(lock.released).toEqual([
      {
        status: 'FAILED',
        endedAt: T0.toISOString(),
        error: 'RevisionConflict',
        cause: expect.stringMatching(/^RevisionConflict: State machine .* changed/),
      },
    ]);
    expect(lock.held.size).toBe(0);
  });

  it('fails with the publishing error even when freeing the alias fails too', async () => {
    givenTarget();
    sfnMock
      .on(PublishStateMachineVersionCommand)
      .rejects(new ConflictException({ message: 'revision changed', $metadata: {} }));
    const lock = new FakeDeploymentLock();
    lock.failing.release = new Error('DynamoDB is unavailable');

    await expect(
      publishVersion(event({ publishRevision: true }), { ...clients(), lock }),
    ).rejects.toMatchObject({
      name: 'RevisionConflict',
    });
    expect(lock.writes()).toEqual(['acquire', 'release']);
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
    loopState(
      { strategy: 'linear', increment: 10, intervalSeconds: 300 },
      { routing, stepIndex: 1, timeline: [{ at: at(0), weight: 10 }] },
    );

  it('records the timeline after each shift', async () => {
    givenAliasRoutes([entry(version(3), 10), entry(version(2), 90)]);
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    await shiftWeight(
      { state: linear([entry(version(3), 10), entry(version(2), 90)]), now: at(300) },
      { sfn: new SFNClient({}), lock },
    );

    expect(lock.methods()).toEqual(['assertHeld', 'update']);
    expect(lock.calls.at(-1)).toEqual({
      method: 'update',
      aliasArn: ALIAS_ARN,
      owner: EXECUTION_ARN,
      progress: {
        timeline: [
          { at: at(0), weight: 10 },
          { at: at(300), weight: 20 },
        ],
      },
    });
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
      {
        status: 'DRIFTED',
        endedAt: at(300),
        timeline: [{ at: at(0), weight: 10 }],
        error: 'AliasDrift',
        cause: error.message,
      },
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
      {
        status: 'DRIFTED',
        endedAt: at(60),
        timeline: [{ at: at(0), weight: 10 }],
        error: 'AliasDrift',
        cause: error.message,
      },
    ]);
    expect(cloudWatchMock.calls()).toHaveLength(0);
  });

  it('leaves the lock alone on a healthy poll', async () => {
    givenAliasRoutes([entry(version(3), 10), entry(version(2), 90)]);
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
    const state = loopState(
      {},
      { routing: [entry(version(3), 10), entry(version(2), 90)], stepEndsAt: at(120), next: 'POLL' },
    );
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    await checkAlarms({ state, now: at(60) }, { ...clients(), lock });

    // Taking the (empty) signals is the check that the lock is still held; nothing else is written.
    expect(lock.methods()).toEqual(['takeSignals']);
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
        error: 'DeploymentRolledBack',
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

describe('publish-version: only the deployer resumes a deployment', () => {
  const handed = (): DeployerState =>
    loopState(
      {},
      {
        routing: [entry(version(3), 10), entry(version(2), 90)],
        timeline: [{ at: at(0), weight: 10 }],
        next: 'CONTINUE',
        resumeWith: 'POLL',
        handoffTo: 'continue-2-abc',
        segments: 1,
        eventsUsed: 19_990,
      },
    );
  const CHILD = EXECUTION_ARN.replace('deploy-orders-42', 'continue-2-abc');

  it.each([
    [
      'the loop state',
      { request: { stateMachine: 'orders', alias: 'live' }, deployment: { aliasArn: ALIAS_ARN } },
    ],
    ['a deployment only', { stateMachine: 'orders', alias: 'live', deployment: { next: 'SHIFT' } }],
    ['a result', { result: { outcome: 'PROMOTED' } }],
  ])(
    'refuses input carrying %s with InvalidDeployRequest, reading and writing nothing',
    async (_case, request) => {
      const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: OTHER_EXECUTION });

      const rejection = publishVersion(
        { request, now: T0.toISOString(), executionArn: EXECUTION_ARN },
        { ...clients(), lock },
      );

      await expect(rejection).rejects.toMatchObject({
        name: 'InvalidDeployRequest',
        message: expect.stringContaining('which only the deployer passes between its own steps'),
      });
      expect(sfnMock.calls()).toHaveLength(0);
      expect(cloudWatchMock.calls()).toHaveLength(0);
      expect(lock.calls).toEqual([]);
    },
  );

  it('resumes the loop handed to this execution by name, from the state on the lock, once', async () => {
    // Arrange
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });
    await lock.handOff(ALIAS_ARN, EXECUTION_ARN, {
      executionName: 'continue-2-abc',
      state: JSON.stringify(handed()),
    });
    const input = {
      continuation: { aliasArn: ALIAS_ARN },
      AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: EXECUTION_ARN,
    };

    // Act
    const state = await publishVersion(
      { request: input, now: at(600), executionArn: CHILD, retries: 1 },
      { ...clients(), lock },
    );
    const retried = await publishVersion(
      { request: input, now: at(601), executionArn: CHILD },
      { ...clients(), lock },
    );

    // Assert
    expect(state.deployment).toMatchObject({
      next: 'POLL',
      segments: 2,
      segmentExecutionArn: CHILD,
      eventsUsed: 8 + 3,
    });
    expect(state.deployment?.resumeWith).toBeUndefined();
    expect(state.deployment?.handoffTo).toBeUndefined();
    expect(retried.deployment).toMatchObject({ next: 'POLL', segments: 2 });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it.each([
    ['another name', EXECUTION_ARN.replace('deploy-orders-42', 'impostor')],
    ['the owner itself', EXECUTION_ARN],
  ])('refuses a continuation started under %s, touching nothing', async (_case, executionArn) => {
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });
    await lock.handOff(ALIAS_ARN, EXECUTION_ARN, {
      executionName: 'continue-2-abc',
      state: JSON.stringify(handed()),
    });

    const rejection = publishVersion(
      { request: { continuation: { aliasArn: ALIAS_ARN } }, now: at(600), executionArn },
      { ...clients(), lock },
    );

    await expect(rejection).rejects.toMatchObject({
      name: 'InvalidDeployRequest',
      message: expect.stringContaining('is not the continuation any deployment of'),
    });
    expect(sfnMock.calls()).toHaveLength(0);
    expect(lock.held.get(ALIAS_ARN)?.owner).toBe(EXECUTION_ARN);
  });

  it('refuses a continuation with anything besides the alias ARN', async () => {
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    const rejection = publishVersion(
      {
        request: { continuation: { aliasArn: ALIAS_ARN }, deployment: {} },
        now: at(600),
        executionArn: CHILD,
      },
      { ...clients(), lock },
    );

    await expect(rejection).rejects.toMatchObject({
      name: 'InvalidDeployRequest',
      message: expect.stringContaining('continuation must be'),
    });
    expect(lock.calls).toEqual([]);
  });
});

describe('publish-version: a lock left by an ended deployment', () => {
  function givenTarget(): void {
    sfnMock
      .on(DescribeStateMachineCommand)
      .resolves({ stateMachineArn: STATE_MACHINE_ARN, revisionId: 'rev-7' });
    sfnMock
      .on(ListStateMachineVersionsCommand)
      .resolves({ stateMachineVersions: [{ stateMachineVersionArn: version(3), creationDate: T0 }] });
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
    sfnMock.on(UpdateStateMachineAliasCommand).resolves({ updateDate: T0 });
  }

  it('recovers a lock whose owner was stopped, then takes the alias and plans from the restored routing', async () => {
    // Arrange: the old deployment left orders:4 at 20% and stopped; its status event never came.
    givenTarget();
    let routing = [entry(version(4), 20), entry(version(2), 80)];
    sfnMock
      .on(DescribeStateMachineAliasCommand)
      .callsFake(() => ({ stateMachineAliasArn: ALIAS_ARN, routingConfiguration: routing }));
    sfnMock
      .on(UpdateStateMachineAliasCommand)
      .callsFake((input: { routingConfiguration: RoutingEntry[] }) => {
        routing = input.routingConfiguration;
        return { updateDate: T0 };
      });
    sfnMock.on(DescribeExecutionCommand, { executionArn: OTHER_EXECUTION }).resolves({ status: 'ABORTED' });
    const lock = FakeDeploymentLock.holding({
      aliasArn: ALIAS_ARN,
      owner: OTHER_EXECUTION,
      originVersionArn: version(2),
      targetVersionArn: version(4),
      acquiredAt: at(-3600),
    });

    // Act: the split alias would be refused without force; recovery restores it first.
    const state = await publishVersion(
      {
        request: { stateMachine: 'orders', alias: 'live', force: false, strategy: 'canary' },
        now: T0.toISOString(),
        executionArn: EXECUTION_ARN,
      },
      { ...clients(), lock, sleep: noSleep },
    );

    // Assert
    expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
      stateMachineAliasArn: ALIAS_ARN,
      routingConfiguration: [{ stateMachineVersionArn: version(2), weight: 100 }],
    });
    expect(lock.released[0]).toMatchObject({ status: 'ROLLED_BACK', error: 'DeploymentRecovered' });
    expect(lock.held.get(ALIAS_ARN)?.owner).toBe(EXECUTION_ARN);
    expect(state.deployment).toMatchObject({
      originVersionArn: version(2),
      targetVersionArn: version(3),
      routing: [entry(version(2), 100)],
    });
  });

  it.each(['RUNNING', 'PENDING_REDRIVE'])(
    'leaves a lock whose owner is %s, failing DeploymentInProgress',
    async (status) => {
      givenTarget();
      givenAliasRoutes([entry(version(2), 100)]);
      sfnMock
        .on(DescribeExecutionCommand, { executionArn: OTHER_EXECUTION })
        .resolves({ status: status as 'RUNNING' });
      const lock = FakeDeploymentLock.holding({
        aliasArn: ALIAS_ARN,
        owner: OTHER_EXECUTION,
        originVersionArn: version(2),
        targetVersionArn: version(4),
      });

      await expect(
        publishVersion(
          {
            request: { stateMachine: 'orders', alias: 'live' },
            now: T0.toISOString(),
            executionArn: EXECUTION_ARN,
          },
          { ...clients(), lock },
        ),
      ).rejects.toMatchObject({ name: 'DeploymentInProgress' });
      expect(sfnMock).not.toHaveReceivedCommand(UpdateStateMachineAliasCommand);
      expect(lock.writes()).toEqual([]);
      expect(lock.held.get(ALIAS_ARN)?.owner).toBe(OTHER_EXECUTION);
    },
  );
});

describe('shift-weight: no write without the lock', () => {
  const state = () => loopState({ strategy: 'canary', increment: 10 }, { routing: [entry(version(2), 100)] });

  it('stops with DeploymentLockLost, writing nothing, when another deployment holds the alias', async () => {
    givenAliasRoutes([entry(version(2), 100)]);
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: OTHER_EXECUTION });

    await expect(
      shiftWeight({ state: state(), now: at(0) }, { sfn: new SFNClient({}), lock, sleep: noSleep }),
    ).rejects.toMatchObject({
      name: 'DeploymentLockLost',
    });
    expect(sfnMock).not.toHaveReceivedCommand(UpdateStateMachineAliasCommand);
  });

  it('checks the lock before every retry of a throttled write, and stops once recovery has taken it', async () => {
    // Arrange: the write is throttled; while it backs off, the deployer is stopped and recovery takes the lock.
    givenAliasRoutes([entry(version(2), 100)]);
    sfnMock.on(UpdateStateMachineAliasCommand).rejects(throttling());
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });
    let backoffs = 0;
    const sleep = async () => {
      backoffs += 1;
      if (backoffs === 2) await lock.beginRecovery(ALIAS_ARN, EXECUTION_ARN, at(30));
    };

    // Act
    const rejection = shiftWeight({ state: state(), now: at(0) }, { sfn: new SFNClient({}), lock, sleep });

    // Assert: two attempts before recovery, none after.
    await expect(rejection).rejects.toMatchObject({ name: 'DeploymentLockLost' });
    expect(sfnMock).toHaveReceivedCommandTimes(UpdateStateMachineAliasCommand, 2);
  });
});

describe('check-alarms: the promotion is recorded before pruning', () => {
  const baked = () =>
    loopState(
      { strategy: 'canary', increment: 10 },
      {
        routing: [entry(version(3), 100)],
        stepIndex: 1,
        stepEndsAt: at(300),
        timeline: [
          { at: at(0), weight: 10 },
          { at: at(300), weight: 100 },
        ],
        next: 'POLL',
      },
    );

  it('records PROMOTED and frees the alias when the last step has baked', async () => {
    givenAliasRoutes([entry(version(3), 100)]);
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    const next = await checkAlarms({ state: baked(), now: at(420) }, { ...clients(), lock });

    expect(next.deployment?.next).toBe('FINISH');
    expect(lock.writes()).toEqual(['takeSignals', 'promote']);
    expect(lock.released).toEqual([
      {
        status: 'PROMOTED',
        endedAt: at(420),
        originVersionArn: version(2),
        targetVersionArn: version(3),
        timeline: [
          { at: at(0), weight: 10 },
          { at: at(300), weight: 100 },
        ],
      },
    ]);
    expect(lock.held.size).toBe(0);
  });

  it('decides nothing when the deployment lost its lock: DeploymentLockLost', async () => {
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: OTHER_EXECUTION });

    await expect(checkAlarms({ state: baked(), now: at(420) }, { ...clients(), lock })).rejects.toMatchObject(
      { name: 'DeploymentLockLost' },
    );
    expect(sfnMock.calls()).toHaveLength(0);
    expect(cloudWatchMock.calls()).toHaveLength(0);
  });

  it('hands the loop over on the lock, by execution name, when the history budget is spent', async () => {
    givenAliasRoutes([entry(version(3), 10), entry(version(2), 90)]);
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [], CompositeAlarms: [] });
    const state = loopState(
      {},
      {
        routing: [entry(version(3), 10), entry(version(2), 90)],
        stepEndsAt: at(3600),
        eventsUsed: 19_990,
        next: 'POLL',
      },
    );
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: EXECUTION_ARN });

    const next = await checkAlarms(
      { state, now: at(60) },
      { ...clients(), lock, newExecutionName: () => 'abc' },
    );

    expect(next.deployment).toMatchObject({
      next: 'CONTINUE',
      resumeWith: 'POLL',
      handoffTo: 'continue-2-abc',
    });
    const call = lock.calls.find((c) => c.method === 'handOff');
    expect(call).toMatchObject({
      method: 'handOff',
      owner: EXECUTION_ARN,
      handoff: { executionName: 'continue-2-abc' },
    });
    expect(JSON.parse((call as { handoff: { state: string } }).handoff.state)).toEqual(next);
  });
});

describe('rollback: only while the lock is held', () => {
  const midCanary = (): DeployerState =>
    loopState(
      {},
      {
        routing: [entry(version(3), 10), entry(version(2), 90)],
        timeline: [{ at: at(0), weight: 10 }],
        next: 'ROLL_BACK',
      },
    );

  it('reports the outcome a continuation recorded, touching nothing, when the lock is already free', async () => {
    const lock = new FakeDeploymentLock();
    lock.records.set(midCanary().deployment!.recordKey, {
      status: 'ROLLED_BACK',
      error: 'DeploymentRolledBack',
      cause:
        'Rolled back alias live to orders:2 (100%) from orders:3 at 10%: alarms fired: orders-failures is ALARM: x',
    });
    const failure = { Error: 'States.TaskFailed', Cause: '{"Status":"FAILED"' };

    const next = await rollBack(
      { state: { ...midCanary(), failure }, now: at(900) },
      { sfn: new SFNClient({}), lock, sleep: noSleep },
    );

    expect(next.deployment?.next).toBe('ENDED');
    expect(next.failure).toEqual({
      Error: 'DeploymentRolledBack',
      Cause:
        'Rolled back alias live to orders:2 (100%) from orders:3 at 10%: alarms fired: orders-failures is ALARM: x',
    });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('ends PROMOTED when a continuation promoted the deployment and then ended (stopped while pruning)', async () => {
    const lock = new FakeDeploymentLock();
    lock.records.set(midCanary().deployment!.recordKey, { status: 'PROMOTED' });

    const next = await rollBack({ state: midCanary(), now: at(900) }, { sfn: new SFNClient({}), lock });

    expect(next.deployment?.next).toBe('PROMOTED');
    expect(next.result).toMatchObject({
      outcome: 'PROMOTED',
      toVersionArn: version(3),
      fromVersionArn: version(2),
    });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('ends DeploymentLockLost, touching nothing, when another deployment holds the alias', async () => {
    const lock = FakeDeploymentLock.holding({ aliasArn: ALIAS_ARN, owner: OTHER_EXECUTION });

    const next = await rollBack({ state: midCanary(), now: at(900) }, { sfn: new SFNClient({}), lock });

    expect(next.deployment?.next).toBe('ENDED');
    expect(next.failure?.Error).toBe('DeploymentLockLost');
    expect(sfnMock.calls()).toHaveLength(0);
  });
});
