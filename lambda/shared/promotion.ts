/**
 * Recording a promotion: the alias routes all traffic to the new version, so
 * the lock is freed and the outcome recorded before pruning starts, and a stop
 * or a failure after it leaves the alias where it is.
 */
import type { Deployment } from './deployment';
import { DETAIL_TYPES, type LifecycleLog } from './lifecycle';
import type { DeploymentLock } from './lock';

export async function recordPromotion(
  lock: DeploymentLock,
  deployment: Deployment,
  now: Date,
  events: LifecycleLog,
): Promise<void> {
  await lock.promote(deployment.aliasArn, deployment.owner, {
    endedAt: now.toISOString(),
    originVersionArn: deployment.originVersionArn,
    targetVersionArn: deployment.targetVersionArn,
    timeline: deployment.timeline,
  });
  events.add(DETAIL_TYPES.promoted, now, {
    timeline: deployment.timeline,
    signals: deployment.signals ?? [],
  });
}
