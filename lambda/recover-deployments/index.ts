/**
 * Recovers deployments whose deployer execution ended still holding their
 * alias. Two ways in, so that recovery never hangs on one event:
 * - the deployer's own `Step Functions Execution Status Change` events,
 *   which AWS delivers best effort (an EventBridge rule invokes this
 *   asynchronously; failed invocations land in the recovery queue, which has
 *   an alarm);
 * - a scheduled sweep every few minutes, which lists every lock and
 *   recovers those whose owner is no longer RUNNING (or whose recovery
 *   stalled).
 * A new deployment that finds a stale lock recovers it too (publish-version),
 * and the lock's TTL is the last backstop.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { createDeploymentLock, createSfnClient, lazily } from '../shared/clients';
import { type Clock, eventTime, systemClock } from '../shared/deployment';
import type { DeploymentLock } from '../shared/lock';
import { logDeployment, logger } from '../shared/logger';
import { isStale, type Recovery, recoverLock } from '../shared/recovery';
import type { Sleep } from '../shared/aws';

export type { Recovery } from '../shared/recovery';

export interface RecoverDeps {
  sfn: SFNClient;
  lock: DeploymentLock;
  clock?: Clock;
  sleep?: Sleep;
}

/** The part of a `Step Functions Execution Status Change` event recovery reads. */
export interface ExecutionStatusChange {
  'detail-type': 'Step Functions Execution Status Change';
  time?: string;
  detail: { executionArn: string; status: string; stateMachineArn?: string };
}

/** The event a schedule rule sends (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html). */
export interface ScheduledEvent {
  'detail-type': 'Scheduled Event';
  time?: string;
}

/** Recovers the lock an ended execution still holds, if any. */
export async function recover(event: ExecutionStatusChange, deps: RecoverDeps): Promise<Recovery> {
  const { executionArn, status } = event.detail;
  if (status === 'RUNNING' || status === 'PENDING_REDRIVE') return { action: 'none' };
  const held = await deps.lock.heldBy(executionArn);
  if (!held) return { action: 'none' };
  const clock = () => eventTime(event.time, deps.clock ?? systemClock);
  return recoverLock(held, status, { ...deps, clock });
}

export interface SweepResult {
  locks: number;
  recovered: Recovery[];
}

/** Recovers every lock whose owner has ended or whose recovery stalled. One failure does not stop the rest. */
export async function sweep(deps: RecoverDeps): Promise<SweepResult> {
  const clock = deps.clock ?? systemClock;
  const locks = await deps.lock.allLocks();
  const recovered: Recovery[] = [];
  const failures: unknown[] = [];
  for (const held of locks) {
    try {
      const status = await isStale(held, { sfn: deps.sfn, clock });
      if (status === undefined) continue;
      const recovery = await recoverLock(held, status, { ...deps, clock });
      if (recovery.action !== 'none') recovered.push(recovery);
    } catch (error) {
      logger.error('Could not recover a lock', { aliasArn: held.aliasArn, owner: held.owner, error });
      failures.push(error);
    }
  }
  logger.info('Swept the deployment locks', {
    locks: locks.length,
    recovered: recovered.length,
    failed: failures.length,
  });
  // A failed sweep is retried by the next one; failing the invocation also makes it count as an error (and alarm).
  if (failures.length > 0)
    throw new AggregateError(failures, `Could not recover ${failures.length} of ${locks.length} locks`);
  return { locks: locks.length, recovered };
}

const sfn = createSfnClient();
const lock = lazily(createDeploymentLock);

export const handler = async (
  event: ExecutionStatusChange | ScheduledEvent,
): Promise<Recovery | SweepResult> => {
  if (event['detail-type'] === 'Step Functions Execution Status Change') {
    logDeployment(event.detail.executionArn);
    return recover(event, { sfn, lock: lock() });
  }
  if (event['detail-type'] === 'Scheduled Event') {
    const at = eventTime(event.time, systemClock);
    return sweep({ sfn, lock: lock(), clock: () => at });
  }
  throw new Error(`Unexpected event for recovery: ${JSON.stringify(event).slice(0, 500)}`);
};
