import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
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
  alarms: ['orders-errors', 'orders-latency'],
  failOnInsufficientData: true,
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
          // What an alarm event needs to find the deployments it wakes.
          alarms: { SS: ['orders-errors', 'orders-latency'] },
          failOnInsufficientData: { BOOL: true },
          judgesExecutions: { BOOL: false },
          // The TTL: a year and a day after it was taken, when its owner has certainly ended.
          expiresAt: { N: String(Date.parse(T0.toISOString()) / 1000 + 366 * 24 * 3600) },
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
        message: expect.stringContaining(
          `Alias live is being deployed by execution ${OTHER_EXECUTION} since ${T0.toISOString()}`,
        ),
      });
      expect(dynamoMock).toHaveReceivedCommandWith(GetItemCommand, {
        TableName: TABLE,
        Key: LOCK_KEY,
        ConsistentRead: true,
      });
      // Only the conditional LOCK writes were tried, one per attempt: no record.
      expect(dynamoMock).toHaveReceivedCommandTimes(PutItemCommand, 2);
      for (const call of dynamoMock.commandCalls(PutItemCommand))
        expect(call.args[0].input.Item?.sk).toEqual({ S: 'LOCK' });
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
      await lock().update(ALIAS_ARN, EXECUTION_ARN, {
        originVersionArn: version(2),
        targetVersionArn: version(3),
      });

      // Assert
      expect(dynamoMock).toHaveReceivedCommandTimes(UpdateItemCommand, 2);
      expect(dynamoMock).toHaveReceivedNthCommandWith(2, UpdateItemCommand, {
        TableName: TABLE,
        Key: LOCK_KEY,
        UpdateExpression: 'SET originVersionArn = :origin, targetVersionArn = :target',
        ConditionExpression: '#owner = :owner AND attribute_not_exists(recovering)',
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

    it('records the signals acted on and the verdicts on the deployment record only, the lock keeping its own queue', async () => {
      dynamoMock.on(GetItemCommand).resolves(lockItem());
      const signals = [{ action: 'pause' as const, sender: 'ana', reason: 'launch', at: at(10) }];
      const verdicts = [
        {
          step: 1,
          at: at(300),
          new: { finished: 30, failed: 0 },
          old: { finished: 270, failed: 1 },
          pValue: 1,
          worse: false,
          dryRun: false,
          summary: 'new 0/30 failed · old 1/270 · p=1.00 → healthy',
        },
      ];

      await lock().update(ALIAS_ARN, EXECUTION_ARN, { signals, verdicts });

      expect(dynamoMock).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        Key: { aliasArn: { S: ALIAS_ARN }, sk: { S: RECORD_KEY } },
        UpdateExpression: 'SET signalsActedOn = :signalsActedOn, verdicts = :verdicts',
        ExpressionAttributeValues: {
          ':signalsActedOn': { S: JSON.stringify(signals) },
          ':verdicts': { S: JSON.stringify(verdicts) },
        },
      });
    });

    it.each([
      ['released', {}, 'no deployment holds it any more'],
      ['held by another execution', lockItem(OTHER_EXECUTION), `execution ${OTHER_EXECUTION} holds it now`],
      [
        'taken over by recovery',
        { Item: { ...lockItem().Item, recovering: { S: at(60) } } },
        `recovery took it over at ${at(60)}`,
      ],
    ])('fails with DeploymentLockLost, writing nothing, when the lock is %s', async (_case, found, why) => {
      dynamoMock.on(GetItemCommand).resolves(found);

      const rejection = lock().update(ALIAS_ARN, EXECUTION_ARN, {
        targetVersionArn: version(3),
        timeline: [],
      });

      await expect(rejection).rejects.toMatchObject({
        name: 'DeploymentLockLost',
        message: expect.stringContaining(why),
      });
      expect(dynamoMock).not.toHaveReceivedCommand(UpdateItemCommand);
    });

    it('fails with DeploymentLockLost when the lock changes hands between the check and the write', async () => {
      dynamoMock.on(GetItemCommand).resolvesOnce(lockItem()).resolves(lockItem(OTHER_EXECUTION));
      dynamoMock
        .on(UpdateItemCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
        );

      await expect(
        lock().update(ALIAS_ARN, EXECUTION_ARN, { targetVersionArn: version(3) }),
      ).rejects.toMatchObject({
        name: 'DeploymentLockLost',
      });
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

      await lock().release(ALIAS_ARN, EXECUTION_ARN, {
        status: 'NO_CHANGE',
        endedAt: at(0),
        targetVersionArn: version(3),
      });

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

      await lock().release(ALIAS_ARN, EXECUTION_ARN, {
        status: 'FAILED',
        endedAt: at(0),
        cause: 'x'.repeat(100_000),
      });

      const update = dynamoMock.commandCalls(UpdateItemCommand)[0]!.args[0].input;
      const cause = update.ExpressionAttributeValues?.[':cause']?.S ?? '';
      expect(cause).toHaveLength(30_000);
      expect(cause.endsWith(' …[truncated]')).toBe(true);
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

      await expect(
        lock().release(ALIAS_ARN, EXECUTION_ARN, { status: 'PROMOTED', endedAt: at(600) }),
      ).rejects.toThrow('InternalServerError');
    });
  });

  describe('heldBy', () => {
    it('finds the lock its owner holds through the owner index, and reads it consistently', async () => {
      // Arrange
      dynamoMock.on(QueryCommand).resolves({ Items: [{ ...LOCK_KEY, owner: { S: EXECUTION_ARN } }] });
      dynamoMock.on(GetItemCommand).resolves(
        lockItem(EXECUTION_ARN, {
          originVersionArn: { S: version(2) },
          targetVersionArn: { S: version(3) },
        }),
      );

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
      expect(dynamoMock).toHaveReceivedCommandWith(GetItemCommand, {
        TableName: TABLE,
        Key: LOCK_KEY,
        ConsistentRead: true,
      });
      expect(held).toEqual({
        aliasArn: ALIAS_ARN,
        owner: EXECUTION_ARN,
        recordKey: RECORD_KEY,
        acquiredAt: T0.toISOString(),
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
      dynamoMock.on(GetItemCommand).resolves(
        lockItem(OTHER_EXECUTION, {
          originVersionArn: { S: version(3) },
          targetVersionArn: { S: version(4) },
        }),
      );

      await expect(lock().heldBy(EXECUTION_ARN)).resolves.toBeUndefined();
    });
  });

  describe('promote', () => {
    it('deletes the LOCK on condition it is still held and not being recovered, then records PROMOTED', async () => {
      dynamoMock.on(GetItemCommand).resolves(lockItem());

      await lock().promote(ALIAS_ARN, EXECUTION_ARN, {
        endedAt: at(600),
        timeline: [{ at: at(0), weight: 100 }],
      });

      expect(dynamoMock).toHaveReceivedCommandWith(DeleteItemCommand, {
        TableName: TABLE,
        Key: LOCK_KEY,
        ConditionExpression: '#owner = :owner AND attribute_not_exists(recovering)',
        ExpressionAttributeNames: OWNER_NAMES,
        ExpressionAttributeValues: { ':owner': { S: EXECUTION_ARN } },
      });
      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        Key: { aliasArn: { S: ALIAS_ARN }, sk: { S: RECORD_KEY } },
        ExpressionAttributeValues: expect.objectContaining({
          ':status': { S: 'PROMOTED' },
          ':endedAt': { S: at(600) },
        }),
      });
      const calls = dynamoMock.calls().map((call) => call.args[0].constructor.name);
      expect(calls.indexOf('DeleteItemCommand')).toBeLessThan(calls.indexOf('UpdateItemCommand'));
    });

    it('records nothing and fails with DeploymentLockLost when recovery took the lock first', async () => {
      dynamoMock
        .on(GetItemCommand)
        .resolvesOnce(lockItem())
        .resolves({ Item: { ...lockItem().Item, recovering: { S: at(599) } } });
      dynamoMock.on(DeleteItemCommand).rejects(conditionFailed());

      await expect(lock().promote(ALIAS_ARN, EXECUTION_ARN, { endedAt: at(600) })).rejects.toMatchObject({
        name: 'DeploymentLockLost',
      });
      expect(dynamoMock).not.toHaveReceivedCommand(UpdateItemCommand);
    });
  });

  describe('recovery', () => {
    it('takes the lock over on condition its owner still holds it, keeping the first takeover time', async () => {
      dynamoMock.on(GetItemCommand).resolves({ Item: { ...lockItem().Item, recovering: { S: at(900) } } });

      const held = await lock().beginRecovery(ALIAS_ARN, EXECUTION_ARN, at(900));

      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        TableName: TABLE,
        Key: LOCK_KEY,
        UpdateExpression: 'SET recovering = if_not_exists(recovering, :now) REMOVE handoffTo',
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeValues: { ':owner': { S: EXECUTION_ARN }, ':now': { S: at(900) } },
      });
      expect(held).toMatchObject({ owner: EXECUTION_ARN, recovering: at(900) });
    });

    it('takes nothing when another deployment holds the alias now', async () => {
      dynamoMock.on(UpdateItemCommand).rejects(conditionFailed());

      await expect(lock().beginRecovery(ALIAS_ARN, EXECUTION_ARN, at(900))).resolves.toBeUndefined();
    });

    it('lists every lock through the owner index, page by page, reading each consistently', async () => {
      const other = ALIAS_ARN.replace(':live', ':beta');
      dynamoMock
        .on(ScanCommand)
        .resolvesOnce({
          Items: [{ aliasArn: { S: ALIAS_ARN } }],
          LastEvaluatedKey: { aliasArn: { S: ALIAS_ARN } },
        })
        .resolves({ Items: [{ aliasArn: { S: other } }] });
      dynamoMock.on(GetItemCommand, { Key: LOCK_KEY }).resolves(lockItem());
      dynamoMock.on(GetItemCommand, { Key: { aliasArn: { S: other }, sk: { S: 'LOCK' } } }).resolves({});

      const locks = await lock().allLocks();

      expect(dynamoMock).toHaveReceivedCommandTimes(ScanCommand, 2);
      expect(dynamoMock).toHaveReceivedNthCommandWith(2, ScanCommand, {
        TableName: TABLE,
        IndexName: 'owner-index',
        ExclusiveStartKey: { aliasArn: { S: ALIAS_ARN } },
      });
      expect(locks.map((held) => held.aliasArn)).toEqual([ALIAS_ARN]);
    });
  });

  describe('hand-off to a continuation', () => {
    const CHILD = EXECUTION_ARN.replace('deploy-orders-42', 'continue-2-abc');

    it('records the name and the state on the lock, on condition the owner holds it', async () => {
      await lock().handOff(ALIAS_ARN, EXECUTION_ARN, { executionName: 'continue-2-abc', state: '{"x":1}' });

      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        Key: LOCK_KEY,
        UpdateExpression: 'SET handoffTo = :name, handoffState = :state',
        ConditionExpression: '#owner = :owner AND attribute_not_exists(recovering)',
        ExpressionAttributeValues: {
          ':owner': { S: EXECUTION_ARN },
          ':name': { S: 'continue-2-abc' },
          ':state': { S: '{"x":1}' },
        },
      });
    });

    it('gives the state to the execution of that name only, once, on condition nobody claimed it first', async () => {
      dynamoMock
        .on(GetItemCommand)
        .resolves(
          lockItem(EXECUTION_ARN, { handoffTo: { S: 'continue-2-abc' }, handoffState: { S: '{"x":1}' } }),
        );

      await expect(lock().claimHandoff(ALIAS_ARN, CHILD)).resolves.toBe('{"x":1}');

      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        Key: LOCK_KEY,
        UpdateExpression: 'SET #segment = :me REMOVE handoffTo',
        ConditionExpression: 'handoffTo = :name AND attribute_not_exists(recovering)',
        ExpressionAttributeNames: { '#segment': 'segment' },
        ExpressionAttributeValues: { ':me': { S: CHILD }, ':name': { S: 'continue-2-abc' } },
      });
    });

    it.each([
      [
        'another name',
        lockItem(EXECUTION_ARN, { handoffTo: { S: 'continue-2-xyz' }, handoffState: { S: '{}' } }),
      ],
      ['no hand-off', lockItem()],
      [
        'a lock under recovery',
        lockItem(EXECUTION_ARN, {
          handoffTo: { S: 'continue-2-abc' },
          handoffState: { S: '{}' },
          recovering: { S: at(1) },
        }),
      ],
    ])('refuses an execution when the lock names %s, writing nothing', async (_case, found) => {
      dynamoMock.on(GetItemCommand).resolves(found);

      await expect(lock().claimHandoff(ALIAS_ARN, CHILD)).rejects.toMatchObject({
        name: 'DeploymentLockLost',
      });
      expect(dynamoMock).not.toHaveReceivedCommand(UpdateItemCommand);
    });

    it('refuses the second of two executions racing for the same name', async () => {
      dynamoMock
        .on(GetItemCommand)
        .resolves(lockItem(EXECUTION_ARN, { handoffTo: { S: 'continue-2-abc' }, handoffState: { S: '{}' } }));
      dynamoMock.on(UpdateItemCommand).rejects(conditionFailed());

      await expect(lock().claimHandoff(ALIAS_ARN, CHILD)).rejects.toMatchObject({
        name: 'DeploymentLockLost',
      });
    });
  });

  describe('signals and wake-ups', () => {
    const signal = { action: 'pause', sender: 'ana', reason: 'launch', at: at(10) } as const;

    it('takes the queued signals, the wake-up and the token in one write conditioned on holding the lock', async () => {
      dynamoMock.on(UpdateItemCommand).resolves({
        Attributes: {
          ...lockItem().Item,
          signals: { L: [{ S: JSON.stringify(signal) }] },
          wake: { S: '{}' },
        },
      });

      const signals = await lock().takeSignals(ALIAS_ARN, EXECUTION_ARN);

      expect(signals).toEqual([signal]);
      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        TableName: TABLE,
        Key: LOCK_KEY,
        UpdateExpression: 'REMOVE wake, signals, taskToken',
        ConditionExpression: '#owner = :owner AND attribute_not_exists(recovering)',
        ExpressionAttributeNames: OWNER_NAMES,
        ExpressionAttributeValues: { ':owner': { S: EXECUTION_ARN } },
        ReturnValues: 'ALL_OLD',
      });
    });

    it('fails taking signals with DeploymentLockLost when the lock is someone else’s', async () => {
      dynamoMock.on(UpdateItemCommand).rejects(conditionFailed());
      dynamoMock.on(GetItemCommand).resolves(lockItem(OTHER_EXECUTION));

      await expect(lock().takeSignals(ALIAS_ARN, EXECUTION_ARN)).rejects.toMatchObject({
        name: 'DeploymentLockLost',
      });
    });

    it('queues a signal and marks the wake-up on a running deployment’s lock only, returning its token', async () => {
      dynamoMock.on(UpdateItemCommand).resolves({
        Attributes: { ...lockItem().Item, taskToken: { S: 'token-1' }, alarms: { SS: ['orders-errors'] } },
      });
      const reason = { cause: 'signal', detail: 'pause', at: at(10) } as const;

      const held = await lock().wake(ALIAS_ARN, reason, signal);

      expect(held).toMatchObject({ owner: EXECUTION_ARN, taskToken: 'token-1', alarms: ['orders-errors'] });
      expect(dynamoMock).toHaveReceivedCommandWith(UpdateItemCommand, {
        TableName: TABLE,
        Key: LOCK_KEY,
        UpdateExpression: 'SET wake = :wake, signals = list_append(if_not_exists(signals, :none), :signal)',
        // Never creates a lock item, and never wakes one recovery took over.
        ConditionExpression: 'attribute_exists(#owner) AND attribute_not_exists(recovering)',
        ExpressionAttributeNames: OWNER_NAMES,
        ExpressionAttributeValues: {
          ':wake': { S: JSON.stringify(reason) },
          ':none': { L: [] },
          ':signal': { L: [{ S: JSON.stringify(signal) }] },
        },
        ReturnValues: 'ALL_NEW',
      });
    });

    it('wakes nothing when no deployment holds the alias', async () => {
      dynamoMock.on(UpdateItemCommand).rejects(conditionFailed());

      await expect(
        lock().wake(ALIAS_ARN, { cause: 'alarm', detail: 'x is ALARM', at: at(1) }),
      ).resolves.toBeUndefined();
    });

    it('stores no alarm set for a deployment that watches none (DynamoDB refuses an empty set)', async () => {
      await lock().acquire({ ...claim, alarms: [] });

      const item = dynamoMock.commandCalls(PutItemCommand)[0]!.args[0].input.Item!;
      expect(item.alarms).toBeUndefined();
    });
  });
});
