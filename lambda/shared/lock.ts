/**
 * One deployment per alias at a time, and a record of each deployment.
 *
 * The deployer's DynamoDB table holds, per alias (partition key `aliasArn`):
 * - the lock, sort key `LOCK`, written with a condition so only one
 *   execution can hold it. It names its owner (the execution the user, rule
 *   or pipeline started), the origin and target versions once known (so a
 *   deployer that stops without cleaning up can still be rolled back), the
 *   continuation the owner handed the loop to, and `recovering` once
 *   recovery has taken it over. Every write the loop makes to the alias is
 *   preceded by a check that its owner still holds the lock, and recovery
 *   marks the lock before it touches the alias, so a step still running
 *   after a stop cannot write behind recovery's back. `expiresAt` is a TTL
 *   past the longest any owner can run: the last backstop for a lock
 *   nothing else freed.
 * - one record per deployment, sort key `DEPLOYMENT#<started>#<execution>`:
 *   owner, versions, status, timeline, error and cause — the history users query.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  DeleteItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import type { RecordedVerdict, TimelineEntry } from './deployment';
import { DeploymentInProgressError, DeploymentLockLostError } from './errors';
import { CAUSE_MAX_CHARS, truncate } from './limits';

import {
  LOCK_KEY,
  OWNER_INDEX,
  SIGNALS_ATTRIBUTE,
  TOKEN_ATTRIBUTE,
  TTL_ATTRIBUTE,
  WAKE_ATTRIBUTE,
} from './table';

export { LOCK_KEY, OWNER_INDEX, SIGNALS_ATTRIBUTE, TOKEN_ATTRIBUTE, TTL_ATTRIBUTE, WAKE_ATTRIBUTE };
/**
 * A lock outlives its owner by at most this much: no execution runs longer than a year
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html), so after a year and a
 * day the owner has certainly ended. DynamoDB deletes expired items within a few days.
 */
export const LOCK_TTL_SECONDS = 366 * 24 * 60 * 60;

export type DeploymentStatus =
  | 'IN_PROGRESS'
  | 'PROMOTED'
  | 'NO_CHANGE'
  | 'CREATED_ALIAS'
  | 'ROLLED_BACK'
  | 'DRIFTED'
  | 'LOCK_LOST'
  | 'FAILED';

export interface LockClaim {
  aliasArn: string;
  stateMachineArn: string;
  /** The execution that owns the deployment: the one that was started, not a continuation. */
  owner: string;
  startedAt: string;
  strategy: string;
  /** The alarms the deployment watches: an alarm-state-change event wakes the deployments watching it. */
  alarms?: readonly string[];
  /** Whether `INSUFFICIENT_DATA` fails the deployment, so that state's events wake it too. */
  failOnInsufficientData?: boolean;
  /** Whether the analysis judges the new version's executions (not in a dry run), so their failures wake it. */
  judgesExecutions?: boolean;
}

export interface LockProgress {
  originVersionArn?: string;
  targetVersionArn?: string;
  timeline?: TimelineEntry[];
  /** The operators' signals the deployment acted on: recorded on its record, not on the lock. */
  signals?: Signal[];
  /** Each finished step's last verdict of the analysis: on the record only. */
  verdicts?: readonly RecordedVerdict[];
}

export interface LockOutcome extends LockProgress {
  status: Exclude<DeploymentStatus, 'IN_PROGRESS'>;
  endedAt: string;
  /** The error the deployer execution ends with, for a failed outcome. */
  error?: string;
  cause?: string;
}

export interface HeldLock {
  aliasArn: string;
  owner: string;
  recordKey: string;
  acquiredAt?: string;
  originVersionArn?: string;
  targetVersionArn?: string;
  /** Set once recovery has taken the lock over: the owner's steps no longer hold it. */
  recovering?: string;
  alarms?: string[];
  failOnInsufficientData?: boolean;
  judgesExecutions?: boolean;
  /** A wake-up is queued and not yet taken by a check: waking again changes nothing. */
  wakePending?: boolean;
  /** The token of the loop's wait, while it waits: `SendTaskSuccess` with it wakes the loop. */
  taskToken?: string;
}

