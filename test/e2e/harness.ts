/**
 * The end-to-end harness: the deployer as synthesized, on the local cloud,
 * driven through the real SDK. Targets, aliases, alarms and traffic are made
 * with ordinary API calls; waiting is done on the cloud's virtual clock, so a
 * deployment that holds for an hour ends in a fraction of a real second.
 */
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  type ExecutionListItem,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachineVersionsCommand,
  type SFNClient,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { failedExecutionsAlarm, quietAlarm } from '../../examples/alarms';
import { signalFunctionName } from '../../lambda/shared/arns';
import type { DeployerState, DeploymentResult } from '../../lambda/shared/deployment';
import type { RoutingEntry } from '../../lambda/shared/routing';
import { type LocalDeployer, localClientConfig, startLocalDeployer } from '../../local/deployer';
import { DEPLOYER_NAME } from '../../local/deployer/assembly';

/** Virtual start of every e2e cloud: a minute boundary, so alarm periods line up the same on every run. */
export const START_MS = Date.parse('2026-03-02T09:00:00Z');
/** How often the harness looks at a running deployment, in virtual ms. */
const FOLLOW_EVERY_MS = 60_000;
/** A deployment still running after this much virtual time is stuck. */
const FOLLOW_LIMIT_MS = 3 * 24 * 60 * 60 * 1000;

/** A target's definition: tags its output with the release, and fails the order types given. */
export function targetDefinition(
  release: string,
  failingTypes: readonly string[] = [],
): Record<string, unknown> {
  const done = { Type: 'Pass', Result: { release }, End: true };
  if (failingTypes.length === 0)
    return { Comment: release, StartAt: 'Process order', States: { 'Process order': done } };
  return {
    Comment: release,
    StartAt: 'Route by type',
    States: {
      'Route by type': {
        Type: 'Choice',
        Choices: failingTypes.map((type) => ({
          Variable: '$.type',
          StringEquals: type,
          Next: 'Reject order',
        })),
        Default: 'Process order',
      },
      'Process order': done,
      'Reject order': { Type: 'Fail', Error: 'InvalidOrderType', Cause: `${release} rejects this type` },
    },
  };
}

export interface Target {
  readonly name: string;
  readonly arn: string;
  versionArn(version: number): string;
  aliasArn(alias: string): string;
}

/** One deployment as the tests see it: the execution's end and what the deployer recorded. */
export interface DeploymentRun {
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
  readonly result?: DeploymentResult;
  /** Virtual ms since the epoch. */
  readonly startedAt: number;
  readonly stoppedAt: number;
  /** Seconds from start to end, in virtual time. */
  readonly durationSeconds: number;
  /** The deployer's timeline, each shift at its virtual offset from the start, in seconds. */
  readonly timeline: { atSeconds: number; weight: number }[];
  /** Every routing the deployer wrote to the alias, read back from its execution history. */
  readonly aliasWrites: { atSeconds: number; routing: RoutingEntry[] }[];
  /** When the deployer checked the alarms, in seconds from the start. */
  readonly polls: number[];
}

/** What a test compares to show a target was left alone. */
export interface TargetSnapshot {
  revisionId?: string;
  versions: string[];
  aliases: Record<string, { routing: RoutingEntry[]; updateDate?: number }>;
}

export class E2e {
  /** Starts the deployer on a fresh local cloud (cdk.out is synthesized by the global setup). */
  static async start(
    options: {
      seed?: number;
      throttling?: boolean;
      staleLockSweep?: boolean;
      /** @default cdk.out */ cdkOut?: string;
    } = {},
  ): Promise<E2e> {
    const deployer = await startLocalDeployer({
      cdkOut: options.cdkOut,
      fastForward: true,
      startMs: START_MS,
      seed: options.seed ?? 11,
      throttling: options.throttling,
      staleLockSweep: options.staleLockSweep,
      synth: false,
      lambdaLogLevel: 'ERROR',
    });
    return new E2e(deployer);
  }

  readonly sfn: SFNClient;
  readonly cloudWatch: CloudWatchClient;
  readonly lambda: LambdaClient;
  private names = 0;

