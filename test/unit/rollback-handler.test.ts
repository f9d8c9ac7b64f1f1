/**
 * The rollback Lambda's handler serves two callers: the state machine's
 * rollback step, and the EventBridge rule on the deployer's execution status
 * changes. Its lock reads DEPLOYMENTS_TABLE when the module loads, so the
 * module is loaded after the table is named.
 */
import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient, UpdateStateMachineAliasCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeployerState } from '../../lambda/shared/deployment';
import { ACCOUNT, ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, T0, version } from './fixtures';

const sfnMock = mockClient(SFNClient);
const dynamoMock = mockClient(DynamoDBClient);
const saved = process.env.DEPLOYMENTS_TABLE;
let handler: typeof import('../../lambda/rollback').handler;

beforeAll(() => {
  process.env.DEPLOYMENTS_TABLE = 'deployments';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = (require('../../lambda/rollback') as typeof import('../../lambda/rollback')).handler;
});

afterAll(() => {
  if (saved === undefined) delete process.env.DEPLOYMENTS_TABLE;
  else process.env.DEPLOYMENTS_TABLE = saved;
});

beforeEach(() => {
  sfnMock.reset();
  dynamoMock.reset();
  sfnMock.on(UpdateStateMachineAliasCommand).resolves({ updateDate: T0 });
});

describe('the rollback handler', () => {
  it('recovers on an execution status change event', async () => {
    // Arrange
    dynamoMock.on(QueryCommand).resolves({ Items: [] });

    // Act
    const result = await handler({
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

  it('rolls back on a loop event from the state machine', async () => {
    dynamoMock.on(GetItemCommand).resolves({});
    const state = loopState({}, { routing: [entry(version(3), 20), entry(version(2), 80)], next: 'ROLL_BACK' });

    const result = (await handler({ state, now: at(150), executionArn: EXECUTION_ARN })) as DeployerState;

    expect(result.deployment?.routing).toEqual([entry(version(2), 100)]);
    expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
      stateMachineAliasArn: ALIAS_ARN,
      routingConfiguration: [{ stateMachineVersionArn: version(2), weight: 100 }],
    });
    expect(dynamoMock).toHaveReceivedCommandWith(GetItemCommand, { TableName: 'deployments' });
    expect(dynamoMock).not.toHaveReceivedCommand(QueryCommand);
  });
});
