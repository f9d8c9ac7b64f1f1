import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../wire/aws-error';
import type { LambdaRegistry } from './lambdas';
import type { ExecutionRecord } from './model';
import { TaskFailure } from './task-failure';

/** What a Task resource's implementation may use while it runs. */
export interface IntegrationContext {
  readonly execution: ExecutionRecord;
  /** Aborted when the execution stops, times out or fails. */
  readonly signal: AbortSignal;
  /** Records `TaskSubmitted` once a `.sync` job has been started. */
  submitted(output: unknown): void;
  /** Awaits `work` without holding the clock busy: the execution is idle meanwhile (e.g. a child runs). */
  idle<T>(work: Promise<T>): Promise<T>;
}

/** Runs a Task resource: takes the state's effective input (after `Parameters`), returns its result. */
export type Integration = (input: unknown, context: IntegrationContext) => Promise<unknown>;

export interface ResolvedResource {
  /** `service` integrations record `Task*` events; a bare Lambda ARN records `LambdaFunction*` events. */
  readonly kind: 'service' | 'lambda-function';
  readonly resourceType: string;
  readonly resource: string;
  readonly run: Integration;
}

/** How `states:startExecution` integrations reach the Step Functions service they run in. */
export interface ChildExecutions {
  start(request: { stateMachineArn: string; input: string; name?: string }, parent: ExecutionRecord): ExecutionRecord;
  stop(child: ExecutionRecord, error: string | undefined, cause: string | undefined): void;
}

const SERVICE_RESOURCE = /^arn:[^:]+:states:::([^:]+):(.+)$/;
const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]+:\d{12}:function:.+$/;

/** The Task resources the local cloud implements, plus any registered by its user. */
export class Integrations {
  private readonly custom = new Map<string, Integration>();

  constructor(
    private readonly lambdas: LambdaRegistry,
    private readonly children: ChildExecutions,
  ) {}

  /** Implements a service integration, e.g. `arn:aws:states:::dynamodb:putItem`, by resource ARN. */
  register(resourceArn: string, integration: Integration): void {
    this.custom.set(resourceArn.replace(/^arn:[^:]+:/, 'arn:*:'), integration);
  }

  resolve(resource: string): ResolvedResource | undefined {
    if (LAMBDA_ARN.test(resource)) {
      return {
        kind: 'lambda-function',
        resourceType: 'lambda',
        resource,
        run: (input, ctx) => this.invokeLambda(resource, input, ctx).then((out) => out.payload),
      };
    }
    const match = SERVICE_RESOURCE.exec(resource);
    if (!match) return undefined;
    const [, resourceType, action] = match as unknown as [string, string, string];
    const custom = this.custom.get(resource.replace(/^arn:[^:]+:/, 'arn:*:'));
    const run = custom ?? this.builtIn(resourceType, action);
    return run ? { kind: 'service', resourceType, resource: action, run } : undefined;
  }

  private builtIn(resourceType: string, action: string): Integration | undefined {
    if (resourceType === 'lambda' && action === 'invoke') return (input, ctx) => this.lambdaInvoke(input, ctx);
    if (resourceType === 'states' && action === 'startExecution') return (input, ctx) => this.startExecution(input, ctx);
    if (resourceType === 'states' && action === 'startExecution.sync:2') return (input, ctx) => this.startSync(input, ctx, true);
    if (resourceType === 'states' && action === 'startExecution.sync') return (input, ctx) => this.startSync(input, ctx, false);
    return undefined;
  }

  private invokeLambda(functionName: string, payload: unknown, ctx: IntegrationContext) {
    // The invocation holds the clock busy itself while its handler works, and lets it go while the
    // handler only waits on its timers (an SDK backoff); the execution is idle meanwhile.
    return ctx.idle(this.lambdas.invoke(functionName, payload, ctx.execution.scope));
  }

