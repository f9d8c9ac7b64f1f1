/**
 * Routes the alias back to the version it served before the deployment, as a
 * single entry, says why (which alarms fired or which error stopped the
 * deployment) and frees the alias. Idempotent, so retrying it or running it
 * twice is harmless.
 *
 * The same Lambda recovers a deployment whose execution ended without
 * cleaning up — stopped by someone, timed out after a year, or failed
 * outside the rollback path: an EventBridge rule on the deployer's own
 * `Step Functions Execution Status Change` events invokes it, and it rolls
 * the alias back from what the lock recorded.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { readAliasRouting, writeAliasRouting } from '../shared/aws';
import { createDeploymentLock, createSfnClient } from '../shared/clients';
import { type Clock, copyState, type DeployerState, eventTime, type LoopEvent, systemClock } from '../shared/deployment';
import type { DeploymentLock } from '../shared/lock';
import { logDeployment, logger } from '../shared/logger';
import { allTo, describeRouting, versionLabel } from '../shared/routing';

export interface RollbackDeps {
  sfn: SFNClient;
  clock?: Clock;
  lock?: DeploymentLock;
}

export async function rollBack(event: LoopEvent, deps: RollbackDeps): Promise<DeployerState> {
  const state = copyState(event.state);
  const { deployment } = state;
  const routing = allTo(deployment.originVersionArn);
  await writeAliasRouting(deps.sfn, deployment.aliasArn, routing);

  const now = eventTime(event.now, deps.clock ?? systemClock);
  const reachedWeight = deployment.timeline.at(-1)?.weight ?? 0;
  deployment.routing = routing;
  deployment.timeline.push({ at: now.toISOString(), weight: 0 });
  deployment.rollbackCause =
    `Rolled back alias ${deployment.aliasArn.split(':').at(-1)} to ${versionLabel(deployment.originVersionArn)} ` +
    `(100%) from ${versionLabel(deployment.targetVersionArn)} at ${reachedWeight}%: ${reason(state)}`;
  delete state.failure;
  await deps.lock?.release(deployment.aliasArn, deployment.owner, {
    status: 'ROLLED_BACK',
    endedAt: now.toISOString(),
    timeline: deployment.timeline,
    cause: deployment.rollbackCause,
  });
  logger.warn('Rolled back', { cause: deployment.rollbackCause });
  return state;
}

function reason(state: DeployerState): string {
  if (state.failure) return `error ${state.failure.Error ?? 'unknown'}: ${errorMessage(state.failure.Cause)}`;
  const fired = state.deployment?.firedAlarms ?? [];
  return fired.length > 0 ? `alarms fired: ${fired.join('; ')}` : 'stopped';
}

/**
 * A Lambda error's cause is JSON `{"errorType","errorMessage",…}`; a failed
 * continuation's is the child's DescribeExecution; other causes are plain text.
 */
function errorMessage(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string; Status?: string; ExecutionArn?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
    if (parsed.Status) return `the continuation execution ${parsed.ExecutionArn ?? ''} ended ${parsed.Status}`;
    return cause;
  } catch {
    return cause;
  }
}

/** The part of a `Step Functions Execution Status Change` event recovery reads. */
export interface ExecutionStatusChange {
  'detail-type': 'Step Functions Execution Status Change';
  time?: string;
  detail: { executionArn: string; status: string; stateMachineArn?: string };
}

export interface Recovery {
  action: 'none' | 'released' | 'rolled-back';
  aliasArn?: string;
}

/**
 * Cleans up after a deployer execution that ended still holding its alias.
 * A succeeded one only frees it; any other end returns the alias to the
 * origin if it still sends traffic to the new version (someone else's
 * routing is left alone), then frees it.
 */
export async function recover(event: ExecutionStatusChange, deps: RollbackDeps & { lock: DeploymentLock }): Promise<Recovery> {
  const { executionArn, status } = event.detail;
  if (status === 'RUNNING' || status === 'PENDING_REDRIVE') return { action: 'none' };
  const held = await deps.lock.heldBy(executionArn);
  if (!held) return { action: 'none' };
  const now = eventTime(event.time, deps.clock ?? systemClock).toISOString();
  const name = executionArn.split(':').at(-1);

  if (status === 'SUCCEEDED') {
    await deps.lock.release(held.aliasArn, executionArn, { status: 'PROMOTED', endedAt: now });
    return { action: 'released', aliasArn: held.aliasArn };
  }
  const { originVersionArn, targetVersionArn } = held;
  const routing = await readAliasRouting(deps.sfn, held.aliasArn);
  const servesTarget = routing?.some((entry) => entry.stateMachineVersionArn === targetVersionArn && entry.weight > 0);
  if (originVersionArn && targetVersionArn && servesTarget) {
    await writeAliasRouting(deps.sfn, held.aliasArn, allTo(originVersionArn));
    const cause = `Deployer execution ${name} ended ${status}: rolled back alias to ${versionLabel(originVersionArn)} (100%)`;
    await deps.lock.release(held.aliasArn, executionArn, { status: 'ROLLED_BACK', endedAt: now, cause });
    logger.warn('Recovered a deployment', { executionArn, status, cause });
    return { action: 'rolled-back', aliasArn: held.aliasArn };
  }
  // Either nothing was shifted yet, or the alias no longer serves the target (rolled back already, or changed by someone else).
  const cause = targetVersionArn
    ? `Deployer execution ${name} ended ${status}; alias ${routing ? `routes ${describeRouting(routing)}` : 'was deleted'}, ` +
      `not ${versionLabel(targetVersionArn)}: left as it was`
    : `Deployer execution ${name} ended ${status} before shifting any traffic`;
  await deps.lock.release(held.aliasArn, executionArn, { status: 'FAILED', endedAt: now, cause });
  return { action: 'released', aliasArn: held.aliasArn };
}

function isStatusChange(event: LoopEvent | ExecutionStatusChange): event is ExecutionStatusChange {
  return (event as ExecutionStatusChange)['detail-type'] === 'Step Functions Execution Status Change';
}

const sfn = createSfnClient();
const lock = createDeploymentLock();

export const handler = async (event: LoopEvent | ExecutionStatusChange): Promise<DeployerState | Recovery> => {
  if (isStatusChange(event)) {
    logDeployment(event.detail.executionArn);
    if (!lock) throw new Error('Recovery needs the deployments table (DEPLOYMENTS_TABLE is not set)');
    return recover(event, { sfn, lock });
  }
  logDeployment(event.executionArn);
  return rollBack(event, { sfn, lock });
};
