import { runAsFunction } from './wire/caller';
import { cloudTrailEvent, userIdentity } from './events/cloudtrail';
import { CloudWatchService } from './cloudwatch';
import { alarmStateChangeEvent } from './events/alarm-state-change';
import { executionStatusChangeEvent } from './events/execution-status';
import { callJsonService, DYNAMODB_TARGET_PREFIX, type LocalDynamoDb, startDynamoDb } from './dynamodb';
import { EventBus } from './eventbridge/bus';
import { IdentityPolicies } from './iam/identity-policies';
import { authorizationChecks } from './iam/request-checks';
import { partitionOf } from './stepfunctions/arns';
import type { RequestAuthorizer } from './wire/server';
import type { CallLog, FaultInjector } from './wire/faults';
import { LocalServer } from './wire/server';
import type { ApiCall, AwsJsonService } from './wire/service';
import { StepFunctionsService, type LambdaHandler, type LambdaOptions } from './stepfunctions';
import { VirtualClock } from './clock/virtual-clock';
import { DropSwitch, type DropSpec } from './events/drops';
import { EventsService } from './eventbridge/service';
import { AsyncInvocations, type AsyncInvokeConfig } from './lambda/async-invocations';
import { resolveFunction } from './stepfunctions/lambdas';
import { seededRandom } from './stepfunctions/random';
import { TaskFailure } from './stepfunctions/task-failure';
import type { BusEvent } from './eventbridge/bus';

export { VirtualClock } from './clock/virtual-clock';
export { LocalServer } from './wire/server';
export { StepFunctionsService, TaskFailure } from './stepfunctions';
export type {
  LambdaContext,
  LambdaHandler,
  LambdaOptions,
  Integration,
  IntegrationContext,
} from './stepfunctions';
export type { FaultSpec, FaultError } from './wire/faults';
export { EventBus } from './eventbridge/bus';
export type { DropSpec, Dropped } from './events/drops';
export type { AsyncInvokeConfig, InvocationRecord } from './lambda/async-invocations';

/** A local Lambda function's settings. */
export interface LocalLambdaOptions extends LambdaOptions {
  /**
   * Its execution role: calls the function makes to the cloud are made as
   * this role (CloudTrail's `userIdentity`), and checked by IAM when
   * {@link LocalCloud.iam} has the role's policies.
   * @default `arn:aws:iam::<account>:role/<function name>`
   */
  readonly roleArn?: string;
}

export interface LocalCloudOptions {
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Virtual ms per real ms. @default 1, or 0 with `fastForward` */
  readonly speed?: number;
  /** Jump to the next wake-up whenever nothing is busy. @default false */
  readonly fastForward?: boolean;
  /** Virtual time at start, ms since the epoch. @default Date.now() */
  readonly startMs?: number;
  /** Region of requests that carry no SigV4 scope, and of Lambdas registered by name. @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** Seeds alias traffic splitting and retry jitter. @default - unseeded */
  readonly seed?: number;
  /** Events per execution history. @default 25000 */
  readonly historyLimit?: number;
  /** Enforce AWS's documented token buckets. @default false */
  readonly throttling?: boolean;
}

/**
 * The embedded local cloud: Step Functions and CloudWatch on one loopback
 * endpoint, on one virtual clock, with in-process Lambda functions. State is in
 * memory and private to the instance. Write calls are recorded as CloudTrail
 * events on the default event bus, as are Standard executions' status changes;
 * the bus's rules can start executions and invoke local Lambdas.
 */
export class LocalCloud {
  /** Starts a cloud serving on loopback. */
  static async start(options: LocalCloudOptions = {}): Promise<LocalCloud> {
    const cloud = new LocalCloud(options);
    await cloud.server.listen();
    return cloud;
  }

