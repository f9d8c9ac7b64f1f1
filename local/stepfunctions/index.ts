import { AwsServiceError } from '../wire/aws-error';
import type { BusyClock } from '../clock/clock';
import type { ApiCallListener, AwsJsonService, MetricSink, RequestContext } from '../wire/service';
import * as aliases from './aliases';
import { partitionOf } from './arns';
import {
  ExecutionEngine,
  describeExecution,
  describeStateMachineForExecution,
  getExecutionHistory,
  listExecutions,
  sendTaskFailure,
  sendTaskHeartbeat,
  sendTaskSuccess,
  startExecution,
  startSyncExecution,
  stopExecution,
} from './executions';
import { DEFAULT_HISTORY_LIMIT } from './history';
import {
  type AwsSdkService,
  Integrations,
  type Integration,
  type RequestChecks,
  type RoleAuthorizer,
} from './integrations';
import { LambdaRegistry, type LambdaHandler, type LambdaOptions } from './lambdas';
import type { ExecutionRecord } from './model';
import { stepFunctionsRateLimit } from './quotas';
import { seededRandom } from './random';
import * as stateMachines from './state-machines';
import { type ExecutionStatusListener, SfnStore, type SfnCore } from './store';
import { TaskTokens } from './task-tokens';
import { validateStateMachineDefinition } from './validation';
import * as versions from './versions';

export type { ExecutionRecord } from './model';
export type { Integration, IntegrationContext } from './integrations';
export type { LambdaContext, LambdaHandler, LambdaOptions } from './lambdas';
export { TaskFailure } from './task-failure';
export type { ExecutionStatusListener } from './store';

export interface StepFunctionsServiceOptions {
  readonly clock: BusyClock;
  /** Where `AWS/States` metrics go (the CloudWatch service). Can also be set later. */
  readonly metrics?: MetricSink;
  /** Told of every call served, e.g. to emit CloudTrail events. Can also be set later. */
  readonly onApiCall?: ApiCallListener;
  /** Told when a Standard execution starts and ends, e.g. to send status change events. Can also be set later. */
  readonly onExecutionStatusChange?: ExecutionStatusListener;
  /** Seed for alias traffic splitting and retry jitter. @default - Math.random */
  readonly seed?: number;
  /** Events per execution history before it fails. @default 25000 */
  readonly historyLimit?: number;
  /** Scope of Lambda functions registered by name. */
  readonly region?: string;
  readonly accountId?: string;
}

type Operation = (input: Record<string, unknown>, context: RequestContext) => unknown;

/** The Step Functions API (AWS JSON 1.0, `AWSStepFunctions`), with executions run for real. */
export class StepFunctionsService implements AwsJsonService, SfnCore {
  readonly targetPrefix = 'AWSStepFunctions';
  readonly store = new SfnStore();
  readonly clock: BusyClock;
  readonly random: () => number;
  readonly historyLimit: number;
  metrics: MetricSink | undefined;
  onApiCall: ApiCallListener | undefined;
  onExecutionStatusChange: ExecutionStatusListener | undefined;
  readonly lambdas: LambdaRegistry;
  readonly tokens = new TaskTokens();
  private readonly engine: ExecutionEngine;
  private readonly integrations: Integrations;
  private readonly operations: Record<string, Operation>;

