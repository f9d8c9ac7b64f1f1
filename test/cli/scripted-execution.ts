/**
 * A deployer execution played poll by poll against a mocked SFN client:
 * each `DescribeExecution` reveals the next stage of history events, as the
 * real execution would between two polls.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandInput,
  type HistoryEvent,
  type HistoryEventType,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { DeployerState, Deployment, DeploymentResult, NextMove } from '../../lambda/shared/deployment';
import { planSteps, type Strategy } from '../../lambda/shared/plan';
import { parseDeployRequest } from '../../lambda/shared/request';
import { DEPLOYER_ARN } from './harness';

export const EXECUTION_ARN =
  DEPLOYER_ARN.replace(':stateMachine:', ':execution:') + ':orders-live-20260302T100000Z-3f9a';
export const TARGET_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
export const ALIAS_ARN = `${TARGET_ARN}:live`;
export const T0 = Date.parse('2026-03-02T10:00:00.000Z');
export const REQUEST = {
  stateMachine: 'orders',
  alias: 'live',
  strategy: 'canary' as Strategy,
  increment: 10,
  intervalSeconds: 300,
  alarms: ['orders-failures'],
};

/** ISO time `seconds` after T0. */
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

type Event = { type: HistoryEventType; seconds: number } & Partial<HistoryEvent>;

export class ScriptedExecution {
  private readonly stages: HistoryEvent[][] = [];
  private revealed = 0;
  private final: Partial<DescribeExecutionCommandOutput> = { status: 'RUNNING' };
  /** Events per history page, fewer than asked for, so pagination is exercised. */
  pageSize = 3;
  readonly historyCalls: GetExecutionHistoryCommandInput[] = [];

  /** History events that appear together, between two polls. */
  stage(...events: Event[]): this {
    const before = this.stages.flat().length;
    this.stages.push(
      events.map(({ seconds, ...event }, index) => ({
        ...event,
        id: before + index + 1,
        previousEventId: before + index,
        timestamp: new Date(T0 + seconds * 1000),
      })),
    );
    return this;
  }

  /** Shows every stage at once: the execution read after it ended. */
  revealAll(): this {
    this.revealed = this.stages.length - 1;
    return this;
  }

  endsWith(final: Partial<DescribeExecutionCommandOutput>): this {
    this.final = final;
    return this;
  }

  install(sfn: AwsClientStub<SFNClient>): void {
    sfn.on(DescribeExecutionCommand).callsFake(() => {
      this.revealed = Math.min(this.revealed + 1, this.stages.length);
      const over = this.revealed === this.stages.length && this.final.status !== 'RUNNING';
      return {
        executionArn: EXECUTION_ARN,
        input: JSON.stringify(REQUEST),
        ...(over ? this.final : { status: 'RUNNING' }),
      };
    });
    sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) => {
      this.historyCalls.push(input);
      const visible = this.stages.slice(0, this.revealed).flat();
      const ordered = input.reverseOrder ? [...visible].reverse() : visible;
      const from = Number(input.nextToken ?? 0);
      const page = ordered.slice(from, from + this.pageSize);
      const more = from + this.pageSize < ordered.length;
      return { events: page, ...(more ? { nextToken: String(from + this.pageSize) } : {}) };
    });
  }
}

/**
 * The loop state a task exits with, for a canary of orders:3 over orders:2:
 * the fields the command line reads (the loop carries more, which it ignores).
 */
export function loopState(
  deployment: Partial<Deployment> & { next: NextMove },
  result?: DeploymentResult,
): string {
  const { definition: _definition, ...request } = parseDeployRequest(REQUEST);
  const state: Omit<DeployerState, 'deployment'> & { deployment: Partial<Deployment> } = {
    request,
    deployment: {
      stateMachineArn: TARGET_ARN,
      aliasArn: ALIAS_ARN,
      originVersionArn: `${TARGET_ARN}:2`,
      targetVersionArn: `${TARGET_ARN}:3`,
      steps: planSteps(REQUEST.strategy, REQUEST.increment, REQUEST.intervalSeconds),
      stepIndex: 0,
      watchStartedAt: at(0),
      lastCheckedAt: at(0),
      routing: [],
      timeline: [],
      waitSeconds: 60,
      polls: 0,
      ...deployment,
    },
    ...(result ? { result } : {}),
  };
  return JSON.stringify(state);
}