  readonly clock: VirtualClock;
  readonly server: LocalServer;
  readonly stepFunctions: StepFunctionsService;
  readonly cloudWatch: CloudWatchService;
  /** The default event bus: CloudTrail events of write calls, execution status changes, and the rules loaded into it. */
  readonly events: EventBus;
  readonly region: string;
  readonly accountId: string;
  /**
   * Asynchronous Lambda invocations (rule targets): retried twice, a minute then two apart, then
   * dropped or recorded in the function's on-failure destination (`lambdaAsync.records(queueArn)`,
   * also `GET /_local/lambda/failures`).
   */
  readonly lambdaAsync: AsyncInvocations;
  /** Loses status-change and CloudTrail events, or asynchronous invocations, on demand (also `POST /_local/events/drop`). */
  readonly drops: DropSwitch;
  /**
   * The roles IAM is enforced for, with their identity policies (the
   * deployer's, from its template). Calls made as any other role, or by a
   * caller with no role (tests' own clients, the AWS CLI), are not checked.
   */
  readonly iam = new IdentityPolicies();
  /** Execution role of each registered Lambda, by function ARN. */
  private readonly roles = new Map<string, string>();

  private constructor(options: LocalCloudOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.clock = new VirtualClock({
      speed: options.speed,
      fastForward: options.fastForward,
      startMs: options.startMs,
    });
    this.server = new LocalServer({
      clock: this.clock,
      port: options.port,
      host: options.host,
      accountId: this.accountId,
      defaultRegion: this.region,
      throttling: options.throttling,
    });
    this.cloudWatch = new CloudWatchService({
      clock: this.clock,
      region: this.region,
      accountId: this.accountId,
    });
    this.stepFunctions = new StepFunctionsService({
      clock: this.clock,
      metrics: this.cloudWatch,
      seed: options.seed,
      historyLimit: options.historyLimit,
      region: this.region,
      accountId: this.accountId,
    });
    // Its own stream from the seed, so turning drops on does not change how aliases split traffic.
    this.drops = new DropSwitch(
      options.seed === undefined ? Math.random : seededRandom(options.seed ^ 0x5eed),
    );
    this.lambdaAsync = new AsyncInvocations({
      clock: this.clock,
      invoke: (functionArn, payload) => {
        const [, partition, , region, accountId] = functionArn.split(':') as [
          string,
          string,
          string,
          string,
          string,
        ];
        return this.stepFunctions.lambdas.invoke(functionArn, payload, { partition, region, accountId });
      },
      drop: (functionArn) => this.drops.dropInvocation(functionArn, this.clock.now()),
    });
    this.events = new EventBus({
      clock: this.clock,
      region: this.region,
      accountId: this.accountId,
      startExecution: async (stateMachineArn, input) => {
        const region = stateMachineArn.split(':')[3]!;
        const started = await this.stepFunctions.handle(
          'StartExecution',
          { stateMachineArn, input },
          { region, accountId: this.accountId },
        );
        return (started as { executionArn: string }).executionArn;
      },
      invokeFunction: (functionArn, input) => this.lambdaAsync.invoke(functionArn, JSON.parse(input)),
      authorize: (session, checks) => this.iam.authorize(session, checks),
    });
    this.server.authorizer = (request) => this.authorizeRequest(request);
    this.server.callerRole = (functionArn) => this.roles.get(functionArn);
    this.server.lambdaInvoker = (functionName, payload, context) =>
      this.invokeOverTheWire(functionName, payload, context);
    this.stepFunctions.roleAuthorizer = (session, checks) => this.iam.authorize(session, checks);
    this.stepFunctions.requestChecks = (prefix, operation, input, execution) =>
      authorizationChecks(prefix, operation, input, execution.scope);
    this.stepFunctions.onApiCall = (call) => this.recordApiCall(call);
    this.stepFunctions.onExecutionStatusChange = (execution) => {
      const event = executionStatusChangeEvent(execution);
      if (event) this.publish(event);
    };
    this.cloudWatch.onAlarmStateChange = (alarm, previous) =>
      this.publish(
        alarmStateChangeEvent(alarm, previous, { region: this.region, accountId: this.accountId }),
      );
    this.server.register(this.stepFunctions);
    this.server.register(this.cloudWatch);
    this.server.register(
      new EventsService({
        clock: this.clock,
        region: this.region,
        accountId: this.accountId,
        put: (event) => this.publish(event),
      }),
    );
    this.addAdminRoutes();
  }

