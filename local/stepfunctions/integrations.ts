import { createHash, randomUUID } from 'node:crypto';
import type { AuthorizationCheck, RoleSession } from '../iam/identity-policies';
import { AwsServiceError } from '../wire/aws-error';
import { type LambdaRegistry, resolveFunction } from './lambdas';
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
  /** `.waitForTaskToken`: waits, idle, for the callback with the task's token (`$$.Task.Token`). */
  waitForToken(): Promise<unknown>;
}

/**
 * A service the `aws-sdk:<service>:<action>` integrations reach: its wire target prefix (for IAM)
 * and a call of one operation with the API's own (PascalCase) input, answering its output or
 * throwing an `AwsServiceError`.
 */
export interface AwsSdkService {
  readonly targetPrefix: string;
  /** How Step Functions names the service in errors: `DynamoDb.ConditionalCheckFailedException`. */
  readonly errorPrefix: string;
  call(operation: string, input: unknown): Promise<unknown>;
}

/** Checks an execution's role against what a request of `targetPrefix.operation` needs. */
export type RequestChecks = (
  targetPrefix: string,
  operation: string,
  input: Record<string, unknown>,
  execution: ExecutionRecord,
) => AuthorizationCheck[];

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
  start(
    request: { stateMachineArn: string; input: string; name?: string },
    parent: ExecutionRecord,
  ): ExecutionRecord;
  stop(child: ExecutionRecord, error: string | undefined, cause: string | undefined): void;
}

const SERVICE_RESOURCE = /^arn:[^:]+:states:::([^:]+):(.+)$/;
const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]+:\d{12}:function:.+$/;

/** Checks what an execution's role does; resolves to the refusal, or `undefined` when allowed. */
export type RoleAuthorizer = (
  session: RoleSession,
  checks: AuthorizationCheck[],
) => Promise<AwsServiceError | undefined>;

/**
 * The session Step Functions calls other services with: the state machine's
 * role, under a session name of its own (a stable one per execution here).
 */
export function executionSession(execution: ExecutionRecord): RoleSession {
  const sessionName = createHash('sha256').update(execution.arn).digest('hex').slice(0, 32);
  return { roleArn: execution.revision.roleArn, sessionName };
}

/** The Task resources the local cloud implements, plus any registered by its user. */
export class Integrations {
  private readonly custom = new Map<string, Integration>();
  private readonly awsSdk = new Map<string, AwsSdkService>();
  /** What IAM checks for an aws-sdk call (the local cloud's request checks). */
  requestChecks: RequestChecks | undefined;
  /** Set when IAM is enforced: the built-in integrations call as the execution's role. */
  authorize: RoleAuthorizer | undefined;

  constructor(
    private readonly lambdas: LambdaRegistry,
    private readonly children: ChildExecutions,
  ) {}

  /** Implements a service integration, e.g. `arn:aws:states:::dynamodb:putItem`, by resource ARN. */
  register(resourceArn: string, integration: Integration): void {
    this.custom.set(resourceArn.replace(/^arn:[^:]+:/, 'arn:*:'), integration);
  }

  /** Serves `arn:aws:states:::aws-sdk:<name>:<action>` (and `.waitForTaskToken`) with `service`. */
  registerAwsSdk(name: string, service: AwsSdkService): void {
    this.awsSdk.set(name, service);
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
    if (resourceType === 'lambda' && action === 'invoke')
      return (input, ctx) => this.lambdaInvoke(input, ctx);
    if (resourceType === 'states' && action === 'startExecution')
      return (input, ctx) => this.startExecution(input, ctx);
    if (resourceType === 'states' && action === 'startExecution.sync:2')
      return (input, ctx) => this.startSync(input, ctx, true);
    if (resourceType === 'states' && action === 'startExecution.sync')
      return (input, ctx) => this.startSync(input, ctx, false);
    if (resourceType === 'lambda' && action === 'invoke.waitForTaskToken')
      return async (input, ctx) => {
        const out = await this.lambdaInvoke(input, ctx);
        ctx.submitted(out);
        return ctx.waitForToken();
      };
    if (resourceType === 'aws-sdk') return this.awsSdkIntegration(action);
    return undefined;
  }

