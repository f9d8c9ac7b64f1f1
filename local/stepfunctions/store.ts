import type { TaskTokens } from './task-tokens';
import type { BusyClock } from '../clock/clock';
import type { MetricSink, RequestContext } from '../wire/service';
import { partitionOf, type Scope, type StateMachineArn } from './arns';
import { stateMachineDoesNotExist } from './errors';
import type { ExecutionRecord, StateMachineRecord } from './model';

/** Told when a Standard execution starts (`RUNNING`) and when it ends (its terminal status). */
export type ExecutionStatusListener = (execution: ExecutionRecord) => void;

/** The in-memory state of one Step Functions service (one local cloud). */
export class SfnStore {
  readonly stateMachines = new Map<string, StateMachineRecord>();
  readonly executions = new Map<string, ExecutionRecord>();
  private seq = 0;

  /** A strictly increasing number for ordering and pagination cursors. */
  nextSeq(): number {
    return ++this.seq;
  }

  /** The state machine an ARN (unqualified, version or alias) belongs to, or `StateMachineDoesNotExist`. */
  stateMachineOf(arn: StateMachineArn, original: string): StateMachineRecord {
    const record = this.stateMachines.get(arn.base);
    if (!record) throw stateMachineDoesNotExist(original);
    return record;
  }
}

/** What every operation of the service can reach. */
export interface SfnCore {
  readonly store: SfnStore;
  readonly clock: BusyClock;
  readonly random: () => number;
  readonly historyLimit: number;
  readonly metrics: MetricSink | undefined;
  readonly onExecutionStatusChange?: ExecutionStatusListener | undefined;
  /** The task tokens of `.waitForTaskToken` tasks. */
  readonly tokens: TaskTokens;
}

export function scopeOf(context: RequestContext): Scope {
  return { partition: partitionOf(context.region), region: context.region, accountId: context.accountId };
}

/** Epoch seconds, as AWS JSON timestamps are sent. */
export const toEpochSeconds = (ms: number) => ms / 1000;