  constructor(options: StepFunctionsServiceOptions) {
    this.clock = options.clock;
    this.metrics = options.metrics;
    this.onApiCall = options.onApiCall;
    this.onExecutionStatusChange = options.onExecutionStatusChange;
    this.random = options.seed === undefined ? Math.random : seededRandom(options.seed);
    this.historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isInteger(this.historyLimit) || this.historyLimit < 3) {
      throw new Error(`historyLimit must be an integer >= 3, got: ${options.historyLimit}`);
    }
    const region = options.region ?? 'us-east-1';
    this.lambdas = new LambdaRegistry(this.clock, {
      partition: partitionOf(region),
      region,
      accountId: options.accountId ?? '123456789012',
    });
    this.engine = new ExecutionEngine(this);
    this.integrations = new Integrations(this.lambdas, this.engine);
    this.engine.integrations = this.integrations;

    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the operations see the service only as SfnCore
    const core: SfnCore = this;
    this.operations = {
      CreateStateMachine: (input, ctx) => stateMachines.createStateMachine(core, input, ctx),
      DescribeStateMachine: (input) => stateMachines.describeStateMachine(core, input),
      UpdateStateMachine: (input) => stateMachines.updateStateMachine(core, input),
      DeleteStateMachine: (input) => stateMachines.deleteStateMachine(core, input),
      ListStateMachines: (input, ctx) => stateMachines.listStateMachines(core, input, ctx),
      PublishStateMachineVersion: (input) => versions.publishStateMachineVersion(core, input),
      ListStateMachineVersions: (input) => versions.listStateMachineVersions(core, input),
      DeleteStateMachineVersion: (input) => versions.deleteStateMachineVersion(core, input),
      CreateStateMachineAlias: (input) => aliases.createStateMachineAlias(core, input),
      DescribeStateMachineAlias: (input) => aliases.describeStateMachineAlias(core, input),
      UpdateStateMachineAlias: (input) => aliases.updateStateMachineAlias(core, input),
      DeleteStateMachineAlias: (input) => aliases.deleteStateMachineAlias(core, input),
      ListStateMachineAliases: (input) => aliases.listStateMachineAliases(core, input),
      StartExecution: (input) => startExecution(this.engine, input),
      StartSyncExecution: (input, ctx) => startSyncExecution(this.engine, core, input, ctx),
      DescribeExecution: (input) => describeExecution(core, input),
      DescribeStateMachineForExecution: (input) => describeStateMachineForExecution(core, input),
      ListExecutions: (input) => listExecutions(core, input),
      GetExecutionHistory: (input) => getExecutionHistory(core, input),
      StopExecution: (input) => stopExecution(core, this.engine, input),
      SendTaskFailure: (input) => sendTaskFailure(core, input),
      SendTaskSuccess: (input) => sendTaskSuccess(core, input),
      SendTaskHeartbeat: (input) => sendTaskHeartbeat(core, input),
      ValidateStateMachineDefinition: (input) => validateStateMachineDefinition(input),
    };
  }

  async handle(
    operation: string,
    input: Record<string, unknown>,
    context?: RequestContext,
  ): Promise<unknown> {
    const run = Object.hasOwn(this.operations, operation) ? this.operations[operation] : undefined;
    if (!run)
      throw new AwsServiceError(
        'UnknownOperationException',
        `Operation ${operation} is not supported by the local cloud`,
      );
    const ctx = context ?? { region: this.lambdas.defaultRegion, accountId: this.lambdas.defaultAccountId };
    const timeMs = this.clock.now();
    try {
      const output = await run(input, ctx);
      this.onApiCall?.({ targetPrefix: this.targetPrefix, operation, input, output, context: ctx, timeMs });
      return output;
    } catch (err) {
      if (err instanceof AwsServiceError) {
        const error = { code: err.code, message: err.message };
        this.onApiCall?.({ targetPrefix: this.targetPrefix, operation, input, error, context: ctx, timeMs });
      }
      throw err;
    }
  }

  rateLimit(operation: string, region: string) {
    return stepFunctionsRateLimit(operation, region);
  }

  /** Makes `functionArn` (or a bare name, in the default region and account) invocable from Task states. */
  registerLambda(functionArn: string, handler: LambdaHandler, options?: LambdaOptions): string {
    return this.lambdas.register(functionArn, handler, options);
  }

  /** Set when IAM is enforced: the built-in Task integrations call as the execution's state machine role. */
  set roleAuthorizer(authorize: RoleAuthorizer | undefined) {
    this.integrations.authorize = authorize;
  }

  /** What IAM checks for the aws-sdk integrations' calls (set when IAM is enforced). */
  set requestChecks(checks: RequestChecks | undefined) {
    this.integrations.requestChecks = checks;
  }

  /** Serves `arn:aws:states:::aws-sdk:<name>:<action>` Tasks with another local service. */
  registerAwsSdk(name: string, service: AwsSdkService): void {
    this.integrations.registerAwsSdk(name, service);
  }

  /** Implements another Task resource, e.g. `arn:aws:states:::dynamodb:putItem`. */
  registerIntegration(resourceArn: string, integration: Integration): void {
    this.integrations.register(resourceArn, integration);
  }

  /** The execution record, for tests and tools (`undefined` if unknown). */
  execution(executionArn: string): ExecutionRecord | undefined {
    return this.store.executions.get(executionArn);
  }

  /** Resolves once the execution has closed (any status). */
  async waitForExecution(executionArn: string): Promise<ExecutionRecord> {
    const execution = this.store.executions.get(executionArn);
    if (!execution) throw new Error(`no execution ${executionArn}`);
    await execution.done;
    return execution;
  }

  /** Aborts all running executions, so no timer or sleeper outlives the cloud. */
  stopAll(): void {
    this.engine.stopAll();
  }
}