/** What an operator can tell a running deployment (see lambda/signal-deployment). */
export const SIGNAL_ACTIONS = ['promote', 'pause', 'resume', 'abort'] as const;
export type SignalAction = (typeof SIGNAL_ACTIONS)[number];

/** A signal as the lock queues it and the deployment records it: what, who, why and when. */
export interface Signal {
  action: SignalAction;
  /** Who sent it, as the sender named itself (its IAM identity, for the command line). */
  sender: string;
  reason: string;
  at: string;
  /** `promote` only: skip the rest of the bake at 100% too. */
  full?: boolean;
}

/** Why a waiting loop was woken, stored on the lock until the loop's next check takes it. */
export interface WakeReason {
  /** An alarm changed state, a signal arrived, or an execution of the new version failed. */
  cause: 'alarm' | 'signal' | 'execution';
  detail: string;
  at: string;
}

/** How a deployment ended, as its record says. */
export interface RecordedOutcome {
  status: DeploymentStatus;
  error?: string;
  cause?: string;
}

/** What the Lambdas need of the lock; the DynamoDB table implements it. */
export interface DeploymentLock {
  /**
   * Takes the alias for `owner`, or throws `DeploymentInProgress` naming the execution that holds it
   * (with the lock as `holder`). Idempotent for the owner.
   */
  acquire(claim: LockClaim): Promise<void>;
  /** Throws `DeploymentLockLost` unless `owner` still holds the alias and recovery has not taken it over. */
  assertHeld(aliasArn: string, owner: string): Promise<HeldLock>;
  /** Records progress on the lock and the deployment record; `DeploymentLockLost` if `owner` no longer holds it. */
  update(aliasArn: string, owner: string, progress: LockProgress): Promise<void>;
  /** Records the outcome and frees the alias. Harmless when already released. */
  release(aliasArn: string, owner: string, outcome: LockOutcome): Promise<void>;
  /**
   * Records the promotion and frees the alias, on condition that `owner` still holds it
   * (`DeploymentLockLost` otherwise): from here on nothing rolls the alias back.
   */
  promote(aliasArn: string, owner: string, outcome: Omit<LockOutcome, 'status'>): Promise<void>;
  /** The lock `owner` still holds, if any. */
  heldBy(owner: string): Promise<HeldLock | undefined>;
  /** The lock on an alias, whoever holds it. */
  lockOn(aliasArn: string): Promise<HeldLock | undefined>;
  /** Every lock in the table, for the sweep. */
  allLocks(): Promise<HeldLock[]>;
  /**
   * Marks the lock as taken over by recovery, on condition that it is still `owner`'s: from then on
   * the owner's steps fail their lock check. Returns the lock, or undefined when it is no longer `owner`'s.
   */
  beginRecovery(aliasArn: string, owner: string, now: string): Promise<HeldLock | undefined>;
  /** Names the execution the loop continues in and the state it continues from, on condition that `owner` holds the lock. */
  handOff(aliasArn: string, owner: string, handoff: Handoff): Promise<void>;
  /** The state handed to `executionName`, claimed once: anything else is refused. */
  claimHandoff(aliasArn: string, executionArn: string): Promise<string>;
  /** How the deployment recorded under `recordKey` ended, if it has. */
  outcomeOf(aliasArn: string, recordKey: string): Promise<RecordedOutcome | undefined>;
  /**
   * Takes the signals queued for `owner`'s deployment and clears its wake-up and task token, in one
   * conditional write: `DeploymentLockLost` unless `owner` still holds the lock.
   */
  takeSignals(aliasArn: string, owner: string): Promise<Signal[]>;
  /**
   * Marks the running deployment of `aliasArn` to be woken, queueing `signal` if given, so its wait
   * ends at once (with the returned token) or its next wait does not start. Undefined when no
   * deployment holds the alias (or recovery has taken it over).
   */
  wake(aliasArn: string, reason: WakeReason, signal?: Signal): Promise<HeldLock | undefined>;
}