  private constructor(readonly deployer: LocalDeployer) {
    this.sfn = deployer.sfn;
    this.cloudWatch = new CloudWatchClient(localClientConfig(deployer.endpoint, deployer.cloud.region));
    this.lambda = new LambdaClient(localClientConfig(deployer.endpoint, deployer.cloud.region));
  }

  get clock() {
    return this.deployer.cloud.clock;
  }

  async stop(): Promise<void> {
    this.cloudWatch.destroy();
    this.lambda.destroy();
    await this.deployer.stop();
  }

  /** A name no other test in this cloud uses. */
  uniqueName(prefix: string): string {
    this.names += 1;
    return `${prefix}-${this.names}`;
  }

  /**
   * A target state machine with `versions` published versions (release 1..n)
   * and the aliases given, each routed to one version or as a routing.
   */
  async createTarget(options: {
    versions: number;
    aliases?: Record<string, number | Array<[version: number, weight: number]>>;
    failingTypes?: (version: number) => readonly string[];
    /** @default a unique name starting with `orders` */
    name?: string;
    /** @default STANDARD */
    type?: 'STANDARD' | 'EXPRESS';
  }): Promise<Target> {
    const name = options.name ?? this.uniqueName('orders');
    const definition = (version: number) =>
      JSON.stringify(targetDefinition(`release ${version}`, options.failingTypes?.(version)));
    const created = await this.sfn.send(
      new CreateStateMachineCommand({
        name,
        definition: definition(1),
        roleArn: `arn:aws:iam::${this.deployer.cloud.accountId}:role/${name}`,
        publish: options.versions > 0,
        ...(options.type ? { type: options.type } : {}),
      }),
    );
    const arn = created.stateMachineArn!;
    for (let version = 2; version <= options.versions; version++) {
      await this.sfn.send(
        new UpdateStateMachineCommand({
          stateMachineArn: arn,
          definition: definition(version),
          publish: true,
        }),
      );
    }
    const target: Target = {
      name,
      arn,
      versionArn: (version) => `${arn}:${version}`,
      aliasArn: (alias) => `${arn}:${alias}`,
    };
    for (const [alias, routing] of Object.entries(options.aliases ?? {})) {
      const entries = typeof routing === 'number' ? [[routing, 100] as const] : routing;
      await this.sfn.send(
        new CreateStateMachineAliasCommand({
          name: alias,
          routingConfiguration: entries.map(([version, weight]) => ({
            stateMachineVersionArn: target.versionArn(version),
            weight,
          })),
        }),
      );
    }
    return target;
  }

  /** `ExecutionsFailed` of the alias, Sum >= 1 over 60 s, as a user would watch a release. */
  async createFailedExecutionsAlarm(target: Target, alias: string): Promise<string> {
    const name = this.uniqueName(`${target.name}-${alias}-failures`);
    await this.cloudWatch.send(new PutMetricAlarmCommand(failedExecutionsAlarm(name, target.arn, alias)));
    return name;
  }

  /** A metric alarm on a metric nothing emits: it stays OK until a test sets its state. */
  async createQuietAlarm(prefix = 'quiet'): Promise<string> {
    const name = this.uniqueName(prefix);
    await this.cloudWatch.send(new PutMetricAlarmCommand(quietAlarm(name, 'E2e')));
    return name;
  }

  /** A composite alarm whose rule is `ALARM(child)`. */
  async createCompositeAlarm(child: string): Promise<string> {
    const name = this.uniqueName(`${child}-composite`);
    await this.cloudWatch.send(
      new PutCompositeAlarmCommand({ AlarmName: name, AlarmRule: `ALARM("${child}")` }),
    );
    return name;
  }

