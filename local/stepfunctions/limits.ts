/**
 * Step Functions' size limits on the data an execution carries
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions).
 */
import { TaskFailure } from './task-failure';

/** An execution's, state's or task's input or output: 256 KiB of UTF-8. */
export const MAX_PAYLOAD_BYTES = 262_144;

/**
 * An error's cause as the API carries it (`SensitiveCause`, 32,768 characters) in
 * `DescribeExecution`, the history and `SendTaskFailure`
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html).
 */
export const MAX_CAUSE_CHARS = 32_768;

/** The error AWS fails an execution with when state data breaks the payload limit (not caught by `States.ALL`). */
export const DATA_LIMIT_EXCEEDED = 'States.DataLimitExceeded';

export const payloadBytes = (json: string): number => Buffer.byteLength(json, 'utf8');

/** A cause cut to what the API can carry: longer causes (a Lambda's long error message, a Fail state's `CausePath`) are truncated. */
export function capCause<T extends string | undefined>(cause: T): T {
  return (
    cause !== undefined && cause.length > MAX_CAUSE_CHARS ? cause.slice(0, MAX_CAUSE_CHARS) : cause
  ) as T;
}

/**
 * The failure for state data over the limit, worded as AWS reports a task result that is too large
 * ("The state/task '…' returned a result with a size exceeding the maximum number of bytes service limit.").
 * It is terminal: neither `Retry` nor `Catch` handles it.
 */
export function dataLimitExceeded(
  stateOrTask: string,
  what: 'returned a result' | 'has an input' | 'has an output',
): TaskFailure {
  return new TaskFailure(
    DATA_LIMIT_EXCEEDED,
    `The state/task '${stateOrTask}' ${what} with a size exceeding the maximum number of bytes service limit.`,
    false,
  );
}
