import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import {
  ConflictException,
  CreateStateMachineAliasCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  InvalidDefinition,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  ResourceNotFound,
  SFNClient,
  StateMachineDoesNotExist,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { publishVersion, type PublishVersionEvent } from '../../lambda/publish-version';
import type { RoutingEntry } from '../../lambda/shared/routing';
import {
  ALIAS_ARN,
  commandNames,
  entry,
  EXECUTION_ARN,
  STATE_MACHINE_ARN,
  T0,
  throttling,
  version,
  writeCommands,
} from './fixtures';
import { FakeDeploymentLock } from './fake-lock';

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);

const deps = () => ({
  sfn: new SFNClient({}),
  cloudWatch: new CloudWatchClient({}),
  lock: new FakeDeploymentLock(),
});

function event(request: Record<string, unknown>, executionArn = EXECUTION_ARN): PublishVersionEvent {
  return {
    request: { stateMachine: 'orders', alias: 'live', ...request },
    now: T0.toISOString(),
    executionArn,
  };
}

function alarm(name: string, state: StateValue = 'OK'): MetricAlarm {
  return {
    AlarmName: name,
    StateValue: state,
    StateReason: `Threshold ${state}`,
    StateTransitionedTimestamp: new Date('2026-03-01T00:00:00Z'),
  };
}

const notFound = () =>
  new ResourceNotFound({ message: 'Request references a resource that does not exist.', $metadata: {} });

/**
 * orders exists at revision rev-7 with versions up to 3; live routes 100% to
 * orders:2 unless told otherwise; the alarms named exist as metric alarms.
 */
function givenTarget(
  options: { alias?: RoutingEntry[] | 'missing'; newest?: string; alarms?: MetricAlarm[] } = {},
) {
  const { alias = [entry(version(2), 100)], newest = version(3), alarms = [] } = options;
  sfnMock
    .on(DescribeStateMachineCommand)
    .resolves({ stateMachineArn: STATE_MACHINE_ARN, name: 'orders', revisionId: 'rev-7' });
  if (alias === 'missing') {
    sfnMock.on(DescribeStateMachineAliasCommand).rejects(notFound());
  } else {
    sfnMock
      .on(DescribeStateMachineAliasCommand)
      .resolves({ stateMachineAliasArn: ALIAS_ARN, name: 'live', routingConfiguration: alias });
  }
  sfnMock
    .on(ListStateMachineVersionsCommand)
    .resolves({ stateMachineVersions: [{ stateMachineVersionArn: newest, creationDate: T0 }] });
  sfnMock
    .on(PublishStateMachineVersionCommand)
    .resolves({ stateMachineVersionArn: version(4), creationDate: T0 });
  sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: T0, revisionId: 'rev-8' });
  sfnMock.on(CreateStateMachineAliasCommand).resolves({ stateMachineAliasArn: ALIAS_ARN, creationDate: T0 });
  cloudWatchMock.on(DescribeAlarmsCommand).resolves({ MetricAlarms: alarms, CompositeAlarms: [] });
}

const definition = { StartAt: 'Charge', States: { Charge: { Type: 'Pass', End: true } } };

beforeEach(() => {
  sfnMock.reset();
  cloudWatchMock.reset();
});

