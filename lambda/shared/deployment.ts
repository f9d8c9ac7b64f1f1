/**
 * The loop state that travels in the deployer execution's JSON from one
 * Lambda to the next. Each Lambda takes the state and returns the next one.
 */
import type { Signal } from './lock';
import type { PlanStep } from './plan';
import type { DeployRequest } from './request';
import type { RoutingEntry } from './routing';

/**
 * What the loop does after a Lambda returns; the state machine's Choices route on it, and fail
 * closed on anything else. `ROLLED_BACK`, `ENDED` and `PROMOTED` are the rollback step's verdicts: it
 * rolled back, or found the deployment already ended elsewhere (a continuation rolled back or
 * promoted it, recovery took it over, or the lock was lost).
 */
export type NextMove =
  | 'SHIFT'
  | 'POLL'
  | 'ROLL_BACK'
  | 'FINISH'
  | 'PRUNE'
  | 'CONTINUE'
  | 'ROLLED_BACK'
  | 'ENDED'
  | 'PROMOTED'
  /** Run (or, after a wait, go on running) the pre-traffic tests, before the first shift. */
  | 'PRE_TRAFFIC'
  /** Run (or go on running) the post-traffic checks, at 100% before the promotion is recorded. */
  | 'VERIFY';

export interface TimelineEntry {
  /** ISO time of the shift. */
  readonly at: string;
  /** Percent routed to the new version. */
  readonly weight: number;
}

export interface Deployment {
  /** The execution that owns the deployment and its lock: the one started, not a continuation. */
  readonly owner: string;
  /** Sort key of the deployment's record in the deployments table. */
  readonly recordKey: string;
  readonly stateMachineArn: string;
  readonly aliasArn: string;
  readonly originVersionArn: string;
  readonly targetVersionArn: string;
  /** The plan; a `promote` cuts it short to a final 100% step. */
  steps: PlanStep[];
  /** The step the next shift applies, or the step being held. */
  stepIndex: number;
  /** The target is an Express state machine: its executions are counted from metrics, not listed. */
  readonly express?: boolean;
  /** When alarms started being watched: transitions to ALARM from here on count. */
  readonly watchStartedAt: string;
  /** End of the window already checked for alarm transitions. */
  lastCheckedAt: string;
  stepEndsAt?: string;
  /** The routing the alias must have now: what the deployer last wrote, or found at the start. */
  routing: RoutingEntry[];
  timeline: TimelineEntry[];
  /** Seconds the next Wait lasts. */
  waitSeconds: number;
  next: NextMove;
  /** Alarm checks made so far. */
  polls: number;
  /** With `next: CONTINUE`: what the new execution does first. */
  resumeWith?: 'SHIFT' | 'POLL';
  /** With `next: CONTINUE`: the name of the execution the loop is handed to (recorded on the lock). */
  handoffTo?: string;
  /** The execution running the loop now, and the history events it has used (see budget.ts). */
  segmentExecutionArn: string;
  eventsUsed: number;
  /** Executions the deployment has run in, the first included. */
  segments: number;
  firedAlarms?: string[];
  rollbackCause?: string;
  /** The error a rollback ends the execution with: `DeploymentRolledBack`, or `DeploymentAborted`. */
  rollbackError?: string;
  /** Operator signals the deployment acted on, in order: who, what, why and when. */
  signals?: Signal[];
  /** Set by `pause` until `resume` or `promote`: the current weight is held past its step's end. */
  paused?: Signal;
  /** Set by `abort`: the deployment rolls back and fails `DeploymentAborted`. */
  aborted?: Signal;
  /** Set when a pause step timed out with `onTimeout: rollBack`. */
  gateTimedOut?: string;
  /** The traffic tests running now: what was started, and until when they may run. */
  trafficTests?: TrafficTestRun;
  /** Set when a post-traffic check failed: the rollback's cause names it. */
  trafficTestFailure?: string;
  /** Lifecycle events numbered so far (lifecycle.ts): the next one is this plus one. */
  lifecycleSequence?: number;
  /** With `analysis`: the latest verdict on the new version's executions in the current step. */
  verdict?: RecordedVerdict;
  /** With `analysis`: each finished step's last verdict. */
  verdicts?: RecordedVerdict[];
  /** Set when the analysis found the new version worse (not in a dry run): the rollback says why. */
  analysisFailed?: string;
  /** Set when a step's `analysis.minExecutions` were not reached in time and it rolls back. */
  insufficientTraffic?: string;
}

