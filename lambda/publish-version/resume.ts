/**
 * The first step of a continuation execution: take over the loop that the
 * deployment handed to this execution, by name, on its lock. The loop state
 * comes from the lock, which only the deployer's own steps write, never from
 * the execution's input: an execution started by anyone else with loop state
 * in its input is refused, and one that names a continuation it is not gets
 * nothing.
 */
import { countEvents } from '../shared/budget';
import type { DeployerState } from '../shared/deployment';
import { DeploymentLockLostError, InvalidDeployRequestError } from '../shared/errors';
import { ALIAS_NAME } from '../shared/arns';
import type { DeploymentLock } from '../shared/lock';
import { logger } from '../shared/logger';

/** What the deployer passes to a continuation: only where to find the loop it hands over. */
export interface ContinuationInput {
  continuation: { aliasArn: string };
}

/** Keys that only the deployer's own loop state has: a request that carries them tries to skip the checks. */
const LOOP_STATE_KEYS = ['deployment', 'result', 'failure', 'request'];

export function isContinuation(input: unknown): input is ContinuationInput {
  return typeof input === 'object' && input !== null && 'continuation' in input;
}

/** Refuses input that carries loop state, naming the keys, before anything is read or written. */
export function refuseLoopState(input: unknown): void {
  if (typeof input !== 'object' || input === null) return;
  const carried = LOOP_STATE_KEYS.filter((key) => key in input);
  if (carried.length > 0) {
    throw new InvalidDeployRequestError([
      `the input carries loop state (${carried.join(', ')}), which only the deployer passes between its own steps: ` +
        'start a deployment with a deploy request (stateMachine, alias, …)',
    ]);
  }
}

const ALIAS_ARN = new RegExp(
  `^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:stateMachine:[^:]+:${ALIAS_NAME.source.slice(1, -1)}$`,
);

export async function resumeDeployment(
  input: ContinuationInput,
  executionArn: string,
  retries: number | undefined,
  lock: DeploymentLock,
): Promise<DeployerState> {
  const extra = Object.keys(input).filter(
    (key) => key !== 'continuation' && key !== 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID',
  );
  const aliasArn = (input.continuation as { aliasArn?: unknown } | null)?.aliasArn;
  if (extra.length > 0 || typeof aliasArn !== 'string' || !ALIAS_ARN.test(aliasArn)) {
    throw new InvalidDeployRequestError([
      `continuation must be {"aliasArn": "<alias ARN>"} and nothing else, as the deployer starts it, got: ${JSON.stringify(input).slice(0, 300)}`,
    ]);
  }
  let handed: string;
  try {
    handed = await lock.claimHandoff(aliasArn, executionArn);
  } catch (error) {
    if (error instanceof DeploymentLockLostError)
      throw new InvalidDeployRequestError([`continuation: ${error.message}`]);
    throw error;
  }
  const state = JSON.parse(handed) as DeployerState;
  const deployment = state.deployment;
  if (!deployment?.resumeWith)
    throw new Error(`The state handed over on the lock of ${aliasArn} has no step to resume`);
  deployment.next = deployment.resumeWith;
  delete deployment.resumeWith;
  delete deployment.handoffTo;
  countEvents(deployment, executionArn, 0, retries);
  logger.info('Resumed a deployment', {
    owner: deployment.owner,
    segment: deployment.segments,
    next: deployment.next,
  });
  return state;
}
