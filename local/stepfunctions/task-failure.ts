/**
 * A task's failure as Step Functions records it: `name` is the error matched by
 * `Retry`/`Catch` `ErrorEquals`, `message` is the cause (the library reports a
 * caught error's cause from its message).
 */
export class TaskFailure extends Error {
  /** Whether `Retry` and `Catch` may handle it (false for `States.Runtime`, as in AWS). */
  readonly isRetryable: boolean;
  readonly isCatchable: boolean;

  constructor(error: string, cause: string, handleable = true) {
    super(cause);
    this.name = error;
    this.isRetryable = handleable;
    this.isCatchable = handleable;
  }
}
