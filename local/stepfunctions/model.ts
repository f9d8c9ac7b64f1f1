import type { HistoryLog } from './history-log';
import type { Scope } from './arns';

/** An immutable snapshot of a state machine's definition and configuration. */
export interface Revision {
  /** `undefined` for the revision a state machine was created with (AWS's `INITIAL`). */
  readonly revisionId: string | undefined;
  readonly definition: string;
  readonly roleArn: string;
  readonly loggingConfiguration: Record<string, unknown>;
  readonly tracingConfiguration: Record<string, unknown>;
  readonly encryptionConfiguration: Record<string, unknown>;
}

export interface RoutingEntry {
  readonly stateMachineVersionArn: string;
  readonly weight: number;
}

export interface VersionRecord {
  readonly number: number;
  readonly arn: string;
  readonly revision: Revision;
  readonly description: string | undefined;
  readonly creationDate: number;
}

export interface AliasRecord {
  readonly name: string;
  readonly arn: string;
  readonly seq: number;
  description: string | undefined;
  routing: RoutingEntry[];
  readonly creationDate: number;
  updateDate: number;
}

export type StateMachineType = 'STANDARD' | 'EXPRESS';

export interface StateMachineRecord {
  readonly arn: string;
  readonly name: string;
  readonly scope: Scope;
  readonly type: StateMachineType;
  readonly seq: number;
  readonly creationDate: number;
  description: string | undefined;
  revision: Revision;
  readonly versions: Map<number, VersionRecord>;
  /** Version numbers are never reused, even after a delete. */
  nextVersion: number;
  /** Which live version was published from which revision (`INITIAL` for the first), for idempotent publishing. */
  readonly versionByRevision: Map<string, number>;
  readonly aliases: Map<string, AliasRecord>;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

export interface ExecutionRecord {
  readonly arn: string;
  readonly name: string;
  readonly seq: number;
  readonly scope: Scope;
  /** The unqualified state machine ARN. */
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  /** The state machine's type: only Standard executions send status change events. */
  readonly type: StateMachineType;
  readonly versionArn: string | undefined;
  readonly aliasArn: string | undefined;
  /** Version number, for metrics. */
  readonly version: number | undefined;
  readonly aliasName: string | undefined;
  readonly revision: Revision;
  readonly input: string;
  readonly startDate: number;
  status: ExecutionStatus;
  stopDate: number | undefined;
  output: string | undefined;
  error: string | undefined;
  cause: string | undefined;
  readonly history: HistoryLog;
  /** Resolves when the execution has closed. */
  readonly done: Promise<void>;
  /** Aborts whatever the execution is doing (Wait, Lambda wait, child execution). */
  readonly abort: AbortController;
}

export const INITIAL_REVISION = 'INITIAL';
export const revisionKey = (revision: Revision): string => revision.revisionId ?? INITIAL_REVISION;