export const exited = (name: string, seconds: number, output: string): Event => ({
  type: 'TaskStateExited',
  seconds,
  stateExitedEventDetails: { name, output },
});
export const entered = (name: string, seconds: number): Event => ({
  type: 'TaskStateEntered',
  seconds,
  stateEnteredEventDetails: { name },
});

export const PROMOTED: DeploymentResult = {
  outcome: 'PROMOTED',
  stateMachineArn: TARGET_ARN,
  aliasArn: ALIAS_ARN,
  fromVersionArn: `${TARGET_ARN}:2`,
  toVersionArn: `${TARGET_ARN}:3`,
  timeline: [
    { at: at(1), weight: 10 },
    { at: at(301), weight: 100 },
  ],
  prunedVersionArns: [`${TARGET_ARN}:1`],
};

export const FIRED =
  'orders-failures is ALARM: Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (1.0).';
export const ROLLBACK_CAUSE = `Rolled back alias live to orders:2 (100%) from orders:3 at 10%: alarms fired: ${FIRED}`;

const started = (): Event => ({
  type: 'ExecutionStarted',
  seconds: 0,
  executionStartedEventDetails: { input: JSON.stringify(REQUEST) },
});
const shift1 = {
  next: 'POLL' as const,
  stepIndex: 0,
  stepEndsAt: at(301),
  timeline: [{ at: at(1), weight: 10 }],
};

/** A canary 10% for 300 s that promotes. */
export function promotion(): ScriptedExecution {
  const shift2 = {
    next: 'POLL' as const,
    stepIndex: 1,
    stepEndsAt: at(301),
    timeline: [...shift1.timeline, { at: at(301), weight: 100 }],
  };
  return new ScriptedExecution()
    .stage(
      started(),
      entered('Publish version', 0),
      exited('Publish version', 0, loopState({ next: 'SHIFT' })),
    )
    .stage(exited('Shift weight', 1, loopState(shift1)))
    .stage(
      exited('Check alarms', 61, loopState({ ...shift1, polls: 1 })),
      exited('Check alarms', 121, loopState({ ...shift1, polls: 2 })),
    )
    .stage(
      exited('Check alarms', 301, loopState({ ...shift1, next: 'SHIFT', stepIndex: 1 })),
      exited('Shift weight', 301, loopState(shift2)),
    )
    .stage(
      exited('Check alarms', 302, loopState({ ...shift2, next: 'FINISH' })),
      exited('Prune versions', 303, loopState({ ...shift2, next: 'FINISH' }, PROMOTED)),
      {
        type: 'ExecutionSucceeded',
        seconds: 303,
        executionSucceededEventDetails: { output: JSON.stringify(PROMOTED) },
      },
    )
    .endsWith({ status: 'SUCCEEDED', stopDate: new Date(T0 + 303_000), output: JSON.stringify(PROMOTED) });
}

/** The same canary, rolled back when its alarm fires during the 10% step. */
export function rollback(): ScriptedExecution {
  const fired = { ...shift1, next: 'ROLL_BACK' as const, firedAlarms: [FIRED] };
  return new ScriptedExecution()
    .stage(started(), exited('Publish version', 0, loopState({ next: 'SHIFT' })))
    .stage(exited('Shift weight', 1, loopState(shift1)))
    .stage(
      exited('Check alarms', 61, loopState(fired)),
      entered('Roll back', 61),
      exited(
        'Roll back',
        62,
        loopState({
          ...fired,
          rollbackCause: ROLLBACK_CAUSE,
          timeline: [...shift1.timeline, { at: at(62), weight: 0 }],
        }),
      ),
      {
        type: 'ExecutionFailed',
        seconds: 62,
        executionFailedEventDetails: { error: 'DeploymentRolledBack', cause: ROLLBACK_CAUSE },
      },
    )
    .endsWith({
      status: 'FAILED',
      stopDate: new Date(T0 + 62_000),
      error: 'DeploymentRolledBack',
      cause: ROLLBACK_CAUSE,
    });
}