  async setAlarmState(name: string, state: StateValue, reason: string): Promise<void> {
    await this.cloudWatch.send(
      new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }),
    );
  }

  async alarmState(name: string): Promise<string | undefined> {
    const found = await this.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
    );
    return (found.MetricAlarms?.[0] ?? found.CompositeAlarms?.[0])?.StateValue;
  }

  /** Virtual ms of the alarm's first change to `state` at or after `sinceMs`, from its history. */
  async alarmWentTo(name: string, state: StateValue, sinceMs = 0): Promise<number | undefined> {
    const history = await this.cloudWatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: name,
        HistoryItemType: 'StateUpdate',
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        ScanBy: 'TimestampAscending',
      }),
    );
    const change = history.AlarmHistoryItems?.find(
      (item) =>
        item.Timestamp!.getTime() >= sinceMs &&
        (JSON.parse(item.HistoryData ?? '{}') as { newState?: { stateValue?: string } }).newState
          ?.stateValue === state,
    );
    return change?.Timestamp?.getTime();
  }

  /**
   * Sends an operator's signal to the deployer's signal function over Lambda's
   * Invoke API, as `aws lambda invoke` does; returns its answer, or throws its error.
   */
  async signal(payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const answer = await this.lambda.send(
      new InvokeCommand({
        FunctionName: signalFunctionName(DEPLOYER_NAME),
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    const body = JSON.parse(Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8')) as Record<
      string,
      unknown
    >;
    if (answer.FunctionError) {
      const failure = new Error(String(body.errorMessage));
      failure.name = String(body.errorType);
      throw failure;
    }
    return body;
  }

  /** Lets virtual time pass until every named alarm has been evaluated to OK. */
  async waitForAlarmsOk(...names: string[]): Promise<void> {
    for (let waited = 0; waited <= 10 * 60_000; waited += FOLLOW_EVERY_MS) {
      const states = await Promise.all(names.map((name) => this.alarmState(name)));
      if (states.every((state) => state === 'OK')) return;
      await this.clock.sleep(FOLLOW_EVERY_MS);
    }
    throw new Error(`Alarms ${names.join(', ')} did not reach OK in ten virtual minutes`);
  }

  /**
   * After `ms` of virtual time, does `action` while holding the clock, so no
   * fast-forward jump overtakes its calls on their way to the cloud.
   */
  async after(ms: number, action: () => Promise<void>): Promise<void> {
    await this.clock.sleep(ms);
    await this.clock.busy(action());
  }

  /** Sleeps on the virtual clock until `second` seconds past a minute, so polls and alarm evaluations fall apart. */
  async sleepUntilSecondOfMinute(second: number): Promise<void> {
    const now = this.clock.now();
    const minute = Math.floor(now / 60_000) * 60_000;
    const at = minute + second * 1000;
    await this.clock.sleepUntil(at > now ? at : at + 60_000);
  }

  /**
   * Sends one execution through the alias every `periodMs` of virtual time;
   * `input(n)` is the n-th execution's input. Returns a function that stops it.
   */
  startTraffic(
    aliasArn: string,
    periodMs: number,
    input: (n: number) => Record<string, unknown>,
  ): () => void {
    let sent = 0;
    return this.clock.every(periodMs, async () => {
      const n = sent++;
      await this.sfn.send(
        new StartExecutionCommand({ stateMachineArn: aliasArn, input: JSON.stringify(input(n)) }),
      );
    });
  }

  /** Executions a version ran, optionally only those with a status. */
  async countExecutions(versionArn: string, statusFilter?: ExecutionStatus): Promise<number> {
    return (await this.executionsOf(versionArn, statusFilter)).length;
  }

  /** Every execution of a version (or state machine, or alias), newest first. */
  async executionsOf(versionArn: string, statusFilter?: ExecutionStatus): Promise<ExecutionListItem[]> {
    const executions: ExecutionListItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: versionArn, statusFilter, maxResults: 1000, nextToken }),
      );
      executions.push(...(page.executions ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return executions;
  }

  /** Starts a deployer execution with the request as its input. */
  async startDeployment(request: Record<string, unknown>): Promise<string> {
    const started = await this.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.deployer.deployerArn,
        input: JSON.stringify(request),
      }),
    );
    return started.executionArn!;
  }

  /** Starts a deployment and follows it to its end. */
  async deploy(request: Record<string, unknown>): Promise<DeploymentRun> {
    return this.follow(await this.startDeployment(request));
  }

  /** Sleeps on the virtual clock until the deployer execution ends, then reads what it did. */
  async follow(executionArn: string): Promise<DeploymentRun> {
    const deadline = this.clock.now() + FOLLOW_LIMIT_MS;
    let execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    while (execution.status === 'RUNNING') {
      if (this.clock.now() > deadline)
        throw new Error(`Deployment ${executionArn} still running after three virtual days`);
      await this.clock.sleep(FOLLOW_EVERY_MS);
      execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    }
    const startedAt = execution.startDate!.getTime();
    const stoppedAt = execution.stopDate!.getTime();
    const result = execution.output ? (JSON.parse(execution.output) as DeploymentResult) : undefined;
    const history = await this.history(executionArn);
    const offset = (at: number) => (at - startedAt) / 1000;
    const recorded = result?.timeline ?? lastDeployerState(history)?.deployment?.timeline ?? [];
    return {
      executionArn,
      status: execution.status!,
      error: execution.error,
      cause: execution.cause,
      result,
      startedAt,
      stoppedAt,
      durationSeconds: offset(stoppedAt),
      timeline: recorded.map((entry) => ({ atSeconds: offset(Date.parse(entry.at)), weight: entry.weight })),
      aliasWrites: aliasWrites(history).map((write) => ({
        atSeconds: offset(write.at),
        routing: write.routing,
      })),
      polls: history
        .filter(
          (event) =>
            event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === 'Check alarms',
        )
        .map((event) => offset(event.timestamp!.getTime())),
    };
  }

  async history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
      );
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }

  async routing(aliasArn: string): Promise<RoutingEntry[]> {
    const alias = await this.sfn.send(
      new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }),
    );
    return (alias.routingConfiguration ?? []).map((entry) => ({
      stateMachineVersionArn: entry.stateMachineVersionArn!,
      weight: entry.weight!,
    }));
  }

  /** Version ARNs, newest first. */
  async versions(target: Target): Promise<string[]> {
    const listed = await this.sfn.send(
      new ListStateMachineVersionsCommand({ stateMachineArn: target.arn, maxResults: 1000 }),
    );
    return (listed.stateMachineVersions ?? []).map((version) => version.stateMachineVersionArn!);
  }

  async definitionOf(stateMachineOrVersionArn: string): Promise<unknown> {
    const described = await this.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: stateMachineOrVersionArn }),
    );
    return JSON.parse(described.definition!);
  }

  /** Revision, versions and alias routings: everything a deployment could change. */
  async snapshot(target: Target, aliases: readonly string[]): Promise<TargetSnapshot> {
    const described = await this.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: target.arn }));
    const snapshot: TargetSnapshot = {
      revisionId: described.revisionId,
      versions: await this.versions(target),
      aliases: {},
    };
    for (const alias of aliases) {
      const found = await this.sfn.send(
        new DescribeStateMachineAliasCommand({ stateMachineAliasArn: target.aliasArn(alias) }),
      );
      snapshot.aliases[alias] = {
        routing: (found.routingConfiguration ?? []).map((entry) => ({
          stateMachineVersionArn: entry.stateMachineVersionArn!,
          weight: entry.weight!,
        })),
        updateDate: found.updateDate?.getTime(),
      };
    }
    return snapshot;
  }
}

