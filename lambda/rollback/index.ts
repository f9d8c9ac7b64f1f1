/**
 * Routes the alias back to the version it served before the deployment, as a
 * single entry, says why (which alarms fired or which error stopped the
 * deployment) and frees the alias. Idempotent, so retrying it is harmless.
 *
 * It only ever writes while the deployment still holds its lock. When it no
 * longer does, the deployment ended elsewhere, and this step reports how
 * instead of touching the alias: a continuation execution rolled back,
 * drifted or promoted (its outcome is on the deployment's record), or
 * recovery or another deployment took the lock (`DeploymentLockLost`).
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { type Sleep, writeAliasRoutingGuarded } from '../shared/aws';
import { createDeploymentLock, createLifecycleEvents, createSfnClient, lazily } from '../shared/clients';
import {
  type Clock,
  copyState,
  type DeployerState,
  type Deployment,
  eventTime,
  type LoopEvent,
  systemClock,
} from '../shared/deployment';
import type { DeploymentLock, RecordedOutcome } from '../shared/lock';
import { DETAIL_TYPES, type LifecycleEvents, LifecycleLog } from '../shared/lifecycle';
import { CAUSE_MAX_CHARS, truncate } from '../shared/limits';
import { logDeployment, logger } from '../shared/logger';
import { allTo, versionLabel } from '../shared/routing';

export interface RollbackDeps {
  sfn: SFNClient;
  /** The alias write, without the SDK's retries: each attempt checks the lock first. @default sfn */
  aliasWriter?: SFNClient;
  lock: DeploymentLock;
  clock?: Clock;
  sleep?: Sleep;
  /** Where `Deployment Rolled Back` / `Deployment Aborted` go. @default none */
  lifecycle?: LifecycleEvents;
}

export async function rollBack(event: LoopEvent, deps: RollbackDeps): Promise<DeployerState> {
  const state = copyState(event.state);
  const { deployment } = state;
  const { aliasArn, owner } = deployment;
  const now = eventTime(event.now, deps.clock ?? systemClock);

  const held = await deps.lock.lockOn(aliasArn);
  if (held?.owner !== owner || held.recovering) {
    return endedElsewhere(state, await deps.lock.outcomeOf(aliasArn, deployment.recordKey), held?.recovering);
  }
  const routing = allTo(deployment.originVersionArn);
  await writeAliasRoutingGuarded(
    deps.aliasWriter ?? deps.sfn,
    aliasArn,
    routing,
    () => deps.lock.assertHeld(aliasArn, owner),
    deps.sleep,
  );

  const reachedWeight = deployment.timeline.at(-1)?.weight ?? 0;
  deployment.routing = routing;
  deployment.timeline.push({ at: now.toISOString(), weight: 0 });
  deployment.rollbackCause = truncate(
    `Rolled back alias ${aliasArn.split(':').at(-1)} to ${versionLabel(deployment.originVersionArn)} ` +
      `(100%) from ${versionLabel(deployment.targetVersionArn)} at ${reachedWeight}%: ${reason(state)}`,
    CAUSE_MAX_CHARS,
  );
  deployment.rollbackError = deployment.aborted
    ? 'DeploymentAborted'
    : deployment.insufficientTraffic && !state.failure
      ? 'InsufficientTraffic'
      : 'DeploymentRolledBack';
  const events = new LifecycleLog(deployment);
  const { aborted } = deployment;
  events.add(
    aborted ? DETAIL_TYPES.aborted : DETAIL_TYPES.rolledBack,
    now,
    aborted
      ? { sender: aborted.sender, reason: aborted.reason, signaledAt: aborted.at, fromWeight: reachedWeight }
      : {
          fromWeight: reachedWeight,
          alarms: deployment.firedAlarms ?? [],
          verdict: deployment.verdict ?? null,
          error: state.failure?.Error ?? null,
          cause: deployment.rollbackCause,
        },
  );
  // The fired alarms are in the cause now: carried once, so the state stays within 256 KiB.
  delete deployment.firedAlarms;
  delete state.failure;
  deployment.next = 'ROLLED_BACK';
  await deps.lock.release(aliasArn, owner, {
    status: 'ROLLED_BACK',
    endedAt: now.toISOString(),
    timeline: deployment.timeline,
    error: deployment.rollbackError,
    cause: deployment.rollbackCause,
  });
  logger.warn('Rolled back', { cause: deployment.rollbackCause });
  await events.flush(deps.lifecycle);
  return state;
}

