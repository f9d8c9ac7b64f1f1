/**
 * One deployment per alias at a time, and a record of each deployment.
 *
 * The deployer's DynamoDB table holds, per alias (partition key `aliasArn`):
 * - the lock, sort key `LOCK`, written with a condition so only one
 *   execution can hold it; it names its owner (the execution the user, rule
 *   or pipeline started) and, once known, the origin and target versions, so
 *   a deployer that stops without cleaning up can still be rolled back;
 * - one record per deployment, sort key `DEPLOYMENT#<started>#<execution>`:
 *   owner, versions, status, timeline and cause — the history users query.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  DeleteItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { TimelineEntry } from './deployment';
import { DeploymentInProgressError } from './errors';

export const LOCK_KEY = 'LOCK';
/** Index of lock items by owner, for recovering a deployer execution that ended without cleaning up. */
export const OWNER_INDEX = 'owner-index';

export type DeploymentStatus = 'IN_PROGRESS' | 'PROMOTED' | 'NO_CHANGE' | 'CREATED_ALIAS' | 'ROLLED_BACK' | 'DRIFTED' | 'FAILED';

export interface LockClaim {
  aliasArn: string;
  stateMachineArn: string;
  /** The execution that owns the deployment: the one that was started, not a continuation. */
  owner: string;
  startedAt: string;
  strategy: string;
}

export interface LockProgress {
  originVersionArn?: string;
  targetVersionArn?: string;
  timeline?: TimelineEntry[];
}

export interface LockOutcome extends LockProgress {
  status: Exclude<DeploymentStatus, 'IN_PROGRESS'>;
  endedAt: string;
  cause?: string;
}

export interface HeldLock {
  aliasArn: string;
  owner: string;
  recordKey: string;
  originVersionArn?: string;
  targetVersionArn?: string;
}

/** What the Lambdas need of the lock; the DynamoDB table implements it. */
export interface DeploymentLock {
  /** Takes the alias for `owner`, or throws `DeploymentInProgress` naming the execution that holds it. Idempotent for the owner. */
  acquire(claim: LockClaim): Promise<void>;
  /** Records progress on the lock and the deployment record. */
  update(aliasArn: string, owner: string, progress: LockProgress): Promise<void>;
  /** Records the outcome and frees the alias. Harmless when already released. */
  release(aliasArn: string, owner: string, outcome: LockOutcome): Promise<void>;
  /** The lock `owner` still holds, if any. */
  heldBy(owner: string): Promise<HeldLock | undefined>;
}

export function recordKey(startedAt: string, owner: string): string {
  return `DEPLOYMENT#${startedAt}#${owner.split(':').at(-1)}`;
}

const s = (value: string): AttributeValue => ({ S: value });

function progressUpdate(progress: LockProgress): { sets: string[]; values: Record<string, AttributeValue> } {
  const sets: string[] = [];
  const values: Record<string, AttributeValue> = {};
  if (progress.originVersionArn) {
    sets.push('originVersionArn = :origin');
    values[':origin'] = s(progress.originVersionArn);
  }
  if (progress.targetVersionArn) {
    sets.push('targetVersionArn = :target');
    values[':target'] = s(progress.targetVersionArn);
  }
  if (progress.timeline) {
    sets.push('timeline = :timeline');
    values[':timeline'] = s(JSON.stringify(progress.timeline));
  }
  return { sets, values };
}

