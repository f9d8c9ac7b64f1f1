/**
 * Judges a failing new version as fast as the evidence allows: an
 * EventBridge rule sends each `Step Functions Execution Status Change` to
 * FAILED, TIMED_OUT or ABORTED of a target here, and this wakes the running
 * deployment whose new version that execution ran, if it judges its
 * executions (`analysis`). The woken deployment counts the executions
 * itself, so an event is only a prompt: these events are best effort, and
 * the poll stays the backstop. The event names no version, so the
 * execution is described once to learn it; failures of the old version
 * wake nothing.
 */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { createDeploymentLock, createSfnClient, lazily } from '../shared/clients';
import { type Clock, systemClock } from '../shared/deployment';
import type { DeploymentLock } from '../shared/lock';
import { logger } from '../shared/logger';
import { endWait } from '../shared/wake';

/** The part of a `Step Functions Execution Status Change` event this reads
 * (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html). */
export interface ExecutionStatusChange {
  'detail-type': 'Step Functions Execution Status Change';
  detail: { executionArn: string; stateMachineArn: string; status: string };
}

export interface WakeOnFailureResult {
  executionArn: string;
  versionArn?: string;
  woken: string[];
  marked: string[];
}

export interface WakeOnFailureDeps {
  sfn: SFNClient;
  lock: DeploymentLock;
  clock?: Clock;
}

const FAILED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

export async function wakeOnFailure(
  event: ExecutionStatusChange,
  deps: WakeOnFailureDeps,
): Promise<WakeOnFailureResult> {
  const { executionArn, stateMachineArn, status } = event.detail;
  const result: WakeOnFailureResult = { executionArn, woken: [], marked: [] };
  if (!FAILED.has(status)) return result;
  const judging = (await deps.lock.allLocks()).filter(
    (held) =>
      held.judgesExecutions === true &&
      !held.recovering &&
      // Already woken: its check is coming and counts this failure too, so nothing to describe.
      !held.wakePending &&
      held.targetVersionArn !== undefined &&
      held.aliasArn.startsWith(`${stateMachineArn}:`),
  );
  if (judging.length === 0) return result;
  const described = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  result.versionArn = described.stateMachineVersionArn;
  const at = (deps.clock ?? systemClock)().toISOString();
  await Promise.all(
    judging
      .filter((held) => held.targetVersionArn === described.stateMachineVersionArn)
      .map(async (candidate) => {
        try {
          const why = `an execution of the new version ${status}`;
          const held = await deps.lock.wake(candidate.aliasArn, { cause: 'execution', detail: why, at });
          if (!held) return;
          if (await endWait(deps.sfn, held, why)) result.woken.push(held.aliasArn);
          else result.marked.push(held.aliasArn);
        } catch (error) {
          logger.warn('Could not wake a deployment; its next poll counts the failure', {
            aliasArn: candidate.aliasArn,
            error: (error as Error).name,
          });
        }
      }),
  );
  logger.info('Woke deployments on a failed execution of their new version', { ...result });
  return result;
}

const sfn = createSfnClient();
const lock = lazily(createDeploymentLock);

export const handler = async (event: ExecutionStatusChange): Promise<WakeOnFailureResult> =>
  wakeOnFailure(event, { sfn, lock: lock() });