/** The deployment ended without this execution: report the outcome its record holds, touching nothing. */
function endedElsewhere(
  state: DeployerState & { deployment: Deployment },
  recorded: RecordedOutcome | undefined,
  recovering: string | undefined,
): DeployerState {
  const { deployment } = state;
  if (recorded?.status === 'PROMOTED') {
    // A continuation promoted it and then ended before finishing (e.g. stopped while pruning).
    deployment.next = 'PROMOTED';
    delete state.failure;
    state.result = {
      outcome: 'PROMOTED',
      stateMachineArn: deployment.stateMachineArn,
      aliasArn: deployment.aliasArn,
      fromVersionArn: deployment.originVersionArn,
      toVersionArn: deployment.targetVersionArn,
      timeline: deployment.timeline,
      prunedVersionArns: [],
    };
    return state;
  }
  deployment.next = 'ENDED';
  delete deployment.firedAlarms;
  if (recorded?.error && recorded.status !== 'IN_PROGRESS') {
    state.failure = {
      Error: recorded.error,
      Cause: truncate(recorded.cause ?? recorded.status, CAUSE_MAX_CHARS),
    };
  } else {
    const why = recovering
      ? `recovery took it over at ${recovering}`
      : 'another execution holds it or nobody does';
    state.failure = {
      Error: 'DeploymentLockLost',
      Cause:
        `The deployment of alias ${deployment.aliasArn.split(':').at(-1)} no longer holds its lock (${why}), ` +
        `so it stopped without touching the alias${state.failure?.Error ? ` after ${state.failure.Error}` : ''}`,
    };
  }
  logger.warn('Deployment ended elsewhere', { failure: state.failure });
  return state;
}

function reason(state: DeployerState): string {
  const aborted = state.deployment?.aborted;
  if (aborted) return `aborted by ${aborted.sender} at ${aborted.at}: ${aborted.reason}`;
  if (state.deployment?.gateTimedOut) return state.deployment.gateTimedOut;
  if (state.deployment?.trafficTestFailure) return state.deployment.trafficTestFailure;
  if (state.failure) return `error ${state.failure.Error ?? 'unknown'}: ${errorMessage(state.failure.Cause)}`;
  if (state.deployment?.insufficientTraffic)
    return `insufficient traffic: ${state.deployment.insufficientTraffic}`;
  const fired = state.deployment?.firedAlarms ?? [];
  const reasons = [
    ...(fired.length > 0 ? [`alarms fired: ${fired.join('; ')}`] : []),
    ...(state.deployment?.analysisFailed ? [`analysis: ${state.deployment.analysisFailed}`] : []),
  ];
  return reasons.length > 0 ? reasons.join('; ') : 'stopped';
}

/**
 * A Lambda error's cause is JSON `{"errorType","errorMessage",…}`; a failed continuation's is the
 * child's DescribeExecution; other causes are plain text. A cause cut short at AWS's limit is no
 * longer JSON: it is then quoted as it is (the whole cause is truncated later).
 */
function errorMessage(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string; Status?: string; ExecutionArn?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
    if (parsed.Status)
      return `the continuation execution ${parsed.ExecutionArn ?? ''} ended ${parsed.Status}`;
    return cause;
  } catch {
    return cause;
  }
}

const sfn = createSfnClient();
const aliasWriter = createSfnClient({ retries: false });
const lock = lazily(createDeploymentLock);
const lifecycle = lazily(createLifecycleEvents);

export const handler = async (event: LoopEvent): Promise<DeployerState> => {
  logDeployment(event.executionArn);
  return rollBack(event, { sfn, aliasWriter, lock: lock(), lifecycle: lifecycle() });
};
