/**
 * What happened in a deployer execution, read from its history: each loop
 * Lambda's output is the whole loop state, so the state a task exits with
 * says where the deployment stands.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { DeployerState, DeploymentResult } from '../lambda/shared/deployment';
import type { PlanStep } from '../lambda/shared/plan';

export type DeployEvent =
  | { type: 'started'; at: string; stateMachine?: string; alias?: string; strategy?: string }
  | { type: 'planned'; at: string; fromVersionArn: string; toVersionArn: string; steps: PlanStep[] }
  | { type: 'shifted'; at: string; weight: number; step: number; of: number; stepEndsAt?: string }
  | { type: 'alarm'; at: string; alarm: string; state: string; previous?: string }
  | { type: 'alarms-fired'; at: string; alarms: string[]; alarmNames: string[] }
  | { type: 'signal'; at: string; action: string; sender: string; reason?: string }
  | { type: 'verdict'; at: string; summary: string; worse: boolean }
  | { type: 'rolling-back'; at: string }
  | { type: 'rolled-back'; at: string; cause: string; toVersionArn?: string }
  | { type: 'pruned'; at: string; versionArns: string[] }
  | { type: 'succeeded'; at: string; result: Partial<DeploymentResult> }
  | { type: 'failed'; at: string; status: string; error: string; cause: string };

/** Where a deployment stands, for the live view. */
export interface Progress {
  executionArn: string;
  status: string;
  stateMachine?: string;
  alias?: string;
  strategy?: string;
  alarmNames: string[];
  steps: PlanStep[];
  /** Index of the step being held, once the first shift happened. */
  stepIndex?: number;
  weight: number;
  stepEndsAt?: string;
  alarmStates: Record<string, string>;
  /** Signals and the analysis's verdict already told, so each is told once. */
  signalsTold: number;
  verdictTold?: string;
}

export function initialProgress(executionArn: string): Progress {
  return {
    executionArn,
    status: 'RUNNING',
    alarmNames: [],
    steps: [],
    weight: 0,
    alarmStates: {},
    signalsTold: 0,
  };
}

/** Updates `progress` with one history event and returns the events worth telling. */
export function readHistoryEvent(event: HistoryEvent, progress: Progress): DeployEvent[] {
  const at = (event.timestamp ?? new Date(0)).toISOString();
  if (event.type === 'ExecutionStarted') {
    const request = parseJson(event.executionStartedEventDetails?.input) as
      Record<string, unknown> | undefined;
    readRequest(request, progress);
    return [
      {
        type: 'started',
        at,
        stateMachine: progress.stateMachine,
        alias: progress.alias,
        strategy: progress.strategy,
      },
    ];
  }
  if (event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === 'Roll back') {
    return [{ type: 'rolling-back', at }];
  }
  if (event.type !== 'TaskStateExited') return [];
  const state = parseJson(event.stateExitedEventDetails?.output) as DeployerState | undefined;
  const deployment = state?.deployment;
  if (!state || !deployment) return [];
  readRequest(state.request as unknown as Record<string, unknown>, progress);
  progress.steps = deployment.steps;
  progress.stepEndsAt = deployment.stepEndsAt;

  switch (event.stateExitedEventDetails?.name) {
    case 'Publish version':
      return [
        {
          type: 'planned',
          at,
          fromVersionArn: deployment.originVersionArn,
          toVersionArn: deployment.targetVersionArn,
          steps: deployment.steps,
        },
      ];
    case 'Shift weight': {
      const weight = deployment.timeline.at(-1)?.weight ?? 0;
      progress.weight = weight;
      progress.stepIndex = deployment.stepIndex;
      return [
        {
          type: 'shifted',
          at,
          weight,
          step: deployment.stepIndex + 1,
          of: deployment.steps.length,
          stepEndsAt: deployment.stepEndsAt,
        },
      ];
    }
    case 'Check alarms': {
      const told: DeployEvent[] = [];
      // Who steered it, and the analysis's verdict when it changed: each told once.
      for (const signal of (deployment.signals ?? []).slice(progress.signalsTold)) {
        told.push({
          type: 'signal',
          at,
          action: signal.action,
          sender: signal.sender,
          reason: signal.reason,
        });
      }
      progress.signalsTold = deployment.signals?.length ?? 0;
      const verdict = deployment.verdict;
      if (verdict && verdict.summary !== progress.verdictTold) {
        progress.verdictTold = verdict.summary;
        told.push({ type: 'verdict', at, summary: verdict.summary, worse: verdict.worse });
      }
      if (deployment.next === 'ROLL_BACK' && (deployment.firedAlarms ?? []).length > 0) {
        told.push({
          type: 'alarms-fired',
          at,
          alarms: deployment.firedAlarms ?? [],
          alarmNames: firedAlarmNames(deployment.firedAlarms ?? [], progress.alarmNames),
        });
      }
      return told;
    }
    case 'Roll back':
      progress.weight = 0;
      return [
        {
          type: 'rolled-back',
          at,
          cause: deployment.rollbackCause ?? 'rolled back',
          toVersionArn: deployment.originVersionArn,
        },
      ];
    case 'Prune versions':
      // Pruning may take several invocations: tell it once, when done.
      return deployment.next === 'PRUNE'
        ? []
        : [{ type: 'pruned', at, versionArns: state.result?.prunedVersionArns ?? [] }];
    default:
      return [];
  }
}

/**
 * The watched alarms among the fired ones, which read `<name> is ALARM: <reason>` or
 * `<name> was ALARM at <time>: <reason>`; the longest watched name that starts one wins.
 */
export function firedAlarmNames(fired: string[], watched: string[]): string[] {
  const byLength = [...watched].sort((a, b) => b.length - a.length);
  return fired.map(
    (text) =>
      byLength.find((name) => text.startsWith(`${name} is `) || text.startsWith(`${name} was `)) ?? text,
  );
}

function readRequest(request: Record<string, unknown> | undefined, progress: Progress): void {
  if (!request) return;
  if (typeof request.stateMachine === 'string') progress.stateMachine = request.stateMachine;
  if (typeof request.alias === 'string') progress.alias = request.alias;
  if (typeof request.strategy === 'string') progress.strategy = request.strategy;
  else if (Array.isArray(request.steps)) progress.strategy = 'custom steps';
  if (Array.isArray(request.alarms))
    progress.alarmNames = request.alarms.filter((name): name is string => typeof name === 'string');
}

/** Execution input and state outputs are JSON; a truncated or odd one is skipped rather than fatal. */
export function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
