/**
 * The handlers of recovery and of the in-workflow rollback, with the lock
 * they read from DEPLOYMENTS_TABLE. The modules load without it (the lock is
 * made on first use), so they are loaded after the table is named.
 */
import { DynamoDBClient, GetItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SFNClient, UpdateStateMachineAliasCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeployerState } from '../../lambda/shared/deployment';
import { ACCOUNT, ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, T0, version } from './fixtures';

const sfnMock = mockClient(SFNClient);
const dynamoMock = mockClient(DynamoDBClient);
const saved = process.env.DEPLOYMENTS_TABLE;
const savedBus = process.env.EVENT_BUS_NAME;
const eventsMock = mockClient(EventBridgeClient);
let recoveryHandler: typeof import('../../lambda/recover-deployments').handler;
let rollbackHandler: typeof import('../../lambda/rollback').handler;

beforeAll(() => {
  delete process.env.DEPLOYMENTS_TABLE;
  /* eslint-disable @typescript-eslint/no-require-imports */
  recoveryHandler = (
    require('../../lambda/recover-deployments') as typeof import('../../lambda/recover-deployments')
  ).handler;
  rollbackHandler = (require('../../lambda/rollback') as typeof import('../../lambda/rollback')).handler;
  /* eslint-enable @typescript-eslint/no-require-imports */
  process.env.DEPLOYMENTS_TABLE = 'deployments';
  process.env.EVENT_BUS_NAME = 'default';
});

afterAll(() => {
  if (saved === undefined) delete process.env.DEPLOYMENTS_TABLE;
  else process.env.DEPLOYMENTS_TABLE = saved;
  if (savedBus === undefined) delete process.env.EVENT_BUS_NAME;
  else process.env.EVENT_BUS_NAME = savedBus;
});

beforeEach(() => {
  sfnMock.reset();
  dynamoMock.reset();
  eventsMock.reset();
  eventsMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  sfnMock.on(UpdateStateMachineAliasCommand).resolves({ updateDate: T0 });
});

describe('the recovery handler', () => {
  it('recovers on an execution status change event, finding the lock by its owner', async () => {
    // Arrange
    dynamoMock.on(QueryCommand).resolves({ Items: [] });

    // Act
    const result = await recoveryHandler({
      'detail-type': 'Step Functions Execution Status Change',
      time: at(900),
      detail: {
        executionArn: EXECUTION_ARN,
        status: 'ABORTED',
        stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:sfn-deployer`,
      },
    });

    // Assert
    expect(result).toEqual({ action: 'none' });
    expect(dynamoMock).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'deployments',
      IndexName: 'owner-index',
      ExpressionAttributeValues: { ':owner': { S: EXECUTION_ARN } },
    });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('sweeps every lock on a scheduled event', async () => {
    dynamoMock.on(ScanCommand).resolves({ Items: [] });

    const result = await recoveryHandler({ 'detail-type': 'Scheduled Event', time: at(900) });

    expect(result).toEqual({ locks: 0, recovered: [] });
    expect(dynamoMock).toHaveReceivedCommandWith(ScanCommand, {
      TableName: 'deployments',
      IndexName: 'owner-index',
    });
  });

  it('fails on any other event, naming it', async () => {
    await expect(recoveryHandler({ 'detail-type': 'Something Else' } as never)).rejects.toThrow(
      'Unexpected event for recovery: {"detail-type":"Something Else"}',
    );
  });
});

describe('the rollback handler', () => {
  it('rolls back a loop event from the state machine while the deployment holds its lock', async () => {
    dynamoMock.on(GetItemCommand).resolves({
      Item: {
        aliasArn: { S: ALIAS_ARN },
        sk: { S: 'LOCK' },
        owner: { S: EXECUTION_ARN },
        recordKey: { S: 'DEPLOYMENT#x' },
      },
    });
    const state = loopState(
      {},
      { routing: [entry(version(3), 20), entry(version(2), 80)], next: 'ROLL_BACK' },
    );

    const result = (await rollbackHandler({
      state,
      now: at(150),
      executionArn: EXECUTION_ARN,
    })) as DeployerState;

    expect(result.deployment).toMatchObject({ next: 'ROLLED_BACK', routing: [entry(version(2), 100)] });
    expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
      stateMachineAliasArn: ALIAS_ARN,
      routingConfiguration: [{ stateMachineVersionArn: version(2), weight: 100 }],
    });
    expect(dynamoMock).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'deployments' });
  });
});
