/**
 * `Step Functions Execution Status Change`: the event Step Functions sends to
 * the default bus when a Standard execution starts and when it ends, without
 * any trail (unlike the CloudTrail records in `cloudtrail.ts`). Shape as in
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html; Express executions send none.
 */
import { randomUUID } from 'node:crypto';
import type { BusEvent } from '../eventbridge/bus';
import type { ExecutionRecord } from '../stepfunctions';

export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

/** Input and output larger than this are left out of the event (`inputDetails.included: false`). */
export const MAX_EVENT_PAYLOAD_BYTES = 248 * 1024;

/** The event for the execution's current status, or `undefined` for an Express execution. */
export function executionStatusChangeEvent(execution: ExecutionRecord): BusEvent | undefined {
  if (execution.type !== 'STANDARD') return undefined;
  const { region, accountId } = execution.scope;
  const input = payload(execution.input);
  const output = payload(execution.output);
  const detail: Record<string, unknown> = {
    executionArn: execution.arn,
    stateMachineArn: execution.stateMachineArn,
    name: execution.name,
    status: execution.status,
    startDate: execution.startDate,
    stopDate: execution.stopDate ?? null,
    input: input.value,
    output: output.value,
    inputDetails: input.details,
    outputDetails: output.details,
  };
  if (execution.error !== undefined) detail.error = execution.error;
  if (execution.cause !== undefined) detail.cause = execution.cause;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': EXECUTION_STATUS_CHANGE,
    source: 'aws.states',
    account: accountId,
    time: isoSeconds(execution.stopDate ?? execution.startDate),
    region,
    resources: [execution.arn],
    detail,
  };
}

/** A payload as the event carries it: dropped past the size limit; absent (`null`) until there is one. */
function payload(value: string | undefined): { value: string | null; details: { included: boolean } | null } {
  if (value === undefined) return { value: null, details: null };
  const included = Buffer.byteLength(value, 'utf8') <= MAX_EVENT_PAYLOAD_BYTES;
  return { value: included ? value : null, details: { included } };
}

/** `2026-03-02T09:00:00Z`: event times have no fraction. */
function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
