/**
 * Task tokens of `.waitForTaskToken` tasks, and `SendTaskSuccess` /
 * `SendTaskFailure` / `SendTaskHeartbeat` against them.
 * https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
 *
 * A token is issued when its task is entered (one per attempt) and names its
 * execution, so IAM can authorize the callback on the state machine. A
 * callback that arrives before the task starts waiting is kept for it. Once
 * the task has timed out, a callback fails `TaskTimedOut`; once it has ended
 * any other way (or its execution did), `TaskDoesNotExist`; a token the
 * local cloud never issued is `InvalidToken`.
 */
import { randomBytes } from 'node:crypto';
import { AwsServiceError } from '../wire/aws-error';
import { invalidToken } from './errors';
import { TaskFailure } from './task-failure';

/** What a callback settles a waiting task with. */
export type Callback = { ok: true; output: unknown } | { ok: false; error?: string; cause?: string };

interface Entry {
  readonly executionArn: string;
  state: 'issued' | 'waiting' | 'closed';
  early?: Callback;
  settle?: (callback: Callback) => void;
  /** Called on each heartbeat while waiting. */
  onHeartbeat?: () => void;
}

/** Timed-out tokens remembered to answer `TaskTimedOut`; older ones answer `TaskDoesNotExist`. */
const TIMED_OUT_REMEMBERED = 10_000;

export class TaskTokens {
  /** Tokens of tasks that have not ended; an ended task's token is forgotten (a year of polls is 500,000). */
  private readonly entries = new Map<string, Entry>();
  private readonly timedOutTokens = new Set<string>();

  /** A new token for a task of `executionArn`. */
  issue(executionArn: string): string {
    const token = Buffer.from(
      JSON.stringify({ executionArn, nonce: randomBytes(32).toString('base64url') }),
    ).toString('base64url');
    this.entries.set(token, { executionArn, state: 'issued' });
    return token;
  }

  /**
   * Waits for the token's callback: resolves with its output, or throws the `TaskFailure` that
   * `SendTaskFailure` names. `abort` (timeout, stop) ends the wait; the token then answers as
   * timed out or as closed.
   */
  wait(token: string, abort: AbortSignal, onHeartbeat?: () => void): Promise<unknown> {
    const entry = this.entries.get(token);
    if (!entry) throw new Error(`The local cloud never issued task token ${token.slice(0, 16)}…`);
    const settled = new Promise<Callback>((resolve) => {
      if (entry.early) return resolve(entry.early);
      entry.state = 'waiting';
      entry.settle = resolve;
      entry.onHeartbeat = onHeartbeat;
    });
    const aborted = new Promise<never>((_, reject) => {
      const stop = () => reject(abort.reason ?? new Error('aborted'));
      if (abort.aborted) stop();
      else abort.addEventListener('abort', stop, { once: true });
    });
    return Promise.race([settled, aborted]).then((callback) => {
      this.entries.delete(token);
      if (callback.ok) return callback.output;
      // SendTaskFailure without an error reports none: Catch matches it only with States.ALL.
      throw new TaskFailure(callback.error ?? 'States.TaskFailed', callback.cause ?? '');
    });
  }

  /** Marks the task as timed out (its later callbacks fail `TaskTimedOut`). */
  timedOut(token: string): void {
    if (!this.entries.delete(token)) return;
    this.timedOutTokens.add(token);
    if (this.timedOutTokens.size > TIMED_OUT_REMEMBERED) {
      this.timedOutTokens.delete(this.timedOutTokens.values().next().value!);
    }
  }

  /** Forgets the task: it ended otherwise (failed, stopped, its execution ended). */
  close(token: string): void {
    this.entries.delete(token);
  }

  succeed(token: string, output: unknown): void {
    this.settle(token, { ok: true, output });
  }

  fail(token: string, error: string | undefined, cause: string | undefined): void {
    this.settle(token, { ok: false, error, cause });
  }

  heartbeat(token: string): void {
    this.live(token).onHeartbeat?.();
  }

  private settle(token: string, callback: Callback): void {
    const entry = this.live(token);
    if (entry.settle) entry.settle(callback);
    else entry.early = callback;
    entry.state = 'closed';
  }

  private live(token: string): Entry {
    const entry = this.entries.get(token);
    if (entry && !entry.early && entry.state !== 'closed') return entry;
    if (this.timedOutTokens.has(token)) throw new AwsServiceError('TaskTimedOut', 'Task Timed Out');
    // A token of the local cloud's making whose task has ended (or been answered already).
    if (entry || issuedExecution(token)) throw new AwsServiceError('TaskDoesNotExist', 'Task Does Not Exist');
    throw invalidToken();
  }
}

/** The execution ARN a token of the local cloud's making names, or undefined for any other string. */
export function issuedExecution(token: string): string | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      executionArn?: unknown;
    };
    return typeof decoded.executionArn === 'string' && decoded.executionArn.startsWith('arn:')
      ? decoded.executionArn
      : undefined;
  } catch {
    return undefined;
  }
}
