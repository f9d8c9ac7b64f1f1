/**
 * What a deployment costs in executions, history events, Lambda invocations
 * and state transitions, derived from the same plan and budget functions the
 * deployer runs (lambda/shared/plan.ts, budget.ts) and the event counts AWS
 * records per state. The bench checks it against runs on the local cloud.
 */
import {
  countEvents,
  EVENTS,
  mustContinue,
  POLL_EVENTS,
  SHIFT_EVENTS,
  START_EVENTS,
} from '../../lambda/shared/budget';
import type { Deployment } from '../../lambda/shared/deployment';
import { planSteps, type Strategy } from '../../lambda/shared/plan';

export interface Figures {
  executions: number;
  maxEventsPerExecution: number;
  lambdaInvocations: number;
  stateTransitions: number;
  /** Alarm checks, each one DescribeAlarms call (with one alarm that never transitions). */
  polls: number;
}

/** A `.sync:2` task (it adds TaskSubmitted), then the parent's Succeed and ExecutionSucceeded. */
const CONTINUE_EVENTS = 6 + EVENTS.choice + 1;
/** Prune versions, Pruning finished?, Deployment done and ExecutionSucceeded. */
const FINISH_EVENTS = EVENTS.lambdaTask + EVENTS.choice + 2 + 1;

export function model(
  strategy: Strategy,
  increment: number,
  intervalSeconds: number,
  pollSeconds: number,
): Figures {
  const steps = planSteps(strategy, increment, intervalSeconds);
  let execution = 1;
  const loop = { segmentExecutionArn: 'execution-1', eventsUsed: START_EVENTS, segments: 1 } as Deployment;
  const finished: number[] = [];
  let lambdaInvocations = 1;
  let polls = 0;
  // Publish version, Anything to deploy?
  let stateTransitions = 2;
  const current = () => `execution-${execution}`;
  const continueInNewExecution = () => {
    finished.push(loop.eventsUsed + CONTINUE_EVENTS);
    stateTransitions += 2 + 2; // the parent's task and Succeed; the child's Publish version (it claims the hand-off) and Choice
    lambdaInvocations += 1;
    execution += 1;
  };

  for (const [index, step] of steps.entries()) {
    countEvents(loop, current(), SHIFT_EVENTS);
    lambdaInvocations += 1;
    stateTransitions += 2; // Shift weight, Hold this step?
    let remaining = step.holdSeconds;
    for (;;) {
      const wait = Math.min(pollSeconds, remaining);
      remaining -= wait;
      countEvents(loop, current(), POLL_EVENTS);
      lambdaInvocations += 1;
      stateTransitions += 3;
      polls += 1;
      const stepOver = remaining <= 0;
      const last = index === steps.length - 1;
      if (stepOver && last) break;
      if (mustContinue(loop)) continueInNewExecution();
      if (stepOver) break;
    }
  }
  finished.push(loop.eventsUsed + FINISH_EVENTS);
  lambdaInvocations += 1;
  stateTransitions += 3;
  return {
    executions: execution,
    maxEventsPerExecution: Math.max(...finished),
    lambdaInvocations,
    stateTransitions,
    polls,
  };
}
