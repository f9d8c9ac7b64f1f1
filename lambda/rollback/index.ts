/**
 * Routes the alias back to the version it served before the deployment, as a
 * single entry, and says why: which alarms fired or which error stopped the
 * deployment. Idempotent, so retrying it or running it twice is harmless.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { writeAliasRouting } from '../shared/aws';
import { createSfnClient } from '../shared/clients';
import { type Clock, copyState, type DeployerState, eventTime, type LoopEvent, systemClock } from '../shared/deployment';
import { logDeployment, logger } from '../shared/logger';
import { allTo, versionLabel } from '../shared/routing';

export interface RollbackDeps {
  sfn: SFNClient;
  clock?: Clock;
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

const sfn = createSfnClient();

export const handler = async (event: LoopEvent): Promise<DeployerState> => {
  logDeployment(event.executionArn);
  return rollBack(event, { sfn });
};