  /** Lambda's Invoke API for outside clients (`aws lambda invoke`, `sfn-deploy promote`): the registered functions. */
  private async invokeOverTheWire(
    functionName: string,
    payload: unknown,
    context: { region: string; accountId: string },
  ): Promise<{ payload?: unknown; functionError?: string } | undefined> {
    const scope = { partition: 'aws', region: context.region, accountId: context.accountId };
    try {
      const out = await this.stepFunctions.lambdas.invoke(functionName, payload, scope);
      return { payload: out.payload };
    } catch (error) {
      if (!(error instanceof TaskFailure)) throw error;
      if (error.name === 'Lambda.ResourceNotFoundException') return undefined;
      // The task's cause is Lambda's own error JSON (errorType, errorMessage, trace).
      return { functionError: error.message };
    }
  }

  /** `/_local/events/drop` (the drop switch), `/_local/clock/advance` and `/_local/lambda/failures` (on-failure destinations). */
  private addAdminRoutes(): void {
    const drops = () => ({ drops: this.drops.pending(), dropped: this.drops.dropped });
    this.server.addAdminRoute('GET', '/_local/events/drop', drops);
    this.server.addAdminRoute('POST', '/_local/events/drop', (body) => {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new Error(`the body must be a JSON object, got: ${JSON.stringify(body)}`);
      }
      this.drops.add(body as DropSpec);
      return drops();
    });
    this.server.addAdminRoute('DELETE', '/_local/events/drop', () => {
      this.drops.clear();
      return drops();
    });
    // Under --fast-forward time stands still while nothing runs; a walkthrough moves it on as it passes on AWS.
    this.server.addAdminRoute('POST', '/_local/clock/advance', async (body) => {
      const seconds = (body as { seconds?: unknown }).seconds;
      if (
        typeof seconds !== 'number' ||
        !Number.isInteger(seconds) ||
        seconds < 1 ||
        seconds > 366 * 86_400
      ) {
        throw new Error(
          `seconds must be a whole number from 1 to ${366 * 86_400}, got: ${JSON.stringify(seconds)}`,
        );
      }
      await this.clock.advance(seconds * 1000);
      return { now: new Date(this.clock.now()).toISOString() };
    });
    this.server.addAdminRoute('GET', '/_local/lambda/failures', () => ({
      destinations: Object.fromEntries(this.lambdaAsync.destinations),
    }));
  }

  /** Puts a service's event on the default bus, unless the drop switch loses it. */
  private publish(event: BusEvent): void {
    if (this.drops.dropEvent(event, this.clock.now())) return;
    this.events.putEvent(event);
  }

  /** `http://127.0.0.1:<port>`, for SDK clients' `endpoint` and the CLI's `--endpoint-url`. */
  get endpoint(): string {
    return this.server.endpoint;
  }

  /** Make the next calls of an operation fail (also `POST /_local/faults`). */
  get faults(): FaultInjector {
    return this.server.faults;
  }

  /** The execution role a registered Lambda calls as. */
  roleOf(functionArn: string): string | undefined {
    return this.roles.get(functionArn);
  }

  /** Calls received per operation (also `GET /_local/calls`), and the journal of the last ones (`GET /_local/calls/journal`). */
  get calls(): CallLog {
    return this.server.calls;
  }

  /**
   * Makes a Lambda function (ARN, or name in the cloud's region and account)
   * invocable from Task states. Each invocation runs as the function (see
   * `caller.ts`), so the calls it makes to this cloud are its role's.
   */
  registerLambda(functionArn: string, handler: LambdaHandler, options: LocalLambdaOptions = {}): string {
    const arn: string = this.stepFunctions.registerLambda(
      functionArn,
      (event, context) => runAsFunction(arn, () => handler(event, context)),
      options,
    );
    const [, partition, , , account, , name] = arn.split(':');
    this.roles.set(arn, options.roleArn ?? `arn:${partition}:iam::${account}:role/${name}`);
    return arn;
  }

  /**
   * Sets how asynchronous invocations of a function (ARN, or name in the cloud's region and account)
   * are retried and where those that fail for good go, as `AWS::Lambda::EventInvokeConfig` does.
   */
  configureAsyncInvoke(functionArnOrName: string, config: AsyncInvokeConfig): void {
    const arn = resolveFunction(functionArnOrName, {
      partition: partitionOf(this.region),
      region: this.region,
      accountId: this.accountId,
    }).arn;
    this.lambdaAsync.configure(arn, config);
  }

  /** Serves another AWS JSON 1.0 service on the same endpoint. */
  registerService(service: AwsJsonService): void {
    this.server.register(service);
  }

  /** Serves DynamoDB on this endpoint too (dynalite, in memory); idempotent. */
  async enableDynamoDb(): Promise<void> {
    if (this.dynamoDb) return;
    this.dynamoDb = await startDynamoDb();
    this.server.proxy(DYNAMODB_TARGET_PREFIX, this.dynamoDb.serve);
    // Executions reach it too, through `arn:aws:states:::aws-sdk:dynamodb:<action>` Tasks.
    this.stepFunctions.registerAwsSdk('dynamodb', {
      targetPrefix: DYNAMODB_TARGET_PREFIX,
      errorPrefix: 'DynamoDb',
      call: (operation, input) =>
        callJsonService(this.dynamoDb!.serve, DYNAMODB_TARGET_PREFIX, operation, input),
    });
  }

  private dynamoDb: LocalDynamoDb | undefined;

  /** Forwards a target prefix to another local server (e.g. `DynamoDB_20120810` to dynalite). */
  proxyService(targetPrefix: string, baseUrl: string): void {
    this.server.proxy(targetPrefix, baseUrl);
  }

  /** A local Lambda calls as its execution role, the function name as session name (as Lambda does). */
  private readonly authorizeRequest: RequestAuthorizer = async ({
    targetPrefix,
    operation,
    input,
    context,
  }) => {
    const functionArn = context.caller?.functionArn;
    const roleArn = functionArn === undefined ? undefined : this.roles.get(functionArn);
    if (functionArn === undefined || roleArn === undefined || !this.iam.enforces(roleArn)) return undefined;
    const scope = {
      partition: partitionOf(context.region),
      region: context.region,
      accountId: context.accountId,
    };
    const session = { roleArn, sessionName: functionArn.slice(functionArn.lastIndexOf(':') + 1) };
    return this.iam.authorize(session, authorizationChecks(targetPrefix, operation, input, scope));
  };

  /** Puts the CloudTrail record of a call on the default bus, as a trail logging management events would. */
  private recordApiCall(call: ApiCall): void {
    const { caller, accountId, region } = call.context;
    try {
      const identity = userIdentity(caller, accountId, region, (fn) => this.roles.get(fn), call.timeMs);
      const event = cloudTrailEvent(call, identity);
      if (event) this.publish(event);
    } catch (error) {
      // Best effort, as on AWS: a broken rule must not fail the API call that was recorded.
      console.error(`local cloud: the CloudTrail event of ${call.operation} was not delivered:`, error);
    }
  }

  async stop(): Promise<void> {
    // Executions aborted by the shutdown are not someone's StopExecution: no rule should act on them.
    this.stepFunctions.onExecutionStatusChange = undefined;
    this.events.stop();
    this.lambdaAsync.stop();
    this.stepFunctions.stopAll();
    this.cloudWatch.close();
    await this.server.close();
    await this.dynamoDb?.close();
    this.clock.stop();
  }
}
