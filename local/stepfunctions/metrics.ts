import type { MetricSink } from '../wire/service';
import type { ExecutionRecord } from './model';

export type ExecutionMetric =
  | 'ExecutionsStarted'
  | 'ExecutionsSucceeded'
  | 'ExecutionsFailed'
  | 'ExecutionsTimedOut'
  | 'ExecutionsAborted'
  | 'ExecutionTime';

/**
 * Emits an `AWS/States` metric as AWS does: always per `StateMachineArn` (unqualified),
 * plus the same datum per `Version` when the execution ran a version (started through a
 * version or an alias) and per `Alias` when it was started through an alias.
 */
export function emitExecutionMetric(
  sink: MetricSink | undefined,
  execution: ExecutionRecord,
  metricName: ExecutionMetric,
  value: number,
  timestampMs: number,
): void {
  if (!sink) return;
  const unit = metricName === 'ExecutionTime' ? 'Milliseconds' : 'Count';
  const base = { StateMachineArn: execution.stateMachineArn };
  const dimensionSets: Record<string, string>[] = [base];
  if (execution.version !== undefined) dimensionSets.push({ ...base, Version: String(execution.version) });
  if (execution.aliasName !== undefined) dimensionSets.push({ ...base, Alias: execution.aliasName });
  for (const dimensions of dimensionSets) {
    sink.putMetric({ namespace: 'AWS/States', metricName, dimensions, value, timestampMs, unit });
  }
}
