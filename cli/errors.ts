/** Exit codes of `sfn-deploy`, so a CI step can tell a bad command line from a failed deployment. */
export const EXIT = {
  /** The deployment promoted, changed nothing, or created the alias; or the command did its job. */
  OK: 0,
  /** The deployment rolled back or failed, or an AWS call failed. */
  FAILED: 1,
  /** The command line or the deploy request is wrong; nothing was started. */
  USAGE: 2,
} as const;

/** A mistake in the command line or its files: reported as it is, with exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
