/**
 * Moves the alias to the weight of the current step, after checking that the
 * alias still routes as this deployment left it. A routing someone else
 * wrote is never overwritten: the deployment stops with `AliasDrift`. Every
 * attempt to write first checks that the deployment still holds its lock, so
 * a shift still retrying after the deployer was stopped and recovered stops
 * with `DeploymentLockLost` instead of splitting the alias again.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { type Sleep, writeAliasRoutingGuarded } from '../shared/aws';
import { countEvents, SHIFT_EVENTS } from '../shared/budget';
import { createDeploymentLock, createLifecycleEvents, createSfnClient, lazily } from '../shared/clients';
import {
  type Clock,
  copyState,
  type DeployerState,
  eventTime,
  type LoopEvent,
  systemClock,
} from '../shared/deployment';
import { assertNoDrift, releasingOnDrift } from '../shared/drift';
import { DETAIL_TYPES, type LifecycleEvents, LifecycleLog } from '../shared/lifecycle';
import type { DeploymentLock } from '../shared/lock';
import { logDeployment, logger } from '../shared/logger';
import { MAX_DEPLOYMENT_SECONDS } from '../shared/plan';
import { routingFor } from '../shared/routing';

export interface ShiftWeightDeps {
  /** Reads, with the SDK's retries. */
  sfn: SFNClient;
  /** The alias write, without the SDK's retries: each attempt checks the lock first. @default sfn */
  aliasWriter?: SFNClient;
  lock: DeploymentLock;
  clock?: Clock;
  sleep?: Sleep;
  /** Where `Weight Shifted` and a pause step's `Deployment Paused` go. @default none */
  lifecycle?: LifecycleEvents;
}

export async function shiftWeight(event: LoopEvent, deps: ShiftWeightDeps): Promise<DeployerState> {
  const state = copyState(event.state);
  const deployment = state.deployment;
  const step = deployment.steps[deployment.stepIndex];
  if (!step) throw new Error(`No step ${deployment.stepIndex} in a plan of ${deployment.steps.length} steps`);
  const desired = routingFor(deployment.targetVersionArn, deployment.originVersionArn, step.weight);
  const { aliasArn, owner } = deployment;

  const now = eventTime(event.now, deps.clock ?? systemClock);
  // The desired routing also counts as "as left": a retried shift may have written it already.
  await releasingOnDrift(deps.lock, deployment, now, () =>
    assertNoDrift(deps.sfn, aliasArn, [deployment.routing, desired]),
  );
  const previousWeight = deployment.timeline.at(-1)?.weight ?? 0;
  // A pause step keeps the weight before it: nothing to write, and no shift on the timeline.
  if (!step.pause) {
    await writeAliasRoutingGuarded(
      deps.aliasWriter ?? deps.sfn,
      aliasArn,
      desired,
      () => deps.lock.assertHeld(aliasArn, owner),
      deps.sleep,
    );
    deployment.routing = desired;
    deployment.timeline.push({ at: now.toISOString(), weight: step.weight });
  }
  const holdSeconds = step.pause ? (step.pause.timeoutSeconds ?? MAX_DEPLOYMENT_SECONDS) : step.holdSeconds;
  deployment.stepEndsAt = new Date(now.getTime() + holdSeconds * 1000).toISOString();
  // 0 only for a step held for no time: the state machine then checks at once, without a wait.
  deployment.waitSeconds = Math.min(state.request.alarmPollingSeconds, holdSeconds);
  deployment.next = 'POLL';
  countEvents(deployment, event.executionArn, SHIFT_EVENTS, event.retries);
  await deps.lock.update(aliasArn, owner, { timeline: deployment.timeline });
  const events = new LifecycleLog(deployment);
  if (step.pause) {
    events.add(DETAIL_TYPES.paused, now, {
      gate: true,
      timeoutSeconds: step.pause.timeoutSeconds ?? null,
      onTimeout: step.pause.onTimeout,
    });
  } else {
    events.add(DETAIL_TYPES.shifted, now, { fromWeight: previousWeight, holdSeconds: step.holdSeconds });
  }
  await events.flush(deps.lifecycle);
  logger.info('Shifted weight', {
    weight: step.weight,
    step: deployment.stepIndex + 1,
    of: deployment.steps.length,
    routing: desired,
  });
  return state;
}

const sfn = createSfnClient();
const aliasWriter = createSfnClient({ retries: false });
const lock = lazily(createDeploymentLock);
const lifecycle = lazily(createLifecycleEvents);

export const handler = async (event: LoopEvent): Promise<DeployerState> => {
  logDeployment(event.executionArn);
  return shiftWeight(event, { sfn, aliasWriter, lock: lock(), lifecycle: lifecycle() });
};