describe('publish-version', () => {
  describe('outcomes', () => {
    it('creates the alias at 100% on the new version when it does not exist yet', async () => {
      // Arrange
      givenTarget({ alias: 'missing' });

      // Act
      const state = await publishVersion(event({}), deps());

      // Assert
      expect(sfnMock).toHaveReceivedCommandWith(CreateStateMachineAliasCommand, {
        name: 'live',
        routingConfiguration: [{ stateMachineVersionArn: version(3), weight: 100 }],
      });
      expect(state.result).toEqual({
        outcome: 'CREATED_ALIAS',
        stateMachineArn: STATE_MACHINE_ARN,
        aliasArn: ALIAS_ARN,
        fromVersionArn: null,
        toVersionArn: version(3),
        timeline: [{ at: T0.toISOString(), weight: 100 }],
        prunedVersionArns: [],
      });
      expect(state.deployment).toBeUndefined();
    });

    it('changes nothing when the alias already routes 100% to the version', async () => {
      givenTarget({ alias: [entry(version(3), 100)] });

      const state = await publishVersion(event({}), deps());

      expect(state.result).toMatchObject({
        outcome: 'NO_CHANGE',
        fromVersionArn: version(3),
        toVersionArn: version(3),
        timeline: [],
      });
      expect(writeCommands(sfnMock)).toEqual([]);
    });

    it('changes nothing when the alias routes [old: 0%, version: 100%]', async () => {
      givenTarget({ alias: [entry(version(2), 0), entry(version(3), 100)] });

      const state = await publishVersion(event({}), deps());

      expect(state.result?.outcome).toBe('NO_CHANGE');
      expect(writeCommands(sfnMock)).toEqual([]);
    });

    it('plans a deployment from the version the alias routes to, starting with a shift', async () => {
      // Arrange
      givenTarget({ alarms: [alarm('orders-failures')] });

      // Act
      const state = await publishVersion(
        event({
          strategy: 'canary',
          increment: 10,
          intervalSeconds: 300,
          alarms: ['orders-failures'],
          historyMax: 5,
        }),
        deps(),
      );

      // Assert
      expect(state.deployment).toEqual({
        owner: EXECUTION_ARN,
        recordKey: `DEPLOYMENT#${T0.toISOString()}#deploy-orders-42`,
        stateMachineArn: STATE_MACHINE_ARN,
        aliasArn: ALIAS_ARN,
        originVersionArn: version(2),
        targetVersionArn: version(3),
        steps: [
          { weight: 10, holdSeconds: 300 },
          { weight: 100, holdSeconds: 0 },
        ],
        stepIndex: 0,
        watchStartedAt: T0.toISOString(),
        lastCheckedAt: T0.toISOString(),
        routing: [entry(version(2), 100)],
        timeline: [],
        waitSeconds: 0,
        next: 'SHIFT',
        polls: 0,
        // Its history so far: ExecutionStarted, this task and the Choice after it.
        segmentExecutionArn: EXECUTION_ARN,
        eventsUsed: 8,
        segments: 1,
        // Deployment Started was its first lifecycle event.
        lifecycleSequence: 1,
      });
      expect(state.request).toMatchObject({
        stateMachine: 'orders',
        alias: 'live',
        alarms: ['orders-failures'],
        historyMax: 5,
      });
      expect(state.result).toBeUndefined();
      expect(writeCommands(sfnMock)).toEqual([]);
    });

    it('drops 0% entries from the routing it expects to find later', async () => {
      givenTarget({ alias: [entry(version(3), 0), entry(version(2), 100)] });

      const state = await publishVersion(event({}), deps());

      expect(state.deployment?.routing).toEqual([entry(version(2), 100)]);
    });

    it('takes the time from the injected clock when the state machine gives none', async () => {
      givenTarget();
      const later = new Date('2026-03-05T08:30:00.000Z');

      const state = await publishVersion({ ...event({}), now: undefined }, { ...deps(), clock: () => later });

      expect(state.deployment?.watchStartedAt).toBe(later.toISOString());
    });
  });

  describe('choosing the version', () => {
    it('uploads the definition and publishes exactly the revision it wrote', async () => {
      givenTarget();

      const state = await publishVersion(event({ definition }), deps());

      expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineCommand, {
        stateMachineArn: STATE_MACHINE_ARN,
        definition: JSON.stringify(definition),
      });
      expect(sfnMock).toHaveReceivedCommandWith(PublishStateMachineVersionCommand, {
        stateMachineArn: STATE_MACHINE_ARN,
        revisionId: 'rev-8',
      });
      const names = commandNames(sfnMock);
      expect(names.indexOf('UpdateStateMachineCommand')).toBeLessThan(
        names.indexOf('PublishStateMachineVersionCommand'),
      );
      expect(state.deployment?.targetVersionArn).toBe(version(4));
      expect(state.request).not.toHaveProperty('definition');
    });

    it('keeps the revision guard when the upload returns no revisionId (definition unchanged)', async () => {
      givenTarget();
      sfnMock.on(UpdateStateMachineCommand).resolves({ updateDate: T0 });

      await publishVersion(event({ definition }), deps());

      expect(sfnMock).toHaveReceivedCommandWith(PublishStateMachineVersionCommand, {
        stateMachineArn: STATE_MACHINE_ARN,
        revisionId: 'rev-7',
      });
    });

    it('publishes the latest revision it described when asked to publishRevision', async () => {
      givenTarget();

      const state = await publishVersion(event({ publishRevision: true }), deps());

      expect(sfnMock).toHaveReceivedCommandWith(PublishStateMachineVersionCommand, {
        stateMachineArn: STATE_MACHINE_ARN,
        revisionId: 'rev-7',
      });
      expect(sfnMock).not.toHaveReceivedCommand(UpdateStateMachineCommand);
      expect(state.deployment?.targetVersionArn).toBe(version(4));
    });

    it.each([7, '7', `${STATE_MACHINE_ARN}:7`])(
      'deploys the existing version %j after checking it exists',
      async (requested) => {
        givenTarget();

        const state = await publishVersion(event({ version: requested }), deps());

        expect(sfnMock).toHaveReceivedCommandWith(DescribeStateMachineCommand, {
          stateMachineArn: version(7),
        });
        expect(sfnMock).not.toHaveReceivedCommand(PublishStateMachineVersionCommand);
        expect(sfnMock).not.toHaveReceivedCommand(ListStateMachineVersionsCommand);
        expect(state.deployment?.targetVersionArn).toBe(version(7));
      },
    );

    it('deploys the newest existing version when nothing else is asked', async () => {
      givenTarget({ newest: version(3) });

      const state = await publishVersion(event({}), deps());

      expect(sfnMock).toHaveReceivedCommandWith(ListStateMachineVersionsCommand, {
        stateMachineArn: STATE_MACHINE_ARN,
        maxResults: 1,
      });
      expect(sfnMock).not.toHaveReceivedCommand(PublishStateMachineVersionCommand);
      expect(state.deployment?.targetVersionArn).toBe(version(3));
    });

    it("resolves a name in the deployer's own partition, region and account", async () => {
      // Arrange
      const china = 'arn:aws-cn:states:cn-north-1:210987654321:stateMachine:orders';
      givenTarget({ alias: [entry(`${china}:2`, 100)], newest: `${china}:3` });

      // Act
      const state = await publishVersion(
        event({}, 'arn:aws-cn:states:cn-north-1:210987654321:execution:sfn-deployer:deploy-1'),
        deps(),
      );

      // Assert
      expect(sfnMock).toHaveReceivedCommandWith(DescribeStateMachineCommand, { stateMachineArn: china });
      expect(sfnMock).toHaveReceivedCommandWith(DescribeStateMachineAliasCommand, {
        stateMachineAliasArn: `${china}:live`,
      });
      expect(state.deployment).toMatchObject({
        stateMachineArn: china,
        aliasArn: `${china}:live`,
        originVersionArn: `${china}:2`,
      });
    });

    it('uses an ARN as it is given', async () => {
      givenTarget();

      await publishVersion(event({ stateMachine: STATE_MACHINE_ARN }), deps());

      expect(sfnMock).toHaveReceivedCommandWith(DescribeStateMachineCommand, {
        stateMachineArn: STATE_MACHINE_ARN,
      });
    });
  });

  describe('a split alias', () => {
    it('fails when the alias is split, naming the routing', async () => {
      givenTarget({ alias: [entry(version(2), 90), entry(version(3), 10)] });

      const rejection = publishVersion(event({}), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'DeploymentInProgress',
        message: expect.stringContaining('[orders:2 = 90%, orders:3 = 10%]'),
      });
    });

    it('takes over a split alias with force, continuing from the weight the target has', async () => {
      // Arrange
      givenTarget({ alias: [entry(version(2), 70), entry(version(3), 30)] });

      // Act
      const state = await publishVersion(
        event({ force: true, strategy: 'linear', increment: 20, intervalSeconds: 60 }),
        deps(),
      );

      // Assert
      expect(state.deployment).toMatchObject({
        originVersionArn: version(2),
        targetVersionArn: version(3),
        routing: [entry(version(2), 70), entry(version(3), 30)],
        next: 'SHIFT',
      });
      expect(state.deployment?.steps).toEqual([
        { weight: 30, holdSeconds: 60 },
        { weight: 40, holdSeconds: 60 },
        { weight: 60, holdSeconds: 60 },
        { weight: 80, holdSeconds: 60 },
        { weight: 100, holdSeconds: 60 },
      ]);
      expect(writeCommands(sfnMock)).toEqual([]);
    });

    it('takes over a split between two other versions from the heavier one with the full plan', async () => {
      givenTarget({ alias: [entry(version(1), 40), entry(version(2), 60)] });

      const state = await publishVersion(
        event({ force: true, strategy: 'canary', increment: 10, intervalSeconds: 60 }),
        deps(),
      );

      expect(state.deployment?.originVersionArn).toBe(version(2));
      expect(state.deployment?.steps).toEqual([
        { weight: 10, holdSeconds: 60 },
        { weight: 100, holdSeconds: 0 },
      ]);
    });
  });

  describe('custom steps and named configurations', () => {
    const steps = [
      { weight: 1, holdSeconds: 600 },
      { weight: 10, holdSeconds: 1800 },
      { pause: true },
      { weight: 50, holdSeconds: 3600 },
    ];

    it("plans a request's own steps, a pause holding the weight before it, ending at 100%", async () => {
      // Arrange
      givenTarget();
      const lock = new FakeDeploymentLock();

      // Act
      const state = await publishVersion(event({ steps }), { ...deps(), lock });

      // Assert
      expect(state.deployment?.steps).toEqual([
        { weight: 1, holdSeconds: 600 },
        { weight: 10, holdSeconds: 1800 },
        { weight: 10, holdSeconds: 0, pause: { onTimeout: 'rollBack' } },
        { weight: 50, holdSeconds: 3600 },
        { weight: 100, holdSeconds: 0 },
      ]);
      expect(state.request.steps).toEqual(steps);
      expect(state.request.strategy).toBeUndefined();
      expect(lock.calls).toContainEqual({
        method: 'acquire',
        claim: expect.objectContaining({ strategy: 'custom steps' }),
      });
    });

    it("takes over a split alias with custom steps, holding the current weight for the next step's hold", async () => {
      givenTarget({ alias: [entry(version(2), 70), entry(version(3), 30)] });

      const state = await publishVersion(event({ steps, force: true }), deps());

      expect(state.deployment?.steps).toEqual([
        { weight: 30, holdSeconds: 3600 },
        { weight: 50, holdSeconds: 3600 },
        { weight: 100, holdSeconds: 0 },
      ]);
    });

    it("plans CodeDeploy's Canary10Percent5Minutes as 10% for 5 minutes, then 100%", async () => {
      givenTarget();

      const state = await publishVersion(
        event({ strategy: 'CodeDeployDefault.LambdaCanary10Percent5Minutes' }),
        deps(),
      );

      expect(state.deployment?.steps).toEqual([
        { weight: 10, holdSeconds: 300 },
        { weight: 100, holdSeconds: 0 },
      ]);
      expect(state.request.strategy).toBe('Canary10Percent5Minutes');
    });

    it('rejects steps given with a strategy before any AWS call', async () => {
      givenTarget();

      const rejection = publishVersion(event({ steps, strategy: 'canary' }), deps());

      await expect(rejection).rejects.toMatchObject({ name: 'InvalidDeployRequest' });
      expect(sfnMock.calls()).toHaveLength(0);
    });
  });

  describe('alarms', () => {
    it('describes the alarms as both metric and composite alarms', async () => {
      givenTarget({ alarms: [alarm('orders-failures'), alarm('orders-latency')] });

      await publishVersion(event({ alarms: ['orders-failures', 'orders-latency'] }), deps());

      expect(cloudWatchMock).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
        AlarmNames: ['orders-failures', 'orders-latency'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      });
    });

    it('accepts a composite alarm', async () => {
      givenTarget();
      cloudWatchMock.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: [alarm('orders-failures')],
        CompositeAlarms: [{ AlarmName: 'orders-health', StateValue: 'OK' }],
      });

      const state = await publishVersion(event({ alarms: ['orders-failures', 'orders-health'] }), deps());

      expect(state.deployment?.next).toBe('SHIFT');
    });

    it('fails when a metric alarm does not exist, naming it', async () => {
      givenTarget({ alarms: [alarm('orders-failures')] });

      const rejection = publishVersion(event({ alarms: ['orders-failures', 'orders-latency'] }), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'AlarmNotFound',
        alarmNames: ['orders-latency'],
      });
    });

    it('fails when a composite alarm does not exist, naming it', async () => {
      givenTarget();
      cloudWatchMock
        .on(DescribeAlarmsCommand)
        .resolves({ MetricAlarms: [alarm('orders-failures')], CompositeAlarms: [] });

      const rejection = publishVersion(event({ alarms: ['orders-health', 'orders-failures'] }), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'AlarmNotFound',
        message: 'Alarms not found (neither metric nor composite): orders-health',
      });
    });

    it('fails when an alarm is already in ALARM', async () => {
      givenTarget({ alarms: [alarm('orders-failures', 'ALARM'), alarm('orders-latency')] });

      const rejection = publishVersion(event({ alarms: ['orders-failures', 'orders-latency'] }), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'AlarmAlreadyFiring',
        alarmNames: ['orders-failures (ALARM)'],
      });
    });

    it('starts with an alarm already in ALARM when told to ignore alarms already firing', async () => {
      givenTarget({ alarms: [alarm('orders-failures', 'ALARM')] });

      const state = await publishVersion(
        event({ alarms: ['orders-failures'], ignoreAlarmsAlreadyFiring: true }),
        deps(),
      );

      expect(state.deployment?.next).toBe('SHIFT');
    });

    it('starts with an alarm in INSUFFICIENT_DATA by default', async () => {
      givenTarget({ alarms: [alarm('orders-failures', 'INSUFFICIENT_DATA')] });

      const state = await publishVersion(event({ alarms: ['orders-failures'] }), deps());

      expect(state.deployment?.next).toBe('SHIFT');
    });

    it('fails when an alarm is in INSUFFICIENT_DATA and failOnInsufficientData is set', async () => {
      givenTarget({ alarms: [alarm('orders-failures', 'INSUFFICIENT_DATA')] });

      const rejection = publishVersion(
        event({ alarms: ['orders-failures'], failOnInsufficientData: true }),
        deps(),
      );

      await expect(rejection).rejects.toMatchObject({
        name: 'AlarmAlreadyFiring',
        alarmNames: ['orders-failures (INSUFFICIENT_DATA)'],
      });
    });

    it('makes no CloudWatch call when no alarm is watched', async () => {
      givenTarget();

      await publishVersion(event({}), deps());

      expect(cloudWatchMock.calls()).toHaveLength(0);
    });
  });

  describe('rejections', () => {
    it('fails when the request is bad without making any AWS call', async () => {
      givenTarget();

      const rejection = publishVersion(event({ increment: 0, alias: '123' }), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'InvalidDeployRequest',
        problems: [expect.stringContaining('alias'), expect.stringContaining('increment')],
      });
      expect(sfnMock.calls()).toHaveLength(0);
      expect(cloudWatchMock.calls()).toHaveLength(0);
    });

    it('fails when the version ARN belongs to another state machine, without making any AWS call', async () => {
      givenTarget();
      const payments = 'arn:aws:states:us-east-1:123456789012:stateMachine:payments:3';

      const rejection = publishVersion(event({ version: payments }), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'InvalidDeployRequest',
        message: expect.stringContaining(payments),
      });
      expect(sfnMock.calls()).toHaveLength(0);
    });

    it('fails when the state machine does not exist', async () => {
      givenTarget();
      sfnMock.on(DescribeStateMachineCommand).rejects(
        new StateMachineDoesNotExist({
          message: `State Machine Does Not Exist: '${STATE_MACHINE_ARN}'`,
          $metadata: {},
        }),
      );

      const rejection = publishVersion(event({}), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'StateMachineNotFound',
        message: expect.stringContaining(STATE_MACHINE_ARN),
      });
    });

    it('fails when the version to deploy does not exist', async () => {
      givenTarget();
      sfnMock.on(DescribeStateMachineCommand, { stateMachineArn: version(9) }).rejects(
        new StateMachineDoesNotExist({
          message: `State Machine Does Not Exist: '${version(9)}'`,
          $metadata: {},
        }),
      );

      const rejection = publishVersion(event({ version: 9 }), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'VersionNotFound',
        message: expect.stringContaining(version(9)),
      });
    });

    it('fails when the state machine has no version and none is to be published', async () => {
      givenTarget();
      sfnMock.on(ListStateMachineVersionsCommand).resolves({ stateMachineVersions: [] });

      const rejection = publishVersion(event({}), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'VersionNotFound',
        message: expect.stringContaining('publishRevision'),
      });
    });

    it('fails when Step Functions rejects the definition, as a bad request', async () => {
      givenTarget();
      sfnMock.on(UpdateStateMachineCommand).rejects(
        new InvalidDefinition({
          message: "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET'",
          $metadata: {},
        }),
      );

      const rejection = publishVersion(event({ definition }), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'InvalidDeployRequest',
        message: expect.stringContaining(
          'definition was rejected by Step Functions: Invalid State Machine Definition',
        ),
      });
      expect(sfnMock).not.toHaveReceivedCommand(PublishStateMachineVersionCommand);
      expect(sfnMock).not.toHaveReceivedCommand(CreateStateMachineAliasCommand);
    });

    it('fails when the revision changed before it was published', async () => {
      givenTarget();
      sfnMock.on(PublishStateMachineVersionCommand).rejects(
        new ConflictException({
          message: 'Failed to publish the State Machine version: revisionId does not match',
          $metadata: {},
        }),
      );

      const rejection = publishVersion(event({ publishRevision: true }), deps());

      await expect(rejection).rejects.toMatchObject({
        name: 'RevisionConflict',
        message: expect.stringContaining('rev-7'),
      });
      expect(writeCommands(sfnMock)).toEqual(['PublishStateMachineVersionCommand']);
    });

    it('lets a throttling error through for the state machine to retry', async () => {
      givenTarget();
      sfnMock.on(DescribeStateMachineAliasCommand).rejects(throttling());

      await expect(publishVersion(event({}), deps())).rejects.toMatchObject({ name: 'ThrottlingException' });
    });

    /** Every rejection found before publishing: none may write anything, even with a definition to upload. */
    const rejections: Array<[string, string, () => void, Record<string, unknown>]> = [
      ['the request is bad', 'InvalidDeployRequest', () => givenTarget(), { strategy: 'blue' }],
      [
        'the state machine does not exist',
        'StateMachineNotFound',
        () =>
          sfnMock
            .on(DescribeStateMachineCommand)
            .rejects(
              new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }),
            ),
        {},
      ],
      [
        'the version does not exist',
        'VersionNotFound',
        () =>
          sfnMock
            .on(DescribeStateMachineCommand, { stateMachineArn: version(9) })
            .rejects(new ResourceNotFound({ message: 'no such version', $metadata: {} })),
        { version: 9, definition: undefined },
      ],
      ['an alarm does not exist', 'AlarmNotFound', () => undefined, { alarms: ['orders-latency'] }],
      [
        'an alarm is already firing',
        'AlarmAlreadyFiring',
        () =>
          cloudWatchMock
            .on(DescribeAlarmsCommand)
            .resolves({ MetricAlarms: [alarm('orders-failures', 'ALARM')] }),
        { alarms: ['orders-failures'] },
      ],
      [
        'the alias is split',
        'DeploymentInProgress',
        () =>
          sfnMock
            .on(DescribeStateMachineAliasCommand)
            .resolves({ routingConfiguration: [entry(version(2), 50), entry(version(3), 50)] }),
        {},
      ],
    ];

    it.each(rejections)('writes nothing when %s', async (_case, errorName, arrange, request) => {
      // Arrange
      givenTarget();
      arrange();

      // Act
      const rejection = publishVersion(event({ definition, ...request }), deps());

      // Assert
      await expect(rejection).rejects.toMatchObject({ name: errorName });
      expect(writeCommands(sfnMock)).toEqual([]);
      expect(sfnMock).not.toHaveReceivedCommand(UpdateStateMachineAliasCommand);
    });
  });
});

describe('publish-version with traffic tests', () => {
  const HOOK = 'arn:aws:lambda:us-east-1:123456789012:function:orders-smoke';

  it('refuses a hook the deployer did not declare before reading or locking anything', async () => {
    // Arrange
    const lock = new FakeDeploymentLock();

    // Act
    const result = publishVersion(event({ version: 3, preTraffic: { hook: HOOK } }), { ...deps(), lock });

    // Assert
    await expect(result).rejects.toMatchObject({
      name: 'InvalidDeployRequest',
      message: expect.stringContaining(
        `preTraffic.hook must be one of the hooks declared on the deployer (trafficTestHooks): none are declared, got: "${HOOK}"`,
      ),
    });
    expect(lock.calls).toEqual([]);
    expect(sfnMock.calls()).toEqual([]);
  });
});