/** The continuation a deployment hands its loop to. */
export interface Handoff {
  /** Name of the execution that continues the loop. */
  executionName: string;
  /** The loop state, as JSON. */
  state: string;
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
  if (progress.signals && progress.signals.length > 0) {
    sets.push('signalsActedOn = :signalsActedOn');
    values[':signalsActedOn'] = s(JSON.stringify(progress.signals));
  }
  if (progress.verdicts && progress.verdicts.length > 0) {
    sets.push('verdicts = :verdicts');
    values[':verdicts'] = s(JSON.stringify(progress.verdicts));
  }
  return { sets, values };
}

const HOLDS = '#owner = :owner AND attribute_not_exists(recovering)';

/** A lock item as the deployer reads it, or `undefined` when there is none. */
function heldLockOf(
  aliasArn: string,
  item: Record<string, AttributeValue> | undefined,
): HeldLock | undefined {
  if (!item?.owner?.S || !item.recordKey?.S) return undefined;
  return {
    aliasArn,
    owner: item.owner.S,
    recordKey: item.recordKey.S,
    acquiredAt: item.acquiredAt?.S,
    originVersionArn: item.originVersionArn?.S,
    targetVersionArn: item.targetVersionArn?.S,
    recovering: item.recovering?.S,
    alarms: item.alarms?.SS,
    failOnInsufficientData: item.failOnInsufficientData?.BOOL,
    judgesExecutions: item.judgesExecutions?.BOOL,
    ...(item[WAKE_ATTRIBUTE] !== undefined ? { wakePending: true } : {}),
    taskToken: item[TOKEN_ATTRIBUTE]?.S,
  };
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
            // A string set cannot be empty: a deployment without alarms stores none.
            ...(claim.alarms && claim.alarms.length > 0 ? { alarms: { SS: [...claim.alarms] } } : {}),
            failOnInsufficientData: { BOOL: claim.failOnInsufficientData ?? false },
            judgesExecutions: { BOOL: claim.judgesExecutions ?? false },
            [TTL_ATTRIBUTE]: { N: String(Math.floor(Date.parse(claim.startedAt) / 1000) + LOCK_TTL_SECONDS) },
          },
          // The conditional write is the lock; re-acquiring one's own lock is a retry, not a conflict.
          ConditionExpression: 'attribute_not_exists(aliasArn) OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': s(claim.owner) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const holder = await this.lockOn(claim.aliasArn);
      throw new DeploymentInProgressError(
        `Alias ${claim.aliasArn.split(':').at(-1)} is being deployed by execution ${holder?.owner ?? 'another execution'}` +
          `${holder?.acquiredAt ? ` since ${holder.acquiredAt}` : ''}; wait for it to end, or stop it (its alias is then rolled back)`,
        { holder },
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

  async assertHeld(aliasArn: string, owner: string): Promise<HeldLock> {
    const held = await this.lockOn(aliasArn);
    if (held?.owner !== owner || held.recovering) throw lockLost(aliasArn, owner, held);
    return held;
  }

  async update(aliasArn: string, owner: string, progress: LockProgress): Promise<void> {
    const held = await this.assertHeld(aliasArn, owner);
    const { sets, values } = progressUpdate(progress);
    if (sets.length === 0) return;
    // What only the record keeps: the timeline, the signals acted on and the verdicts.
    const lockSets = sets.filter((set) => !/^(timeline|signalsActedOn|verdicts) /.test(set));
    if (lockSets.length > 0) {
      await this.conditionally(aliasArn, owner, () =>
        this.dynamo.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) },
            UpdateExpression: `SET ${lockSets.join(', ')}`,
            ConditionExpression: HOLDS,
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ...pick(values, lockSets), ':owner': s(owner) },
          }),
        ),
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
    const held = await this.lockOn(aliasArn);
    if (held?.owner !== owner) return;
    await this.recordOutcome(aliasArn, held.recordKey, outcome);
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

  async promote(aliasArn: string, owner: string, outcome: Omit<LockOutcome, 'status'>): Promise<void> {
    const held = await this.assertHeld(aliasArn, owner);
    // Delete first, on condition: once it succeeds recovery can no longer take the lock and roll back.
    await this.conditionally(aliasArn, owner, () =>
      this.dynamo.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) },
          ConditionExpression: HOLDS,
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': s(owner) },
        }),
      ),
    );
    await this.recordOutcome(aliasArn, held.recordKey, { ...outcome, status: 'PROMOTED' });
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
    const held = await this.lockOn(item.aliasArn.S);
    return held?.owner === owner ? held : undefined;
  }

  async lockOn(aliasArn: string): Promise<HeldLock | undefined> {
    return heldLockOf(aliasArn, await this.item(aliasArn, LOCK_KEY));
  }

  async allLocks(): Promise<HeldLock[]> {
    // The owner index holds only lock items (records name their execution in another attribute).
    const aliases: string[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamo.send(
        new ScanCommand({ TableName: this.tableName, IndexName: OWNER_INDEX, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) if (item.aliasArn?.S) aliases.push(item.aliasArn.S);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const locks = await Promise.all(aliases.map((aliasArn) => this.lockOn(aliasArn)));
    return locks.filter((held): held is HeldLock => held !== undefined);
  }

  async beginRecovery(aliasArn: string, owner: string, now: string): Promise<HeldLock | undefined> {
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) },
          // A recovery that crashed half-way is taken over again by the next one: no condition on `recovering`.
          UpdateExpression: 'SET recovering = if_not_exists(recovering, :now) REMOVE handoffTo',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': s(owner), ':now': s(now) },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
    const held = await this.lockOn(aliasArn);
    return held?.owner === owner ? held : undefined;
  }

  async handOff(aliasArn: string, owner: string, handoff: Handoff): Promise<void> {
    await this.conditionally(aliasArn, owner, () =>
      this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) },
          UpdateExpression: 'SET handoffTo = :name, handoffState = :state',
          ConditionExpression: HOLDS,
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':owner': s(owner),
            ':name': s(handoff.executionName),
            ':state': s(handoff.state),
          },
        }),
      ),
    );
  }

  async claimHandoff(aliasArn: string, executionArn: string): Promise<string> {
    const name = executionArn.split(':').at(-1)!;
    const item = await this.item(aliasArn, LOCK_KEY);
    const state = item?.handoffState?.S;
    // A retried claim by the execution that already claimed it gets the same state again.
    if (state && item?.segment?.S === executionArn && !item.recovering) return state;
    if (!state || item?.handoffTo?.S !== name || item.recovering) {
      throw new DeploymentLockLostError(
        `Execution ${name} is not the continuation any deployment of ${aliasArn} handed its loop to`,
      );
    }
    try {
      await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) },
          // SEGMENT is one of DynamoDB's reserved words.
          UpdateExpression: 'SET #segment = :me REMOVE handoffTo',
          ConditionExpression: 'handoffTo = :name AND attribute_not_exists(recovering)',
          ExpressionAttributeNames: { '#segment': 'segment' },
          ExpressionAttributeValues: { ':me': s(executionArn), ':name': s(name) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw new DeploymentLockLostError(
        `The continuation handed to execution ${name} was claimed or recovered meanwhile`,
      );
    }
    return state;
  }

  async outcomeOf(aliasArn: string, key: string): Promise<RecordedOutcome | undefined> {
    const item = await this.item(aliasArn, key);
    const status = item?.status?.S as DeploymentStatus | undefined;
    if (!status) return undefined;
    return { status, error: item?.error?.S, cause: item?.cause?.S };
  }

  async takeSignals(aliasArn: string, owner: string): Promise<Signal[]> {
    let old: Record<string, AttributeValue> | undefined;
    await this.conditionally(aliasArn, owner, async () => {
      const out = await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) },
          UpdateExpression: `REMOVE ${WAKE_ATTRIBUTE}, ${SIGNALS_ATTRIBUTE}, ${TOKEN_ATTRIBUTE}`,
          ConditionExpression: HOLDS,
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': s(owner) },
          ReturnValues: 'ALL_OLD',
        }),
      );
      old = out?.Attributes;
    });
    return (old?.[SIGNALS_ATTRIBUTE]?.L ?? []).flatMap((entry) =>
      entry.S ? [JSON.parse(entry.S) as Signal] : [],
    );
  }

  async wake(aliasArn: string, reason: WakeReason, signal?: Signal): Promise<HeldLock | undefined> {
    const sets = [`${WAKE_ATTRIBUTE} = :wake`];
    const values: Record<string, AttributeValue> = { ':wake': s(JSON.stringify(reason)) };
    if (signal) {
      sets.push(`${SIGNALS_ATTRIBUTE} = list_append(if_not_exists(${SIGNALS_ATTRIBUTE}, :none), :signal)`);
      values[':none'] = { L: [] };
      values[':signal'] = { L: [s(JSON.stringify(signal))] };
    }
    try {
      const out = await this.dynamo.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { aliasArn: s(aliasArn), sk: s(LOCK_KEY) },
          UpdateExpression: `SET ${sets.join(', ')}`,
          // Only a running deployment's lock: never create an item, never wake one recovery took over.
          ConditionExpression: 'attribute_exists(#owner) AND attribute_not_exists(recovering)',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return heldLockOf(aliasArn, out.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** One item of the alias, read consistently: the lock or a deployment record. */
  private async item(aliasArn: string, sk: string): Promise<Record<string, AttributeValue> | undefined> {
    const found = await this.dynamo.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { aliasArn: s(aliasArn), sk: s(sk) },
        ConsistentRead: true,
      }),
    );
    return found.Item;
  }

  private async recordOutcome(aliasArn: string, key: string, outcome: LockOutcome): Promise<void> {
    const { sets, values } = progressUpdate(outcome);
    sets.push('#status = :status', 'endedAt = :endedAt');
    values[':status'] = s(outcome.status);
    values[':endedAt'] = s(outcome.endedAt);
    if (outcome.error) {
      sets.push('#error = :error');
      values[':error'] = s(outcome.error);
    }
    if (outcome.cause) {
      sets.push('cause = :cause');
      values[':cause'] = s(truncate(outcome.cause, CAUSE_MAX_CHARS));
    }
    await this.dynamo.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { aliasArn: s(aliasArn), sk: s(key) },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: { '#status': 'status', ...(outcome.error ? { '#error': 'error' } : {}) },
        ExpressionAttributeValues: values,
      }),
    );
  }

  /** Runs a write conditioned on {@link HOLDS}; a failed condition means the lock is lost. */
  private async conditionally(aliasArn: string, owner: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw lockLost(aliasArn, owner, await this.lockOn(aliasArn));
    }
  }
}

function lockLost(aliasArn: string, owner: string, held: HeldLock | undefined): DeploymentLockLostError {
  const alias = aliasArn.split(':').at(-1);
  const execution = owner.split(':').at(-1);
  const why = !held
    ? 'no deployment holds it any more'
    : held.owner !== owner
      ? `execution ${held.owner} holds it now`
      : `recovery took it over at ${held.recovering}`;
  return new DeploymentLockLostError(
    `The deployment of alias ${alias} by execution ${execution} no longer holds its lock (${why}): it stops without touching the alias`,
  );
}

function pick(values: Record<string, AttributeValue>, sets: string[]): Record<string, AttributeValue> {
  const names = sets.map((set) => set.split('=')[1]!.trim());
  return Object.fromEntries(Object.entries(values).filter(([name]) => names.includes(name)));
}