/** One verdict of the analysis (lambda/shared/analysis.ts), as the deployment records it. */
export interface RecordedVerdict {
  /** 1-based step it judged, and when. */
  readonly step: number;
  readonly at: string;
  readonly new: { finished: number; failed: number };
  readonly old: { finished: number; failed: number };
  readonly pValue: number;
  readonly worse: boolean;
  readonly dryRun: boolean;
  readonly summary: string;
}

/** One phase's tests (or hook) under way, carried from one poll to the next. */
export interface TrafficTestRun {
  readonly phase: 'preTraffic' | 'postTraffic';
  /** ISO time the tests started; they fail at this plus the phase's `timeoutSeconds`. */
  readonly startedAt: string;
  /** Execution ARNs of the tests still running, by test index (or of the hook state machine's execution). */
  running: Record<string, string>;
  /** Tests that ended as expected, by index. */
  passed: number[];
}

export type Outcome = 'PROMOTED' | 'NO_CHANGE' | 'CREATED_ALIAS';

/** The successful output of a deployment. */
export interface DeploymentResult {
  outcome: Outcome;
  stateMachineArn: string;
  aliasArn: string;
  fromVersionArn: string | null;
  toVersionArn: string;
  timeline: TimelineEntry[];
  prunedVersionArns: string[];
  /** The operators' signals the deployment acted on, when there were any. */
  signals?: Signal[];
  /** With `analysis`: each step's last verdict on the new version's executions. */
  verdicts?: RecordedVerdict[];
}

/** The request as carried in the loop: the definition is uploaded already, so it is not carried again (state is capped at 256 KiB). */
export type CarriedRequest = Omit<DeployRequest, 'definition'>;

export interface DeployerState {
  request: CarriedRequest;
  deployment?: Deployment;
  /** Present once the deployment is over (success outcomes). */
  result?: DeploymentResult;
  /** The error a `Catch` put in the state (`ResultPath: $.failure`), for rollback. */
  failure?: { Error?: string; Cause?: string };
  /** Why the task-token wait failed, when the loop fell back to a plain Wait (its events are counted). */
  waitFailure?: { Error?: string; Cause?: string };
}

/** What every loop Lambda receives from the state machine. */
export interface LoopEvent {
  state: DeployerState;
  /** `$$.State.EnteredTime`: the state machine's clock, so runs on a virtual clock stay consistent. */
  now?: string;
  /** `$$.Execution.Id` of the deployer execution. */
  executionArn?: string;
  /** `$$.State.RetryCount`: how often the state machine retried this step, for the history budget. */
  retries?: number;
}

/** A clock the Lambdas are given; production uses the wall clock when the state machine gave no time. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** The time of an event: the state machine's when it gave one, else the injected clock's. */
export function eventTime(now: string | undefined, clock: Clock): Date {
  return now ? new Date(now) : clock();
}

/** A deployment's state as the loop requires it, or a clear error when a Lambda is called out of order. */
export function requireDeployment(state: DeployerState): Deployment {
  if (!state.deployment)
    throw new Error(
      'The deployer state carries no deployment: the state machine called this step out of order',
    );
  return state.deployment;
}

/** The state and its deployment, copied so a Lambda never mutates its input. */
export function copyState(state: DeployerState): DeployerState & { deployment: Deployment } {
  const copy = structuredClone(state);
  return { ...copy, deployment: requireDeployment(copy) };
}
