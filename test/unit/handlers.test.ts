/**
 * Each handler is a thin shell over its function: one test each that it
 * delegates with the module's own clients (the mocks stub every SFNClient,
 * CloudWatchClient and DynamoDBClient, including those created at module
 * scope), the deployments table named in DEPLOYMENTS_TABLE and the bus named
 * in EVENT_BUS_NAME, where each step's lifecycle events go.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DeleteStateMachineVersionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  UpdateStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as checkAlarmsHandler } from '../../lambda/check-alarms';
import { handler as pruneVersionsHandler } from '../../lambda/prune-versions';
import { defaultsFromEnvironment, handler as publishVersionHandler } from '../../lambda/publish-version';
import { handler as rollbackHandler } from '../../lambda/rollback';
import type { DeployerState } from '../../lambda/shared/deployment';
import { BUILT_IN_DEFAULTS } from '../../lambda/shared/request';
import { handler as shiftWeightHandler } from '../../lambda/shift-weight';
import { ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, STATE_MACHINE_ARN, T0, version } from './fixtures';

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);
const dynamoMock = mockClient(DynamoDBClient);
const eventsMock = mockClient(EventBridgeClient);
const savedTable = process.env.DEPLOYMENTS_TABLE;
const savedBus = process.env.EVENT_BUS_NAME;
/** The detail-types the handler put on the deployer's bus. */
const putDetailTypes = () =>
  eventsMock
    .commandCalls(PutEventsCommand)
    .flatMap((call) =>
      (call.args[0].input.Entries ?? []).map((entry) => `${entry.EventBusName} ${entry.DetailType}`),
    );

/** The lock the fixture deployment holds. */
const LOCK_ITEM = {
  aliasArn: { S: ALIAS_ARN },
  sk: { S: 'LOCK' },
  owner: { S: EXECUTION_ARN },
  recordKey: { S: `DEPLOYMENT#${T0.toISOString()}#deploy-orders-42` },
};

// Set before any describe captures the environment to restore.
process.env.DEPLOYMENTS_TABLE = 'deployments';
process.env.EVENT_BUS_NAME = 'deployments-bus';

afterAll(() => {
  if (savedTable === undefined) delete process.env.DEPLOYMENTS_TABLE;
  else process.env.DEPLOYMENTS_TABLE = savedTable;
  if (savedBus === undefined) delete process.env.EVENT_BUS_NAME;
  else process.env.EVENT_BUS_NAME = savedBus;
});

