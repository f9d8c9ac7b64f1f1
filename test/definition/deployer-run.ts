/**
 * The definition tests' harness: the synthesized deployer on the local cloud
 * (the end-to-end harness's cloud, {@link E2e}), one cloud per test file and
 * a fresh `orders…` target per test. A test arranges the target's versions,
 * aliases and alarms with ordinary API calls, schedules what happens during
 * the deployment at virtual seconds from its start (an alarm changing state,
 * someone else moving the alias, calls failing, a grant taken away), runs one
 * deployment to its end and reads back what the tests assert on: the
 * execution's end, the Lambda steps from its history, and the deployer's
 * calls from the cloud's call journal.
 */
import { PutMetricAlarmCommand, SetAlarmStateCommand, type StateValue } from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineAliasCommand,
  DescribeExecutionCommand,
  type HistoryEvent,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  StartExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { quietAlarm } from '../../examples/alarms';
import { DEPLOYER_FUNCTIONS, type DeployerFunctionName } from '../../lib/deployer-functions';
import { localFunctionName } from '../../local/deployer/assembly';
import type { FaultSpec } from '../../local';
import type { JournalEntry } from '../../local/wire/faults';
import { E2e, targetDefinition, type Target } from '../e2e/harness';

/** One routing entry: `weight` percent to a version. */
export interface Routing {
  stateMachineVersionArn: string;
  weight: number;
}

export function route(stateMachineVersionArn: string, weight: number): Routing {
  return { stateMachineVersionArn, weight };
}

/** One Lambda invocation of the run, from the execution's history. */
export interface Invocation {
  /** The Task state that invoked it. */
  state: string;
  step: DeployerFunctionName;
  /** Virtual seconds from the execution's start. */
  at: number;
  /** The error it failed with, if it failed. */
  error?: string;
}

/** One call a deployer Lambda made during the run, from the cloud's journal. */
export interface DeployerCall {
  /** Virtual seconds from the execution's start. */
  at: number;
  operation: string;
  input: Record<string, unknown>;
  step: DeployerFunctionName;
  error?: string;
}

const WRITES = new Set([
  'UpdateStateMachine',
  'PublishStateMachineVersion',
  'CreateStateMachineAlias',
  'UpdateStateMachineAlias',
  'DeleteStateMachineVersion',
]);

/** The services a deployment's calls go to (the lock's DynamoDB table aside). */
const DEPLOYMENT_TARGETS = new Set(['AWSStepFunctions', 'GraniteServiceVersion20100801']);
const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

/** What a deployment did, as the tests assert on it. */
export class DeployerRun {
  constructor(
    readonly status: string,
    /** The execution's output, when it succeeded. */
    readonly output: Record<string, unknown> | undefined,
    readonly error: string | undefined,
    readonly cause: string | undefined,
    /** Virtual ms since the epoch. */
    readonly startMs: number,
    /** The states entered, in order. */
    readonly statesEntered: string[],
    readonly invocations: Invocation[],
    /** The deployer's calls to Step Functions and CloudWatch, in order. */
    readonly calls: DeployerCall[],
  ) {}

  /** The ISO time `seconds` after the execution's start. */
  at(seconds: number): string {
    return new Date(this.startMs + seconds * 1000).toISOString();
  }

  /** Virtual seconds of the calls of one operation, failed ones included. */
  timesOf(operation: string): number[] {
    return this.calls.filter((call) => call.operation === operation).map((call) => call.at);
  }

  /** The calls that changed something, in order. */
  writes(): DeployerCall[] {
    return this.calls.filter((call) => WRITES.has(call.operation) && call.error === undefined);
  }

  /** The routings the deployer wrote to the alias, in order, with their virtual times. */
  aliasUpdates(): Array<{ at: number; routing: Routing[] }> {
    return this.writes()
      .filter((call) => call.operation === 'UpdateStateMachineAlias')
      .map((call) => ({ at: call.at, routing: call.input.routingConfiguration as Routing[] }));
  }
}

/** Something that happens during the run, at virtual seconds from its start. */
interface Scheduled {
  atSeconds: number;
  action: () => Promise<void>;
}

