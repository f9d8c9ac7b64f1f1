/**
 * Recovery of a deployment whose deployer execution ended still holding its
 * alias (stopped, timed out, failed outside the rollback path): the alias
 * goes back to the origin if it still sends traffic to the new version, and
 * the lock is freed. Used by the recovery Lambda (status-change events and
 * the scheduled sweep) and by a new deployment that finds a stale lock.
 *
 * Order matters. Recovery first marks the lock as its own, so every step of
 * the ended deployment that is still running (a shift retrying a throttled
 * write) fails its lock check from then on. A write that passed its check
 * just before can still be on the wire: the fence waits out the SDK's
 * request timeout, then looks again and undoes such a late write.
 */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { isNamed, readAliasRouting, realSleep, type Sleep, writeAliasRouting } from './aws';
import { REQUEST_TIMEOUT_MS } from './clients';
import type { Clock } from './deployment';
import type { DeploymentLock, HeldLock } from './lock';
import { logger } from './logger';
import { allTo, describeRouting, type RoutingEntry, versionLabel } from './routing';

/** How long recovery waits for a write the ended deployment may still have in flight. */
export const FENCE_MS = REQUEST_TIMEOUT_MS + 5_000;
/** A recovery that took a lock and did not free it within this long crashed: the next one takes over. */
export const STALE_RECOVERY_MS = 5 * 60_000;

export interface RecoveryDeps {
  sfn: SFNClient;
  lock: DeploymentLock;
  clock: Clock;
  sleep?: Sleep;
}

export interface Recovery {
  action: 'none' | 'released' | 'rolled-back';
  aliasArn?: string;
  cause?: string;
}

/** The statuses of an execution that has ended for good (PENDING_REDRIVE may still run again). */
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * The status of a deployer execution, or undefined while it may still run. One that no longer
 * exists (its history expired, 90 days after it ended) has ended: `EXPIRED`.
 */
export async function endedStatus(sfn: SFNClient, executionArn: string): Promise<string | undefined> {
  try {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return described.status && ENDED.has(described.status) ? described.status : undefined;
  } catch (error) {
    if (isNamed(error, 'ExecutionDoesNotExist')) return 'EXPIRED';
    throw error;
  }
}

/** Whether a lock is left behind: its owner has ended, or a recovery of it crashed. */
export async function isStale(
  held: HeldLock,
  deps: Pick<RecoveryDeps, 'sfn' | 'clock'>,
): Promise<string | undefined> {
  if (held.recovering) {
    return deps.clock().getTime() - Date.parse(held.recovering) >= STALE_RECOVERY_MS
      ? 'RECOVERY_STALLED'
      : undefined;
  }
  return endedStatus(deps.sfn, held.owner);
}

/**
 * Recovers the lock `held` after its owner ended with `status`. A succeeded
 * owner only frees it (its promotion, if any, was recorded already); any
 * other end returns the alias to the origin when it still serves the target.
 */
export async function recoverLock(held: HeldLock, status: string, deps: RecoveryDeps): Promise<Recovery> {
  const sleep = deps.sleep ?? realSleep;
  const now = () => deps.clock().toISOString();
  const name = held.owner.split(':').at(-1);
  const taken = await deps.lock.beginRecovery(held.aliasArn, held.owner, now());
  if (!taken) return { action: 'none' };
  const { aliasArn, originVersionArn, targetVersionArn } = taken;

  if (status === 'SUCCEEDED' || !targetVersionArn || !originVersionArn) {
    const cause =
      status === 'SUCCEEDED'
        ? `Deployer execution ${name} succeeded holding its lock: freed`
        : `Deployer execution ${name} ended ${status} before shifting any traffic`;
    await deps.lock.release(aliasArn, held.owner, {
      status: status === 'SUCCEEDED' ? 'PROMOTED' : 'FAILED',
      endedAt: now(),
      ...(status === 'SUCCEEDED' ? {} : { error: 'DeploymentRecovered' }),
      cause,
    });
    return { action: 'released', aliasArn, cause };
  }

  const origin = allTo(originVersionArn);
  const servesTarget = (routing: RoutingEntry[] | undefined) =>
    routing?.some((entry) => entry.stateMachineVersionArn === targetVersionArn && entry.weight > 0) ?? false;
  const before = await readAliasRouting(deps.sfn, aliasArn);
  const rolledBack = servesTarget(before);
  if (rolledBack) await writeAliasRouting(deps.sfn, aliasArn, origin);
  // The fence: a shift that checked its lock just before recovery took it may land its write now.
  await sleep(FENCE_MS);
  const after = await readAliasRouting(deps.sfn, aliasArn);
  const lateWrite = servesTarget(after);
  if (lateWrite) {
    logger.warn('Undid a write the ended deployment landed after recovery took its lock', {
      aliasArn,
      routing: after,
    });
    await writeAliasRouting(deps.sfn, aliasArn, origin);
  }
  const cause =
    rolledBack || lateWrite
      ? `Deployer execution ${name} ended ${status}: rolled back alias to ${versionLabel(originVersionArn)} (100%)`
      : `Deployer execution ${name} ended ${status}; alias ${before ? `routes ${describeRouting(before)}` : 'was deleted'}, ` +
        `not ${versionLabel(targetVersionArn)}: left as it was`;
  await deps.lock.release(aliasArn, held.owner, {
    status: rolledBack || lateWrite ? 'ROLLED_BACK' : 'FAILED',
    endedAt: now(),
    error: 'DeploymentRecovered',
    cause,
  });
  logger.warn('Recovered a deployment', { executionArn: held.owner, status, cause });
  return { action: rolledBack || lateWrite ? 'rolled-back' : 'released', aliasArn, cause };
}