export class DynamoDbDeploymentLock implements DeploymentLock {
  constructor(
    private readonly dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async acquire(claim: LockClaim): Promise<void> {
    const key = recordKey(claim.startedAt, claim.owner);
    try {
      await this.dynamo.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            aliasArn: s(claim.aliasArn),
            sk: s(LOCK_KEY),
            owner: s(claim.owner),
            recordKey: s(key),
            acquiredAt: s(claim.startedAt),
          },
          // The conditional write is the lock; re-acquiring one's own lock is a retry, not a conflict.
          ConditionExpression: 'attribute_not_exists(aliasArn) OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': s(claim.owner) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const holder = await this.dynamo.send(
        new GetItemCommand({ TableName: this.tableName, Key: { aliasArn: s(claim.aliasArn), sk: s(LOCK_KEY) }, ConsistentRead: true }),
      );
      const owner = holder.Item?.owner?.S ?? 'another execution';
      const since = holder.Item?.acquiredAt?.S;
      throw new DeploymentInProgressError(
        `Alias ${claim.aliasArn.split(':').at(-1)} is being deployed by execution ${owner}${since ? ` since ${since}` : ''}; ` +
          'wait for it to end, or stop it (its alias is then rolled back)',
      );
    }
    // The record follows the lock; a retry after a failure here writes it again.
    await this.dynamo.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          aliasArn: s(claim.aliasArn),
          sk: s(key),
          executionArn: s(claim.owner),
          stateMachineArn: s(claim.stateMachineArn),
          status: s('IN_PROGRESS'),
          strategy: s(claim.strategy),
          startedAt: s(claim.startedAt),
          timeline: s('[]'),
        },
      }),
    );
  }

  async update(aliasArn: string, owner: string, progress: LockProgress): Promise<void> {
    const held = await this.lockItem(aliasArn);
    if (held?.owner !== owner) return;
    const { sets, values } = progressUpdate(progress);
    if (sets.length === 0) return;
    const lockSets = sets.filter((set) => !set.startsWith('timeline'));
    if (lockSets.length > 0) {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) },
          UpdateExpression: `SET ${lockSets.join(', ')}`,
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ...pick(values, lockSets), ':owner': s(owner) },
        }),
      );
    }
    await this.dynamo.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { aliasArn: s(aliasArn), sk: s(held.recordKey) },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async release(aliasArn: string, owner: string, outcome: LockOutcome): Promise<void> {
    const held = await this.lockItem(aliasArn);
    if (held?.owner !== owner) return;
    const { sets, values } = progressUpdate(outcome);
    sets.push('#status = :status', 'endedAt = :endedAt');
    values[':status'] = s(outcome.status);
    values[':endedAt'] = s(outcome.endedAt);
    if (outcome.cause) {
      sets.push('cause = :cause');
      values[':cause'] = s(outcome.cause.slice(0, 32_000));
    }
    await this.dynamo.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { aliasArn: s(aliasArn), sk: s(held.recordKey) },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      }),
    );
    try {
      await this.dynamo.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': s(owner) },
        }),
      );
    } catch (error) {
      // Released meanwhile by a retry or by recovery: the outcome is recorded either way.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async heldBy(owner: string): Promise<HeldLock | undefined> {
    const found = await this.dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: OWNER_INDEX,
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': s(owner) },
      }),
    );
    const item = found.Items?.[0];
    if (!item?.aliasArn?.S) return undefined;
    // The index is eventually consistent: it may still list a lock its owner released and another execution took since.
    const held = await this.lockItem(item.aliasArn.S);
    return held?.owner === owner ? held : undefined;
  }

  private async lockItem(aliasArn: string): Promise<HeldLock | undefined> {
    const found = await this.dynamo.send(
      new GetItemCommand({ TableName: this.tableName, Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) }, ConsistentRead: true }),
    );
    const item = found.Item;
    if (!item?.owner?.S || !item.recordKey?.S) return undefined;
    return {
      aliasArn,
      owner: item.owner.S,
      recordKey: item.recordKey.S,
      originVersionArn: item.originVersionArn?.S,
      targetVersionArn: item.targetVersionArn?.S,
    };
  }
}

function pick(values: Record<string, AttributeValue>, sets: string[]): Record<string, AttributeValue> {
  const names = sets.map((set) => set.split('=')[1]!.trim());
  return Object.fromEntries(Object.entries(values).filter(([name]) => names.includes(name)));
}
