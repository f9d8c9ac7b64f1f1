import { randomUUID } from 'node:crypto';
import type { BusyClock } from '../clock/clock';
import type { Scope } from './arns';
import { InvocationActivity, runOnVirtualTime } from './lambda-time';
import { capCause } from './limits';
import { TaskFailure } from './task-failure';

/** What a Node.js Lambda handler receives as its second argument (the parts handlers use). */
export interface LambdaContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<unknown> | unknown;

export interface LambdaOptions {
  /**
   * Reported through `getRemainingTimeInMillis` on the virtual clock; an invocation still running
   * when it has passed fails with `Sandbox.Timedout`. @default 900
   */
  readonly timeoutSeconds?: number;
  /** @default 128 */
  readonly memoryMb?: number;
}

interface RegisteredLambda {
  readonly arn: string;
  readonly name: string;
  readonly handler: LambdaHandler;
  readonly options: LambdaOptions;
}

const FUNCTION_ARN = /^arn:([^:]+):lambda:([^:]+):(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const PARTIAL_ARN = /^(\d{12}):function:([^:]+)(?::([^:]+))?$/;
const NAME = /^([a-zA-Z0-9_-]+)(?::([^:]+))?$/;

/** A function named by ARN (maybe qualified), partial ARN or name, resolved in `scope`. */
export function resolveFunction(
  nameOrArn: string,
  scope: Scope,
): { arn: string; name: string; qualifier?: string } {
  const full = FUNCTION_ARN.exec(nameOrArn);
  if (full) {
    const arn = `arn:${full[1]}:lambda:${full[2]}:${full[3]}:function:${full[4]}`;
    return { arn, name: full[4]!, qualifier: full[5] };
  }
  const partial = PARTIAL_ARN.exec(nameOrArn);
  const named = partial ? undefined : NAME.exec(nameOrArn);
  const account = partial?.[1] ?? scope.accountId;
  const name = partial?.[2] ?? named?.[1] ?? nameOrArn;
  const qualifier = partial?.[3] ?? named?.[2];
  return {
    arn: `arn:${scope.partition}:lambda:${scope.region}:${account}:function:${name}`,
    name,
    qualifier,
  };
}

/** Lambda functions of the local cloud: plain Node handlers, invoked in-process. */
export class LambdaRegistry {
  private readonly functions = new Map<string, RegisteredLambda>();

  constructor(
    private readonly clock: BusyClock,
    private readonly defaultScope: Scope,
  ) {}

  get defaultRegion(): string {
    return this.defaultScope.region;
  }

  get defaultAccountId(): string {
    return this.defaultScope.accountId;
  }

  register(functionArnOrName: string, handler: LambdaHandler, options: LambdaOptions = {}): string {
    const { arn, name } = resolveFunction(functionArnOrName, this.defaultScope);
    this.functions.set(arn, { arn, name, handler, options });
    return arn;
  }

  /**
   * Invokes a function as Step Functions does. A thrown error fails the task with the
   * error's class name as the error (Lambda's `errorType`) and Lambda's error JSON as cause.
   * The invocation holds the clock busy while it works, from the moment this is
   * called, and its timers run on virtual time (see `lambda-time.ts`).
   */
  async invoke(
    functionName: string,
    payload: unknown,
    scope: Scope,
  ): Promise<{ payload: unknown; version: string }> {
    const activity = new InvocationActivity(this.clock);
    try {
      return await this.run(functionName, payload, scope, activity);
    } finally {
      activity.end();
    }
  }

  private async run(
    functionName: string,
    payload: unknown,
    scope: Scope,
    activity: InvocationActivity,
  ): Promise<{ payload: unknown; version: string }> {
    const { arn, qualifier } = resolveFunction(functionName, scope);
    const fn = this.functions.get(arn);
    if (!fn) {
      throw new TaskFailure(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${qualifier ? `${arn}:${qualifier}` : arn} (Service: AWSLambda; Status Code: 404; ` +
          `Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`,
      );
    }
    const timeoutMs = (fn.options.timeoutSeconds ?? 900) * 1000;
    const deadline = this.clock.now() + timeoutMs;
    const requestId = randomUUID();
    const context: LambdaContext = {
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: qualifier ? `${fn.arn}:${qualifier}` : fn.arn,
      memoryLimitInMB: String(fn.options.memoryMb ?? 128),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - this.clock.now()),
    };
    // The event and the result cross a JSON boundary, as they do in AWS.
    const event: unknown = JSON.parse(JSON.stringify(payload ?? null));
    let result: unknown;
    const expiry = new AbortController();
    try {
      const work = runOnVirtualTime(activity, () => Promise.resolve(fn.handler(event, context)));
      const timedOut = this.clock.sleepUntil(deadline, expiry.signal).then(() => {
        throw lambdaTimeout(requestId, timeoutMs / 1000);
      });
      // Whichever comes first; a timed-out handler's pending timers are dropped as the invocation ends.
      result = await Promise.race([work, timedOut]);
    } catch (err) {
      throw err instanceof TaskFailure && err.name === SANDBOX_TIMEDOUT ? err : lambdaError(err);
    } finally {
      expiry.abort(INVOCATION_SETTLED);
    }
    return { payload: result === undefined ? null : JSON.parse(JSON.stringify(result)), version: '$LATEST' };
  }
}

/** Cancels the timeout of an invocation that settled; one reason for all (an abort without one builds a DOMException). */
const INVOCATION_SETTLED = new Error('the invocation settled');

/** The error Lambda reports for an invocation that ran past its function's timeout. */
export const SANDBOX_TIMEDOUT = 'Sandbox.Timedout';

/**
 * A timed-out invocation as Step Functions reports it: error `Sandbox.Timedout`, Lambda's error
 * payload as cause (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts).
 */
function lambdaTimeout(requestId: string, seconds: number): TaskFailure {
  const errorMessage = `RequestId: ${requestId} Error: Task timed out after ${seconds.toFixed(2)} seconds`;
  return new TaskFailure(SANDBOX_TIMEDOUT, JSON.stringify({ errorType: SANDBOX_TIMEDOUT, errorMessage }));
}

/** Lambda's error response for a thrown error: `{"errorType","errorMessage","trace"}`. */
function lambdaError(err: unknown): TaskFailure {
  const error = err instanceof Error ? err : new Error(String(err));
  const errorType = error.name || 'Error';
  const trace = (error.stack ?? `${errorType}: ${error.message}`).split('\n');
  // Step Functions carries at most 32,768 characters of it as the cause.
  return new TaskFailure(
    errorType,
    capCause(JSON.stringify({ errorType, errorMessage: error.message, trace })),
  );
}