/** `[{ version, weight: 100 }]`: what a finished deployment or a rollback leaves. */
export function allTo(versionArn: string): RoutingEntry[] {
  return [{ stateMachineVersionArn: versionArn, weight: 100 }];
}

/** The states of the deployer that write the alias. */
const WRITING_STATES = new Set(['Shift weight', 'Roll back']);

/** The routing each alias-writing state left, in order, with the time it finished (virtual ms). */
function aliasWrites(history: readonly HistoryEvent[]): { at: number; routing: RoutingEntry[] }[] {
  const writes: { at: number; routing: RoutingEntry[] }[] = [];
  for (const event of history) {
    const exited = event.stateExitedEventDetails;
    if (!exited?.output || !WRITING_STATES.has(exited.name ?? '')) continue;
    const state = JSON.parse(exited.output) as DeployerState;
    if (state.deployment) writes.push({ at: event.timestamp!.getTime(), routing: state.deployment.routing });
  }
  return writes;
}

/** The loop state the last Lambda returned, for runs that ended without an output. */
function lastDeployerState(history: readonly HistoryEvent[]): DeployerState | undefined {
  for (const event of [...history].reverse()) {
    const output = event.stateExitedEventDetails?.output;
    if (!output) continue;
    const state = JSON.parse(output) as DeployerState;
    if (state.deployment) return state;
  }
  return undefined;
}
