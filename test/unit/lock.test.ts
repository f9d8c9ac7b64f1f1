import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DeploymentInProgressError } from '../../lambda/shared/errors';
import { DynamoDbDeploymentLock, type LockClaim, OWNER_INDEX, recordKey } from '../../lambda/shared/lock';
import { ALIAS_ARN, at, EXECUTION_ARN, STATE_MACHINE_ARN, T0, version } from './fixtures';

const TABLE = 'sfn-deployer-deployments';
const OTHER_EXECUTION = EXECUTION_ARN.replace('deploy-orders-42', 'deploy-orders-41');
const RECORD_KEY = `DEPLOYMENT#${T0.toISOString()}#deploy-orders-42`;
const LOCK_KEY = { aliasArn: { S: ALIAS_ARN }, sk: { S: 'LOCK' } };
const OWNER_NAMES = { '#owner': 'owner' };

const dynamoMock = mockClient(DynamoDBClient);
const lock = () => new DynamoDbDeploymentLock(new DynamoDBClient({}), TABLE);

const claim: LockClaim = {
  aliasArn: ALIAS_ARN,
  stateMachineArn: STATE_MACHINE_ARN,
  owner: EXECUTION_ARN,
  startedAt: T0.toISOString(),
  strategy: 'linear',
};

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

/** The LOCK item as GetItem returns it, held by `owner`. */
function lockItem(owner = EXECUTION_ARN, extra: Record<string, { S: string }> = {}) {
  return {
    Item: {
      ...LOCK_KEY,
      owner: { S: owner },
      recordKey: { S: recordKey(T0.toISOString(), owner) },
      acquiredAt: { S: T0.toISOString() },
      ...extra,
    },
  };
}

beforeEach(() => {
  dynamoMock.reset();
});