  /**
   * `aws-sdk:<service>:<apiAction>[.waitForTaskToken]`: the API call as the execution's role, its
   * errors named `<Service>.<ErrorName>Exception`; with `.waitForTaskToken` the task then waits for
   * its token's callback (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
   */
  private awsSdkIntegration(action: string): Integration | undefined {
    const match = /^([a-z0-9]+):([a-zA-Z0-9]+)(?:\.(waitForTaskToken))?$/.exec(action);
    const service = match && this.awsSdk.get(match[1]!);
    if (!match || !service) return undefined;
    const api = match[2]!;
    const operation = api[0]!.toUpperCase() + api.slice(1);
    const waits = match[3] !== undefined;
    return async (input, ctx) => {
      const request = (input ?? {}) as Record<string, unknown>;
      const named = (code: string, message: string) =>
        new TaskFailure(
          `${service.errorPrefix}.${code.endsWith('Exception') ? code : `${code}Exception`}`,
          `${message} (Service: ${service.errorPrefix}; Status Code: 400; Error Code: ${code}; Request ID: ${randomUUID()}; Proxy: null)`,
        );
      const checks = this.requestChecks?.(service.targetPrefix, operation, request, ctx.execution) ?? [];
      const denied =
        checks.length > 0 ? await this.authorize?.(executionSession(ctx.execution), checks) : undefined;
      if (denied) throw named(denied.code, denied.message);
      let output: unknown;
      try {
        output = await service.call(operation, request);
      } catch (err) {
        if (err instanceof AwsServiceError) throw named(err.code, err.message);
        throw err;
      }
      if (!waits) return output;
      ctx.submitted(output);
      return ctx.waitForToken();
    };
  }

  private async invokeLambda(functionName: string, payload: unknown, ctx: IntegrationContext) {
    const { arn, qualifier } = resolveFunction(functionName, ctx.execution.scope);
    const resource = qualifier === undefined ? arn : `${arn}:${qualifier}`;
    const denied = await this.authorize?.(executionSession(ctx.execution), [
      { action: 'lambda:InvokeFunction', resource },
    ]);
    if (denied) {
      // What a Task gets when Lambda refuses the state machine's role (HTTP 403 in Lambda's API).
      throw new TaskFailure(
        'Lambda.AWSLambdaException',
        `${denied.message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; ` +
          `Request ID: ${randomUUID()}; Proxy: null)`,
      );
    }
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

  /**
   * Starting a child needs `states:StartExecution` on it; waiting for it (`.sync`) also
   * `states:DescribeExecution` / `states:StopExecution` on its executions and the managed
   * rule's `events:*` (https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html).
   */
  private childChecks(stateMachineArn: string, ctx: IntegrationContext, sync: boolean): AuthorizationCheck[] {
    const qualified = /^(arn:([^:]+):states:([^:]+):(\d{12}):stateMachine:([^:]+))(?::([^:]+))?$/.exec(
      stateMachineArn,
    );
    if (!qualified) return [{ action: 'states:StartExecution', resource: stateMachineArn }];
    const [, base, partition, region, account, name, qualifier] = qualified as unknown as string[];
    const start: AuthorizationCheck =
      qualifier === undefined
        ? { action: 'states:StartExecution', resource: base! }
        : {
            action: 'states:StartExecution',
            resource: base!,
            context: { 'states:StateMachineQualifier': qualifier },
          };
    if (!sync) return [start];
    const executions = `arn:${partition}:states:${region}:${account}:execution:${name}:*`;
    const rule = `arn:${partition}:events:${ctx.execution.scope.region}:${ctx.execution.scope.accountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`;
    return [
      start,
      { action: 'states:DescribeExecution', resource: executions },
      { action: 'states:StopExecution', resource: executions },
      ...['events:PutTargets', 'events:PutRule', 'events:DescribeRule'].map((action) => ({
        action,
        resource: rule,
      })),
    ];
  }

  private async startChild(input: unknown, ctx: IntegrationContext, sync: boolean): Promise<ExecutionRecord> {
    const { StateMachineArn, Input, Name } = (input ?? {}) as {
      StateMachineArn?: unknown;
      Input?: unknown;
      Name?: unknown;
    };
    if (typeof StateMachineArn !== 'string') {
      throw new TaskFailure(
        'States.Runtime',
        "The field 'StateMachineArn' is required by states:startExecution",
        false,
      );
    }
    const childInput = typeof Input === 'string' ? Input : JSON.stringify(Input ?? {});
    try {
      const denied = await this.authorize?.(
        executionSession(ctx.execution),
        this.childChecks(StateMachineArn, ctx, sync),
      );
      if (denied) throw denied;
      return this.children.start(
        {
          stateMachineArn: StateMachineArn,
          input: childInput,
          name: typeof Name === 'string' ? Name : undefined,
        },
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
    const child = await this.startChild(input, ctx, false);
    return { ExecutionArn: child.arn, StartDate: child.startDate };
  }

  /**
   * `.sync:2` / `.sync`: waits for the child. Output is the child's DescribeExecution with
   * `Output` parsed (`.sync:2`) or as a string (`.sync`); a child that does not succeed fails
   * the task with `States.TaskFailed` and its description as cause. Stopping the parent stops the child.
   */
  private async startSync(input: unknown, ctx: IntegrationContext, parsed: boolean): Promise<unknown> {
    const child = await this.startChild(input, ctx, true);
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
  const data = (text: string | undefined) =>
    text === undefined ? undefined : parsed ? JSON.parse(text) : text;
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