  /** `arn:aws:states:::lambda:invoke`: input `{FunctionName, Payload}`, output Lambda's Invoke response. */
  private async lambdaInvoke(input: unknown, ctx: IntegrationContext): Promise<unknown> {
    const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
    if (typeof FunctionName !== 'string') {
      throw new TaskFailure('States.Runtime', "The field 'FunctionName' is required by lambda:invoke", false);
    }
    const out = await this.invokeLambda(FunctionName, Payload ?? null, ctx);
    return { ExecutedVersion: out.version, Payload: out.payload, StatusCode: 200 };
  }

  private startChild(input: unknown, ctx: IntegrationContext): ExecutionRecord {
    const { StateMachineArn, Input, Name } = (input ?? {}) as { StateMachineArn?: unknown; Input?: unknown; Name?: unknown };
    if (typeof StateMachineArn !== 'string') {
      throw new TaskFailure('States.Runtime', "The field 'StateMachineArn' is required by states:startExecution", false);
    }
    const childInput = typeof Input === 'string' ? Input : JSON.stringify(Input ?? {});
    try {
      return this.children.start(
        { stateMachineArn: StateMachineArn, input: childInput, name: typeof Name === 'string' ? Name : undefined },
        ctx.execution,
      );
    } catch (err) {
      if (!(err instanceof AwsServiceError)) throw err;
      // Step Functions reports SDK errors of an integration as `StepFunctions.<Code>Exception`.
      const code = err.code.endsWith('Exception') ? err.code : `${err.code}Exception`;
      throw new TaskFailure(
        `StepFunctions.${code}`,
        `${err.message} (Service: AWSStepFunctions; Status Code: ${err.statusCode}; Error Code: ${err.code}; ` +
          `Request ID: ${randomUUID()}; Proxy: null)`,
      );
    }
  }

  /** Request-response: returns as soon as the child has started. */
  private async startExecution(input: unknown, ctx: IntegrationContext): Promise<unknown> {
    const child = this.startChild(input, ctx);
    return { ExecutionArn: child.arn, StartDate: child.startDate };
  }

  /**
   * `.sync:2` / `.sync`: waits for the child. Output is the child's DescribeExecution with
   * `Output` parsed (`.sync:2`) or as a string (`.sync`); a child that does not succeed fails
   * the task with `States.TaskFailed` and its description as cause. Stopping the parent stops the child.
   */
  private async startSync(input: unknown, ctx: IntegrationContext, parsed: boolean): Promise<unknown> {
    const child = this.startChild(input, ctx);
    ctx.submitted({ ExecutionArn: child.arn, StartDate: child.startDate });
    const stopChild = () => this.children.stop(child, undefined, undefined);
    ctx.signal.addEventListener('abort', stopChild, { once: true });
    try {
      await ctx.idle(child.done);
    } finally {
      ctx.signal.removeEventListener('abort', stopChild);
    }
    const description = describeForTask(child, parsed);
    if (child.status !== 'SUCCEEDED') throw new TaskFailure('States.TaskFailed', JSON.stringify(description));
    return description;
  }
}

/** DescribeExecution as a Task result: PascalCase members, dates in epoch ms. */
function describeForTask(child: ExecutionRecord, parsed: boolean): Record<string, unknown> {
  const data = (text: string | undefined) => (text === undefined ? undefined : parsed ? JSON.parse(text) : text);
  const out: Record<string, unknown> = {
    ExecutionArn: child.arn,
    Input: data(child.input),
    InputDetails: { Included: true },
    Name: child.name,
    StartDate: child.startDate,
    StateMachineArn: child.stateMachineArn,
    Status: child.status,
    StopDate: child.stopDate,
  };
  if (child.output !== undefined) {
    out.Output = data(child.output);
    out.OutputDetails = { Included: true };
  }
  if (child.error !== undefined) out.Error = child.error;
  if (child.cause !== undefined) out.Cause = child.cause;
  if (child.versionArn) out.StateMachineVersionArn = child.versionArn;
  if (child.aliasArn) out.StateMachineAliasArn = child.aliasArn;
  return out;
}