beforeEach(() => {
  sfnMock.reset();
  cloudWatchMock.reset();
  dynamoMock.reset();
  dynamoMock.on(GetItemCommand).resolves({ Item: LOCK_ITEM });
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('handlers', () => {
  describe('publish-version', () => {
    const saved = { ...process.env };

    afterEach(() => {
      process.env = { ...saved };
    });

    it('plans a deployment with the defaults the deployer was configured with', async () => {
      // Arrange
      Object.assign(process.env, {
        DEFAULT_STRATEGY: 'canary',
        DEFAULT_INCREMENT: '20',
        DEFAULT_INTERVAL_SECONDS: '600',
        DEFAULT_ALARM_POLLING_SECONDS: '30',
      });
      sfnMock
        .on(DescribeStateMachineCommand)
        .resolves({ stateMachineArn: STATE_MACHINE_ARN, revisionId: 'rev-7' });
      sfnMock
        .on(DescribeStateMachineAliasCommand)
        .resolves({ routingConfiguration: [entry(version(2), 100)] });
      sfnMock
        .on(ListStateMachineVersionsCommand)
        .resolves({ stateMachineVersions: [{ stateMachineVersionArn: version(3), creationDate: T0 }] });
      // Nobody holds the alias until this deployment takes it.
      dynamoMock.on(GetItemCommand).resolvesOnce({}).resolves({ Item: LOCK_ITEM });

      // Act
      const state = await publishVersionHandler({
        request: { stateMachine: 'orders', alias: 'live' },
        now: T0.toISOString(),
        executionArn: EXECUTION_ARN,
      });

      // Assert
      expect(state.request).toMatchObject({
        strategy: 'canary',
        increment: 20,
        intervalSeconds: 600,
        alarmPollingSeconds: 30,
      });
      expect(state.deployment?.steps).toEqual([
        { weight: 20, holdSeconds: 600 },
        { weight: 100, holdSeconds: 0 },
      ]);
      expect(putDetailTypes()).toEqual(['deployments-bus Deployment Started']);
    });

    it('falls back to the built-in defaults when the environment sets none', () => {
      expect(defaultsFromEnvironment({})).toEqual(BUILT_IN_DEFAULTS);
    });
  });

  it('shift-weight shifts the alias', async () => {
    sfnMock.on(DescribeStateMachineAliasCommand).resolves({ routingConfiguration: [entry(version(2), 100)] });
    sfnMock.on(UpdateStateMachineAliasCommand).resolves({});

    const state = await shiftWeightHandler({
      state: loopState({ strategy: 'canary', increment: 10 }),
      now: T0.toISOString(),
      executionArn: EXECUTION_ARN,
    });

    expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
      stateMachineAliasArn: ALIAS_ARN,
      routingConfiguration: [entry(version(3), 10), entry(version(2), 90)],
    });
    expect(state.deployment?.next).toBe('POLL');
    expect(putDetailTypes()).toEqual(['deployments-bus Weight Shifted']);
  });

  it('check-alarms checks the alarms', async () => {
    sfnMock.on(DescribeStateMachineAliasCommand).resolves({ routingConfiguration: [entry(version(2), 100)] });
    cloudWatchMock.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [{ AlarmName: 'orders-failures', StateValue: 'ALARM', StateReason: 'Threshold Crossed' }],
    });
    const state = loopState({ alarms: ['orders-failures'] }, { stepEndsAt: at(120) });

    const next = await checkAlarmsHandler({ state, now: at(60), executionArn: EXECUTION_ARN });

    expect(next.deployment).toMatchObject({
      next: 'ROLL_BACK',
      firedAlarms: ['orders-failures is ALARM: Threshold Crossed'],
    });
    // The rollback, not the check, tells that the deployment rolled back.
    expect(putDetailTypes()).toEqual([]);
  });

  it('rollback routes the alias back to the origin', async () => {
    sfnMock.on(UpdateStateMachineAliasCommand).resolves({});
    const state = { ...loopState(), failure: { Error: 'States.TaskFailed', Cause: 'boom' } };

    const next = (await rollbackHandler({
      state,
      now: at(60),
      executionArn: EXECUTION_ARN,
    })) as DeployerState;

    expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
      stateMachineAliasArn: ALIAS_ARN,
      routingConfiguration: [entry(version(2), 100)],
    });
    expect(next.deployment?.rollbackCause).toContain('boom');
    expect(putDetailTypes()).toEqual(['deployments-bus Deployment Rolled Back']);
  });

  it('prune-versions stops when the Lambda context says time is short', async () => {
    // Arrange
    sfnMock.on(ListStateMachineVersionsCommand).resolves({
      stateMachineVersions: [5, 4, 3, 2, 1].map((n) => ({
        stateMachineVersionArn: version(n),
        creationDate: T0,
      })),
    });
    sfnMock
      .on(ListStateMachineAliasesCommand)
      .resolves({ stateMachineAliases: [{ stateMachineAliasArn: ALIAS_ARN, creationDate: T0 }] });
    sfnMock.on(DescribeStateMachineAliasCommand).resolves({ routingConfiguration: [entry(version(3), 100)] });
    const state = loopState({ historyMax: 2 }, { routing: [entry(version(3), 100)] });
    const context = {
      remaining: 1000,
      getRemainingTimeInMillis() {
        return this.remaining;
      },
    };

    // Act
    const next = await pruneVersionsHandler({ state, executionArn: EXECUTION_ARN }, context);

    // Assert
    expect(sfnMock).not.toHaveReceivedCommand(DeleteStateMachineVersionCommand);
    expect(next.deployment?.next).toBe('PRUNE');
  });

  it('prune-versions runs to the end without a Lambda context', async () => {
    const next = await pruneVersionsHandler({
      state: loopState({ historyMax: 0 }),
      executionArn: EXECUTION_ARN,
    });

    expect(next.deployment?.next).toBe('FINISH');
    expect(next.result?.outcome).toBe('PROMOTED');
  });
});