/** A fresh `orders…` target on the cloud, and what happens to it during one deployment. */
export class Orders {
  private readonly scheduled: Scheduled[] = [];
  /** Undone after the run: grants taken away, lost events. */
  private readonly cleanups: Array<() => void> = [];
  private revisions = 0;

  constructor(
    private readonly cloud: DefinitionCloud,
    readonly target: Target,
    versions: number,
  ) {
    this.revisions = versions;
  }

  get name(): string {
    return this.target.name;
  }

  get arn(): string {
    return this.target.arn;
  }

  versionArn(version: number): string {
    return this.target.versionArn(version);
  }

  aliasArn(alias: string): string {
    return this.target.aliasArn(alias);
  }

  /** The owner updates the definition and publishes it as a new version; returns its ARN. */
  async publishVersion(): Promise<string> {
    const published = await this.update(true);
    return published.stateMachineVersionArn!;
  }

  /** The owner updates the definition without publishing it: a new, unpublished revision. */
  async updateDefinition(): Promise<string> {
    return (await this.update(false)).revisionId!;
  }

  private update(publish: boolean) {
    this.revisions += 1;
    return this.cloud.e2e.sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: this.arn,
        definition: JSON.stringify(targetDefinition(`release ${this.revisions}`)),
        publish,
      }),
    );
  }

  /** Creates the alias, or sets its routing, as the target's owner would. */
  async setAlias(alias: string, routing: Routing[]): Promise<void> {
    const existing = await this.cloud.e2e.sfn.send(
      new ListStateMachineAliasesCommand({ stateMachineArn: this.arn }),
    );
    const aliasArn = this.aliasArn(alias);
    if (existing.stateMachineAliases?.some((found) => found.stateMachineAliasArn === aliasArn)) {
      await this.cloud.e2e.sfn.send(
        new UpdateStateMachineAliasCommand({ stateMachineAliasArn: aliasArn, routingConfiguration: routing }),
      );
    } else {
      await this.cloud.e2e.sfn.send(
        new CreateStateMachineAliasCommand({ name: alias, routingConfiguration: routing }),
      );
    }
  }

  /**
   * A metric alarm on a metric nothing emits, `OK` once evaluated, or firing
   * for good (`ALARM`: missing data treated as breaching). Returns its name.
   */
  async addAlarm(state: 'OK' | 'ALARM' = 'OK'): Promise<string> {
    const e2e = this.cloud.e2e;
    if (state === 'OK') {
      const name = await e2e.createQuietAlarm(`${this.name}-errors`);
      await e2e.waitForAlarmsOk(name);
      // A deployment started in the instant the alarm went OK would see that as a change since its start.
      await e2e.clock.sleep(1000);
      return name;
    }
    const name = e2e.uniqueName(`${this.name}-failing`);
    await e2e.cloudWatch.send(
      new PutMetricAlarmCommand({ ...quietAlarm(name, 'Definition'), TreatMissingData: 'breaching' }),
    );
    await e2e.clock.sleep(60_000);
    const now = await e2e.alarmState(name);
    if (now !== 'ALARM') throw new Error(`Alarm ${name} should be firing after a minute, is ${now}`);
    return name;
  }

  /** A composite alarm `ALARM(child)`, OK once evaluated. */
  async addCompositeAlarm(child: string): Promise<string> {
    const name = await this.cloud.e2e.createCompositeAlarm(child);
    await this.cloud.e2e.waitForAlarmsOk(name);
    return name;
  }

  /**
   * The alarm is set to `state` at `atSeconds` (SetAlarmState, as CloudWatch
   * would on a breach); a quiet alarm's next evaluation sets it back to OK.
   */
  alarmGoes(alarm: string, state: StateValue, atSeconds: number, reason = `Threshold crossed: ${state}`) {
    this.at(atSeconds, async () => {
      await this.cloud.e2e.cloudWatch.send(
        new SetAlarmStateCommand({ AlarmName: alarm, StateValue: state, StateReason: reason }),
      );
    });
  }

  /** CloudWatch's alarm state-change events are lost for this run: only polls see the alarms. */
  loseAlarmEvents(): void {
    const drops = this.cloud.e2e.deployer.cloud.drops;
    drops.add({ detailType: ALARM_STATE_CHANGE, probability: 1 });
    this.cleanups.push(() => drops.clear());
  }

  /** Someone else sets the alias's routing at `atSeconds`. */
  aliasChangedBySomeoneElse(alias: string, routing: Routing[], atSeconds: number): void {
    this.at(atSeconds, () => this.setAlias(alias, routing));
  }

  /** From `atSeconds` on, the cloud answers calls as the fault says (faults are cleared after the run). */
  failCalls(fault: FaultSpec, atSeconds = 0): void {
    this.at(atSeconds, async () => this.cloud.e2e.deployer.cloud.faults.inject(fault));
  }

  /** At `atSeconds`, the faults still pending are dropped. */
  stopFailingCalls(atSeconds: number): void {
    this.at(atSeconds, async () => this.cloud.e2e.deployer.cloud.faults.clear());
  }

  /**
   * From `atSeconds` on, the step's role is explicitly denied `action` (IAM
   * answers AccessDeniedException); its grants come back after the run.
   */
  deny(step: DeployerFunctionName, action: string, atSeconds = 0): void {
    const cloud = this.cloud.e2e.deployer.cloud;
    const functionArn = this.cloud.functionArn(step);
    const roleArn = cloud.roleOf(functionArn);
    const granted = roleArn === undefined ? undefined : cloud.iam.get(roleArn);
    if (roleArn === undefined || granted === undefined)
      throw new Error(`The local cloud enforces no role for ${step} (${functionArn})`);
    this.at(atSeconds, async () => {
      cloud.iam.set(roleArn, [
        ...granted,
        { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: action, Resource: '*' }] },
      ]);
    });
    this.cleanups.push(() => cloud.iam.set(roleArn, granted));
  }

  private at(atSeconds: number, action: () => Promise<void>): void {
    this.scheduled.push({ atSeconds, action });
  }

  /** The alias's routing now. */
  async aliasRouting(alias: string): Promise<Routing[]> {
    return this.cloud.e2e.routing(this.aliasArn(alias));
  }

  /** The target's version ARNs, oldest first. */
  async versionArns(): Promise<string[]> {
    const listed = await this.cloud.e2e.sfn.send(
      new ListStateMachineVersionsCommand({ stateMachineArn: this.arn, maxResults: 1000 }),
    );
    return (listed.stateMachineVersions ?? []).map((version) => version.stateMachineVersionArn!).reverse();
  }

  /**
   * Starts a deployment with `request` (a function of this target, for its
   * name and alarms), does what was scheduled at its times, and follows it to its end.
   */
  async deploy(request: Record<string, unknown>): Promise<DeployerRun> {
    const e2e = this.cloud.e2e;
    const clock = e2e.clock;
    for (const early of this.scheduled.filter((scheduled) => scheduled.atSeconds <= 0))
      await clock.busy(early.action());
    const later = this.scheduled.filter((scheduled) => scheduled.atSeconds > 0);
    const done = new AbortController();
    let startMs = 0;
    let timed: Promise<void>[] = [];
    try {
      // Held, so the start time read back is the time the schedule counts from.
      const executionArn = await clock.busy(
        (async () => {
          const started = await e2e.sfn.send(
            new StartExecutionCommand({
              stateMachineArn: e2e.deployer.deployerArn,
              input: JSON.stringify(request),
            }),
          );
          startMs = started.startDate!.getTime();
          timed = later.map(async ({ atSeconds, action }) => {
            try {
              await clock.sleepUntil(startMs + atSeconds * 1000, done.signal);
            } catch {
              return; // The run ended first.
            }
            await clock.busy(action());
          });
          return started.executionArn!;
        })(),
      );
      await e2e.follow(executionArn);
      done.abort();
      await Promise.all(timed);
      return await this.read(executionArn, startMs);
    } finally {
      done.abort();
      e2e.deployer.cloud.faults.clear();
      for (const cleanup of this.cleanups.splice(0)) cleanup();
      this.scheduled.splice(0);
    }
  }

  private async read(executionArn: string, startMs: number): Promise<DeployerRun> {
    const e2e = this.cloud.e2e;
    const execution = await e2e.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const history = await e2e.history(executionArn);
    const seconds = (ms: number) => (ms - startMs) / 1000;
    const stopMs = execution.stopDate!.getTime();
    const calls = e2e.deployer.cloud.calls
      .journal({ sinceMs: startMs })
      .filter((entry) => entry.atMs <= stopMs)
      .flatMap((entry): DeployerCall[] => {
        const step = this.cloud.stepOf(entry);
        // Recovery's sweep may tidy up after an earlier test's target meanwhile: not this deployment's doing.
        if (!step || step === 'recover-deployments' || !DEPLOYMENT_TARGETS.has(entry.target)) return [];
        return [
          {
            at: seconds(entry.atMs),
            operation: entry.operation,
            input: entry.input,
            step,
            ...(entry.error === undefined ? {} : { error: entry.error }),
          },
        ];
      });
    const { statesEntered, invocations } = this.cloud.steps(history, seconds);
    return new DeployerRun(
      execution.status!,
      execution.output ? (JSON.parse(execution.output) as Record<string, unknown>) : undefined,
      execution.error,
      execution.cause,
      startMs,
      statesEntered,
      invocations,
      calls,
    );
  }
}

