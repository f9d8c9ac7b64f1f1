/**
 * AWS's size limits that the deployer's own data must stay within, whatever the request.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions
 */

/** A state's input or output, and an execution's input: 256 KiB of UTF-8. */
export const STATE_MAX_BYTES = 256 * 1024;

/**
 * A `Fail` state's cause, and the cause of `SendTaskFailure` or a Lambda error: 32,768 characters.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
 */
export const FAIL_CAUSE_MAX_CHARS = 32_768;

/** The causes the deployer writes: under the limit with room for a Fail state's own framing. */
export const CAUSE_MAX_CHARS = 30_000;

/** One alarm's reason as the deployer carries and reports it. */
export const ALARM_REASON_MAX_CHARS = 300;

/**
 * The largest `definition` accepted inline in a deploy request (its JSON, in bytes). The whole
 * request travels as the execution's input and as the first Lambda's payload, both capped at
 * 256 KiB; the rest of the largest valid request (100 alarm names of 255 characters and the other
 * fields) and the payload's framing fit in what is left. A larger definition is uploaded with
 * `UpdateStateMachine` first and deployed with `publishRevision`.
 */
export const DEFINITION_MAX_BYTES = 200 * 1024;

const MARKER = ' …[truncated]';

/** `text` cut to at most `max` characters, ending with a marker when anything was cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - MARKER.length)) + MARKER;
}

/** UTF-8 size of a value's JSON, as Step Functions measures state data. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}