describe('the deployment lock', () => {
  describe('recordKey', () => {
    it('sorts records by start time and names the execution', () => {
      expect(recordKey(T0.toISOString(), EXECUTION_ARN)).toBe(RECORD_KEY);
    });
  });

  describe('acquire', () => {
    it('writes the LOCK on condition that nobody else holds it, then the deployment record', async () => {
      // Act
      await lock().acquire(claim);

      // Assert
      expect(dynamoMock).toHaveReceivedCommandTimes(PutItemCommand, 2);
      expect(dynamoMock).toHaveReceivedNthCommandWith(1, PutItemCommand, {
        TableName: TABLE,
        Item: {
          ...LOCK_KEY,
          owner: { S: EXECUTION_ARN },
          recordKey: { S: RECORD_KEY },
          acquiredAt: { S: T0.toISOString() },
        },
        ConditionExpression: 'attribute_not_exists(aliasArn) OR #owner = :owner',
        ExpressionAttributeNames: OWNER_NAMES,
        ExpressionAttributeValues: { ':owner': { S: EXECUTION_ARN } },
      });
      expect(dynamoMock).toHaveReceivedNthCommandWith(2, PutItemCommand, {
        TableName: TABLE,
        Item: {
          aliasArn: { S: ALIAS_ARN },
          sk: { S: RECORD_KEY },
          executionArn: { S: EXECUTION_ARN },
          stateMachineArn: { S: STATE_MACHINE_ARN },
          status: { S: 'IN_PROGRESS' },
          strategy: { S: 'linear' },
          startedAt: { S: T0.toISOString() },
          timeline: { S: '[]' },
        },
      });
    });

    it('fails with DeploymentInProgress naming the execution that holds the alias and since when, writing no record', async () => {
      // Arrange
      dynamoMock.on(PutItemCommand).rejects(conditionFailed());
      dynamoMock.on(GetItemCommand).resolves(lockItem(OTHER_EXECUTION));

      // Act
      const acquired = lock().acquire(claim);

      // Assert
      await expect(acquired).rejects.toThrow(DeploymentInProgressError);
      await expect(lock().acquire(claim)).rejects.toMatchObject({
        name: 'DeploymentInProgress',
        message: expect.stringContaining(`Alias live is being deployed by execution ${OTHER_EXECUTION} since ${T0.toISOString()}`),
      });
      expect(dynamoMock).toHaveReceivedCommandWith(GetItemCommand, { TableName: TABLE, Key: LOCK_KEY, ConsistentRead: true });
      // Only the conditional LOCK writes were tried, one per attempt: no record.
      expect(dynamoMock).toHaveReceivedCommandTimes(PutItemCommand, 2);
      for (const call of dynamoMock.commandCalls(PutItemCommand)) expect(call.args[0].input.Item?.sk).toEqual({ S: 'LOCK' });
    });

    it('still fails with DeploymentInProgress when the holder released it in between', async () => {
      dynamoMock.on(PutItemCommand).rejects(conditionFailed());
      dynamoMock.on(GetItemCommand).resolves({});

      await expect(lock().acquire(claim)).rejects.toMatchObject({
        name: 'DeploymentInProgress',
        message: expect.stringContaining('is being deployed by execution another execution'),
      });
    });

    it('lets the owner acquire again: a retried step is not a conflict', async () => {
      // DynamoDB accepts the write because #owner = :owner holds; the lock needs no read.
      await lock().acquire(claim);
      await lock().acquire(claim);

      expect(dynamoMock).toHaveReceivedCommandTimes(PutItemCommand, 4);
      expect(dynamoMock).not.toHaveReceivedCommand(GetItemCommand);
    });

    it('passes on any other DynamoDB error', async () => {
      dynamoMock.on(PutItemCommand).rejects(new Error('ProvisionedThroughputExceeded'));

      await expect(lock().acquire(claim)).rejects.toThrow('ProvisionedThroughputExceeded');
      expect(dynamoMock).not.toHaveReceivedCommand(GetItemCommand);
    });
  });

  describe('update', () => {
    it('records the versions on the lock item and on the deployment record', async () => {
      // Arrange
      dynamoMock.on(GetItemCommand).resolves(lockItem());

      // Act
      await lock().update(ALIAS_ARN, EXECUTION_ARN, { originVersionArn: version(2), targetVersionArn: version(3) });

      // Assert
      expect(dynamoMock).toHaveReceivedCommandTimes(UpdateItemCommand, 2);
      expect(dynamoMock).toHaveReceivedNthCommandWith(2, UpdateItemCommand, {
        TableName: TABLE,
        Key: LOCK_KEY,
        UpdateExpression: 'SET originVersionArn = :origin, targetVersionArn = :target',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: OWNER_NAMES,
        ExpressionAttributeValues: {
          ':origin': { S: version(2) },
          ':target': { S: version(3) },
          ':owner': { S: EXECUTION_ARN },
        },
      });
      expect(dynamoMock).toHaveReceivedNthCommandWith(3, UpdateItemCommand, {
        TableName: TABLE,
        Key: { aliasArn: { S: ALIAS_ARN }, sk: { S: RECORD_KEY } },
        UpdateExpression: 'SET originVersionArn = :origin, targetVersionArn = :target',
        ExpressionAttributeValues: { ':origin': { S: version(2) }, ':target': { S: version(3) } },
      });
    });

    it('records the timeline on the deployment record only', async () => {
      dynamoMock.on(GetItemCommand).resolves(lockItem());
      const timeline = [
        { at: at(0), weight: 10 },
        { at: at(120), weight: 20 },
      ];

      await lock().update(ALIAS_ARN, EXECUTION_ARN, { timeline });

      expect(dynamoMock).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        TableName: TABLE,
        Key: { aliasArn: { S: ALIAS_ARN }, sk: { S: RECORD_KEY } },
        UpdateExpression: 'SET timeline = :timeline',
        ExpressionAttributeValues: { ':timeline': { S: JSON.stringify(timeline) } },
      });
    });

    it.each([
      ['released', {}],
      ['held by another execution', lockItem(OTHER_EXECUTION)],
    ])('writes nothing when the lock is %s', async (_case, found) => {
      dynamoMock.on(GetItemCommand).resolves(found);

      await lock().update(ALIAS_ARN, EXECUTION_ARN, { targetVersionArn: version(3), timeline: [] });

      expect(dynamoMock).not.toHaveReceivedCommand(UpdateItemCommand);
    });
  });

  describe('release', () => {
    const timeline = [
      { at: at(0), weight: 10 },
      { at: at(150), weight: 0 },
    ];

    it('records status, end, cause and timeline on the record, then deletes the LOCK on condition it is still the owner', async () => {
      // Arrange
      dynamoMock.on(GetItemCommand).resolves(lockItem());

      // Act
      await lock().release(ALIAS_ARN, EXECUTION_ARN, {
        status: 'ROLLED_BACK',
        endedAt: at(150),
        cause: 'alarms fired: orders-failures',
        timeline,
      });

      // Assert
      expect(dynamoMock).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        TableName: TABLE,
        Key: { aliasArn: { S: ALIAS_ARN }, sk: { S: RECORD_KEY } },
        UpdateExpression: 'SET timeline = :timeline, #status = :status, endedAt = :endedAt, cause = :cause',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':timeline': { S: JSON.stringify(timeline) },
          ':status': { S: 'ROLLED_BACK' },
          ':endedAt': { S: at(150) },
          ':cause': { S: 'alarms fired: orders-failures' },
        },
      });
      expect(dynamoMock).toHaveReceivedCommandTimes(DeleteItemCommand, 1);
      expect(dynamoMock).toHaveReceivedCommandWith(DeleteItemCommand, {
        TableName: TABLE,
        Key: LOCK_KEY,
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: OWNER_NAMES,
        ExpressionAttributeValues: { ':owner': { S: EXECUTION_ARN } },
      });
    });

    it('records the versions when the outcome names them', async () => {
      dynamoMock.on(GetItemCommand).resolves(lockItem());

      await lock().release(ALIAS_ARN, EXECUTION_ARN, { status: 'NO_CHANGE', endedAt: at(0), targetVersionArn: version(3) });

      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        UpdateExpression: 'SET targetVersionArn = :target, #status = :status, endedAt = :endedAt',
        ExpressionAttributeValues: {
          ':target': { S: version(3) },
          ':status': { S: 'NO_CHANGE' },
          ':endedAt': { S: at(0) },
        },
      });
    });

    it('keeps a long cause within the item size limit', async () => {
      dynamoMock.on(GetItemCommand).resolves(lockItem());

      await lock().release(ALIAS_ARN, EXECUTION_ARN, { status: 'FAILED', endedAt: at(0), cause: 'x'.repeat(100_000) });

      const update = dynamoMock.commandCalls(UpdateItemCommand)[0]!.args[0].input;
      expect(update.ExpressionAttributeValues?.[':cause']?.S).toHaveLength(32_000);
    });

    it.each([
      ['already released', {}],
      ['owned by another execution', lockItem(OTHER_EXECUTION)],
    ])('is harmless when the lock is %s: nothing is written', async (_case, found) => {
      dynamoMock.on(GetItemCommand).resolves(found);

      await lock().release(ALIAS_ARN, EXECUTION_ARN, { status: 'PROMOTED', endedAt: at(600) });

      expect(dynamoMock).not.toHaveReceivedCommand(UpdateItemCommand);
      expect(dynamoMock).not.toHaveReceivedCommand(DeleteItemCommand);
    });

    it('tolerates a lock released in between by a retry or by recovery', async () => {
      dynamoMock.on(GetItemCommand).resolves(lockItem());
      dynamoMock.on(DeleteItemCommand).rejects(conditionFailed());

      await expect(
        lock().release(ALIAS_ARN, EXECUTION_ARN, { status: 'PROMOTED', endedAt: at(600) }),
      ).resolves.toBeUndefined();
      expect(dynamoMock).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    });

    it('fails on any other error deleting the LOCK, so the step is retried', async () => {
      dynamoMock.on(GetItemCommand).resolves(lockItem());
      dynamoMock.on(DeleteItemCommand).rejects(new Error('InternalServerError'));

      await expect(lock().release(ALIAS_ARN, EXECUTION_ARN, { status: 'PROMOTED', endedAt: at(600) })).rejects.toThrow(
        'InternalServerError',
      );
    });
  });

  describe('heldBy', () => {
    it('finds the lock its owner holds through the owner index, and reads it consistently', async () => {
      // Arrange
      dynamoMock.on(QueryCommand).resolves({ Items: [{ ...LOCK_KEY, owner: { S: EXECUTION_ARN } }] });
      dynamoMock
        .on(GetItemCommand)
        .resolves(lockItem(EXECUTION_ARN, { originVersionArn: { S: version(2) }, targetVersionArn: { S: version(3) } }));

      // Act
      const held = await lock().heldBy(EXECUTION_ARN);

      // Assert
      expect(dynamoMock).toHaveReceivedCommandWith(QueryCommand, {
        TableName: TABLE,
        IndexName: OWNER_INDEX,
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: OWNER_NAMES,
        ExpressionAttributeValues: { ':owner': { S: EXECUTION_ARN } },
      });
      expect(OWNER_INDEX).toBe('owner-index');
      expect(dynamoMock).toHaveReceivedCommandWith(GetItemCommand, { TableName: TABLE, Key: LOCK_KEY, ConsistentRead: true });
      expect(held).toEqual({
        aliasArn: ALIAS_ARN,
        owner: EXECUTION_ARN,
        recordKey: RECORD_KEY,
        originVersionArn: version(2),
        targetVersionArn: version(3),
      });
    });

    it('finds nothing when the execution holds no lock', async () => {
      dynamoMock.on(QueryCommand).resolves({ Items: [] });

      await expect(lock().heldBy(EXECUTION_ARN)).resolves.toBeUndefined();
      expect(dynamoMock).not.toHaveReceivedCommand(GetItemCommand);
    });

    it('finds nothing when the index is behind and the lock was released meanwhile', async () => {
      dynamoMock.on(QueryCommand).resolves({ Items: [{ ...LOCK_KEY, owner: { S: EXECUTION_ARN } }] });
      dynamoMock.on(GetItemCommand).resolves({});

      await expect(lock().heldBy(EXECUTION_ARN)).resolves.toBeUndefined();
    });

    it('finds nothing when the index is behind and another execution has taken the alias since', async () => {
      // The index is eventually consistent: it can still list a lock its owner released.
      dynamoMock.on(QueryCommand).resolves({ Items: [{ ...LOCK_KEY, owner: { S: EXECUTION_ARN } }] });
      dynamoMock
        .on(GetItemCommand)
        .resolves(lockItem(OTHER_EXECUTION, { originVersionArn: { S: version(3) }, targetVersionArn: { S: version(4) } }));

      await expect(lock().heldBy(EXECUTION_ARN)).resolves.toBeUndefined();
    });
  });
});