/** One local cloud with the deployer, for the tests of one file. */
export class DefinitionCloud {
  static async start(): Promise<DefinitionCloud> {
    return new DefinitionCloud(await E2e.start());
  }

  private readonly stepOfFunction = new Map<string, DeployerFunctionName>();

  private constructor(readonly e2e: E2e) {
    for (const step of DEPLOYER_FUNCTIONS) this.stepOfFunction.set(this.functionArn(step), step);
  }

  stop(): Promise<void> {
    return this.e2e.stop();
  }

  /**
   * A fresh target named `orders-<n>` with `versions` published versions and
   * the aliases given, each routed to one version or as a routing.
   */
  async orders(options: {
    versions: number;
    aliases?: Record<string, number | Array<[version: number, weight: number]>>;
  }): Promise<Orders> {
    const target = await this.e2e.createTarget(options);
    return new Orders(this, target, options.versions);
  }

  /**
   * The usual starting point: `<orders>:1` live on alias `live`, `<orders>:2`
   * published and waiting, and a quiet alarm in OK.
   */
  async ordersReadyToDeploy(): Promise<{ orders: Orders; alarm: string }> {
    const orders = await this.orders({ versions: 2, aliases: { live: 1 } });
    return { orders, alarm: await orders.addAlarm() };
  }

  functionArn(step: DeployerFunctionName): string {
    const cloud = this.e2e.deployer.cloud;
    return `arn:aws:lambda:${cloud.region}:${cloud.accountId}:function:${localFunctionName(step)}`;
  }

  stepOf(entry: JournalEntry): DeployerFunctionName | undefined {
    const functionArn = entry.caller?.functionArn;
    return functionArn === undefined ? undefined : this.stepOfFunction.get(functionArn);
  }

  /** States entered and Lambda invocations (with retries and their errors) from an execution's history. */
  steps(
    history: readonly HistoryEvent[],
    seconds: (ms: number) => number,
  ): { statesEntered: string[]; invocations: Invocation[] } {
    const statesEntered: string[] = [];
    const invocations: Invocation[] = [];
    let state = '';
    let last: Invocation | undefined;
    for (const event of history) {
      const entered = event.stateEnteredEventDetails?.name;
      if (entered !== undefined && event.type?.endsWith('StateEntered')) {
        statesEntered.push(entered);
        state = entered;
      }
      const scheduled = event.taskScheduledEventDetails;
      if (scheduled?.resourceType === 'lambda' && scheduled.resource === 'invoke') {
        const { FunctionName } = JSON.parse(scheduled.parameters ?? '{}') as { FunctionName?: string };
        const step = FunctionName === undefined ? undefined : this.stepOfFunction.get(FunctionName);
        if (!step) throw new Error(`Task ${state} invokes ${FunctionName}, none of the deployer's Lambdas`);
        last = { state, step, at: seconds(event.timestamp!.getTime()) };
        invocations.push(last);
      }
      const failed = event.taskFailedEventDetails ?? event.taskTimedOutEventDetails;
      if (failed?.resourceType === 'lambda' && last) last.error = failed.error;
    }
    return { statesEntered, invocations };
  }
}
