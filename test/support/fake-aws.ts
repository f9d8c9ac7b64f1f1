/**
 * A small stateful fake of the AWS the deployer talks to, on a virtual clock:
 * one target state machine (revisions, versions, aliases) behind a mocked
 * `SFNClient`, and CloudWatch alarms whose state changes over virtual time
 * (with `StateUpdate` history items) behind a mocked `CloudWatchClient`.
 * Every command is recorded with the virtual time it arrived at.
 */
import {
  CloudWatchClient,
  CloudWatchServiceException,
  DescribeAlarmHistoryCommand,
  type DescribeAlarmHistoryCommandInput,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineAliasCommand,
  type CreateStateMachineAliasCommandInput,
  DeleteStateMachineVersionCommand,
  type DeleteStateMachineVersionCommandInput,
  DescribeStateMachineAliasCommand,
  type DescribeStateMachineAliasCommandInput,
  DescribeStateMachineCommand,
  type DescribeStateMachineCommandInput,
  ListStateMachineAliasesCommand,
  type ListStateMachineAliasesCommandInput,
  ListStateMachineVersionsCommand,
  type ListStateMachineVersionsCommandInput,
  PublishStateMachineVersionCommand,
  type PublishStateMachineVersionCommandInput,
  SFNClient,
  SFNServiceException,
  UpdateStateMachineAliasCommand,
  type UpdateStateMachineAliasCommandInput,
  UpdateStateMachineCommand,
  type UpdateStateMachineCommandInput,
} from '@aws-sdk/client-sfn';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const TARGET_NAME = 'orders';
export const TARGET_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${TARGET_NAME}`;
/** The virtual time a run starts at. */
export const START = new Date('2026-03-02T10:00:00.000Z');

/** `arn:…:stateMachine:orders:<n>` */
export function versionArn(n: number): string {
  return `${TARGET_ARN}:${n}`;
}

/** `arn:…:stateMachine:orders:<name>` */
export function aliasArn(name: string): string {
  return `${TARGET_ARN}:${name}`;
}

/** The ISO time `seconds` after {@link START}. */
export function at(seconds: number): string {
  return new Date(START.getTime() + seconds * 1000).toISOString();
}

export interface Routing {
  stateMachineVersionArn: string;
  weight: number;
}

/** One routing entry: `weight` percent to a version. */
export function route(stateMachineVersionArn: string, weight: number): Routing {
  return { stateMachineVersionArn, weight };
}

/** Virtual time, in milliseconds since {@link START}; only the test moves it. */
export class VirtualClock {
  private elapsedMs = 0;

  now(): Date {
    return new Date(START.getTime() + this.elapsedMs);
  }

  /** Seconds since {@link START}. */
  seconds(): number {
    return this.elapsedMs / 1000;
  }

  advance(seconds: number): void {
    this.elapsedMs += seconds * 1000;
  }
}

/** One command the fake received, at a virtual time in seconds since {@link START}. */
export interface RecordedCommand {
  at: number;
  command: string;
  input: Record<string, unknown>;
  /** The error the fake answered with, if any. */
  error?: string;
}

const WRITE_COMMANDS = new Set([
  'UpdateStateMachine',
  'PublishStateMachineVersion',
  'CreateStateMachineAlias',
  'UpdateStateMachineAlias',
  'DeleteStateMachineVersion',
]);

interface Fault {
  command: string;
  error: () => Error;
  remaining: number;
  fromSeconds: number;
  /** Matching calls still to let through before failing. */
  skip: number;
}

interface AlarmChange {
  atSeconds: number;
  state: StateValue;
  reason: string;
}

interface FakeAlarm {
  name: string;
  type: 'MetricAlarm' | 'CompositeAlarm';
  /** State changes in time order; the first one is before the run starts. */
  changes: AlarmChange[];
}

interface ScheduledChange {
  atSeconds: number;
  apply: () => void;
}

/** An error as the SDK throws it for an AWS error response. */
export function sfnError(name: string, message: string): SFNServiceException {
  return new SFNServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

export function cloudWatchError(name: string, message: string): CloudWatchServiceException {
  return new CloudWatchServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
}

export class FakeAws {
  readonly clock = new VirtualClock();
  readonly sfn = new SFNClient({
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  readonly cloudWatch = new CloudWatchClient({
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  /** Every command received, in order. */
  readonly commands: RecordedCommand[] = [];

  private readonly sfnMock: AwsClientStub<SFNClient>;
  private readonly cloudWatchMock: AwsClientStub<CloudWatchClient>;
  private revision = 1;
  private nextVersion = 1;
  /** Version number → the revision it was published from. */
  private readonly versions = new Map<number, string>();
  private readonly aliases = new Map<string, Routing[]>();
  private readonly alarms = new Map<string, FakeAlarm>();
  private readonly faults: Fault[] = [];
  private readonly scheduled: ScheduledChange[] = [];

  constructor() {
    this.sfnMock = mockClient(this.sfn);
    this.cloudWatchMock = mockClient(this.cloudWatch);
    this.bindStateMachine();
    this.bindCloudWatch();
  }

  // ---- Arranging the world ----

  /** The target's owner updates its definition and publishes it as a new version; returns the version's ARN. */
  publishVersion(): string {
    this.updateDefinition();
    const number = this.nextVersion++;
    this.versions.set(number, this.revisionId());
    return versionArn(number);
  }

  /** The target's owner updates its definition without publishing it: a new, unpublished revision. */
  updateDefinition(): void {
    this.revision += 1;
  }

  /** Publishes `count` versions: `orders:1` … `orders:<count>`. */
  publishVersions(count: number): string[] {
    return Array.from({ length: count }, () => this.publishVersion());
  }

  /** Sets an alias's routing directly, as the target's owner would. */
  setAlias(name: string, routing: Routing[]): void {
    this.aliases.set(
      name,
      routing.map((entry) => ({ ...entry })),
    );
  }

  /** Creates an alarm in `state` since before the run. */
  addAlarm(name: string, state: StateValue = 'OK', type: FakeAlarm['type'] = 'MetricAlarm'): void {
    this.alarms.set(name, {
      name,
      type,
      changes: [{ atSeconds: -86_400, state, reason: `Created in ${state}` }],
    });
  }

  /** The alarm changes to `state` at `atSeconds` of virtual time. */
  alarmGoes(
    name: string,
    state: StateValue,
    atSeconds: number,
    reason = `Threshold crossed: went to ${state}`,
  ): void {
    const alarm = this.alarms.get(name);
    if (!alarm) throw new Error(`No alarm ${name} in the fake`);
    alarm.changes.push({ atSeconds, state, reason });
    alarm.changes.sort((a, b) => a.atSeconds - b.atSeconds);
  }

  /** Someone else sets the alias's routing at `atSeconds` of virtual time. */
  aliasChangedBySomeoneElse(name: string, routing: Routing[], atSeconds: number): void {
    this.scheduled.push({ atSeconds, apply: () => this.setAlias(name, routing) });
  }

  /**
   * Calls of `command` at or after `fromSeconds` fail with `error`: `times`
   * of them (default: all), after letting the first `skip` through.
   */
  failCommand(
    command: string,
    error: () => Error,
    options: { times?: number; fromSeconds?: number; skip?: number } = {},
  ): void {
    this.faults.push({
      command,
      error,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
      fromSeconds: options.fromSeconds ?? 0,
      skip: options.skip ?? 0,
    });
  }

  // ---- Reading the world ----

  aliasRouting(name: string): Routing[] | undefined {
    return this.aliases.get(name)?.map((entry) => ({ ...entry }));
  }

  versionArns(): string[] {
    return [...this.versions.keys()].sort((a, b) => a - b).map(versionArn);
  }

  /** The commands that change something, in order. */
  writes(): RecordedCommand[] {
    return this.commands.filter(
      (command) => WRITE_COMMANDS.has(command.command) && command.error === undefined,
    );
  }

  /** The routings the deployer wrote to an alias, in order, with their virtual times. */
  aliasUpdates(): Array<{ at: number; routing: Routing[] }> {
    return this.writes()
      .filter((write) => write.command === 'UpdateStateMachineAlias')
      .map((write) => ({ at: write.at, routing: write.input.routingConfiguration as Routing[] }));
  }

  /** Virtual times (seconds) of the calls of one command, failed ones included. */
  timesOf(command: string): number[] {
    return this.commands.filter((recorded) => recorded.command === command).map((recorded) => recorded.at);
  }

  // ---- The fake services ----

  private handle<I extends object, O>(command: string, input: I, respond: (input: I) => O): O {
    this.applyScheduledChanges();
    const recorded: RecordedCommand = {
      at: this.clock.seconds(),
      command,
      input: structuredClone(input) as Record<string, unknown>,
    };
    this.commands.push(recorded);
    const fault = this.faults.find(
      (candidate) =>
        candidate.command === command &&
        candidate.remaining > 0 &&
        this.clock.seconds() >= candidate.fromSeconds,
    );
    try {
      if (fault && fault.skip > 0) {
        fault.skip -= 1;
      } else if (fault) {
        fault.remaining -= 1;
        throw fault.error();
      }
      return respond(input);
    } catch (error) {
      recorded.error = (error as Error).name;
      throw error;
    }
  }

  private applyScheduledChanges(): void {
    const due = this.scheduled.filter((change) => change.atSeconds <= this.clock.seconds());
    for (const change of due) {
      change.apply();
      this.scheduled.splice(this.scheduled.indexOf(change), 1);
    }
  }

  private revisionId(): string {
    return `revision-${this.revision}`;
  }

  private bindStateMachine(): void {
    // Wide first, then narrow: a command the fake does not know fails loudly.
    this.sfnMock.onAnyCommand().callsFake((input: object) => {
      throw new Error(`The fake Step Functions does not serve this command: ${JSON.stringify(input)}`);
    });
    const on = <I extends object>(
      command: new (input: I) => unknown,
      name: string,
      respond: (input: I) => unknown,
    ) => {
      this.sfnMock.on(command as never).callsFake((input: I) => this.handle(name, input, respond));
    };
    on(DescribeStateMachineCommand, 'DescribeStateMachine', (input: DescribeStateMachineCommandInput) => {
      const arn = input.stateMachineArn ?? '';
      if (arn === TARGET_ARN) {
        return {
          stateMachineArn: TARGET_ARN,
          name: TARGET_NAME,
          status: 'ACTIVE',
          revisionId: this.revisionId(),
        };
      }
      const number = this.versionNumberOf(arn);
      if (number !== undefined && this.versions.has(number)) {
        return {
          stateMachineArn: arn,
          name: TARGET_NAME,
          status: 'ACTIVE',
          revisionId: this.versions.get(number),
        };
      }
      throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    });
    on(UpdateStateMachineCommand, 'UpdateStateMachine', (input: UpdateStateMachineCommandInput) => {
      this.requireTarget(input.stateMachineArn);
      this.revision += 1;
      return { updateDate: this.clock.now(), revisionId: this.revisionId() };
    });
    on(
      PublishStateMachineVersionCommand,
      'PublishStateMachineVersion',
      (input: PublishStateMachineVersionCommandInput) => {
        this.requireTarget(input.stateMachineArn);
        if (input.revisionId !== undefined && input.revisionId !== this.revisionId()) {
          throw sfnError(
            'ConflictException',
            `Failed to publish the state machine version: revisionId ${input.revisionId} is not the latest`,
          );
        }
        // Idempotent: the current revision's version, if it has one.
        const existing = [...this.versions.entries()].find(([, revision]) => revision === this.revisionId());
        if (existing)
          return { stateMachineVersionArn: versionArn(existing[0]), creationDate: this.clock.now() };
        const number = this.nextVersion++;
        this.versions.set(number, this.revisionId());
        return { stateMachineVersionArn: versionArn(number), creationDate: this.clock.now() };
      },
    );
    on(
      ListStateMachineVersionsCommand,
      'ListStateMachineVersions',
      (input: ListStateMachineVersionsCommandInput) => {
        this.requireTarget(input.stateMachineArn);
        const newestFirst = [...this.versions.keys()].sort((a, b) => b - a);
        const offset = Number(input.nextToken ?? 0);
        const size = input.maxResults || 100;
        const page = newestFirst.slice(offset, offset + size);
        const nextOffset = offset + page.length;
        return {
          stateMachineVersions: page.map((number) => ({
            stateMachineVersionArn: versionArn(number),
            creationDate: START,
          })),
          nextToken: nextOffset < newestFirst.length ? String(nextOffset) : undefined,
        };
      },
    );
    on(
      DeleteStateMachineVersionCommand,
      'DeleteStateMachineVersion',
      (input: DeleteStateMachineVersionCommandInput) => {
        const arn = input.stateMachineVersionArn ?? '';
        const referencing = [...this.aliases.entries()]
          .filter(([, routing]) => routing.some((entry) => entry.stateMachineVersionArn === arn))
          .map(([name]) => name);
        if (referencing.length > 0) {
          throw sfnError(
            'ConflictException',
            `Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [${referencing.join(', ')}]`,
          );
        }
        const number = this.versionNumberOf(arn);
        if (number !== undefined) this.versions.delete(number);
        return {};
      },
    );
    on(
      DescribeStateMachineAliasCommand,
      'DescribeStateMachineAlias',
      (input: DescribeStateMachineAliasCommandInput) => {
        const name = this.aliasNameOf(input.stateMachineAliasArn);
        const routing = this.aliases.get(name);
        if (!routing)
          throw sfnError('ResourceNotFound', `Resource not found: '${input.stateMachineAliasArn}'`);
        return {
          stateMachineAliasArn: aliasArn(name),
          name,
          routingConfiguration: routing.map((entry) => ({ ...entry })),
        };
      },
    );
    on(
      CreateStateMachineAliasCommand,
      'CreateStateMachineAlias',
      (input: CreateStateMachineAliasCommandInput) => {
        const routing = this.validRouting(input.routingConfiguration);
        const name = input.name ?? '';
        if (this.aliases.has(name)) {
          throw sfnError(
            'ConflictException',
            'Failed to create alias because an alias with the same name and a different routing configuration already exists.',
          );
        }
        this.aliases.set(name, routing);
        return { stateMachineAliasArn: aliasArn(name), creationDate: this.clock.now() };
      },
    );
    on(
      UpdateStateMachineAliasCommand,
      'UpdateStateMachineAlias',
      (input: UpdateStateMachineAliasCommandInput) => {
        const name = this.aliasNameOf(input.stateMachineAliasArn);
        if (!this.aliases.has(name))
          throw sfnError('ResourceNotFound', `Resource not found: '${input.stateMachineAliasArn}'`);
        this.aliases.set(name, this.validRouting(input.routingConfiguration));
        return { updateDate: this.clock.now() };
      },
    );
    on(
      ListStateMachineAliasesCommand,
      'ListStateMachineAliases',
      (input: ListStateMachineAliasesCommandInput) => {
        this.requireTarget(input.stateMachineArn);
        return {
          stateMachineAliases: [...this.aliases.keys()].map((name) => ({
            stateMachineAliasArn: aliasArn(name),
            creationDate: START,
          })),
        };
      },
    );
  }

  private bindCloudWatch(): void {
    this.cloudWatchMock.onAnyCommand().callsFake((input: object) => {
      throw new Error(`The fake CloudWatch does not serve this command: ${JSON.stringify(input)}`);
    });
    this.cloudWatchMock.on(DescribeAlarmsCommand as never).callsFake((input: DescribeAlarmsCommandInput) =>
      this.handle('DescribeAlarms', input, () => {
        const types = input.AlarmTypes ?? ['MetricAlarm'];
        const wanted = (input.AlarmNames ?? [])
          .map((name) => this.alarms.get(name))
          .filter((alarm) => alarm !== undefined);
        const describe = (alarm: FakeAlarm) => {
          const current = this.currentChange(alarm);
          return {
            AlarmName: alarm.name,
            AlarmArn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${alarm.name}`,
            StateValue: current.state,
            StateReason: current.reason,
            StateUpdatedTimestamp: this.timeOf(current.atSeconds),
            StateTransitionedTimestamp: this.timeOf(current.atSeconds),
          };
        };
        return {
          MetricAlarms: types.includes('MetricAlarm')
            ? wanted.filter((alarm) => alarm.type === 'MetricAlarm').map(describe)
            : [],
          CompositeAlarms: types.includes('CompositeAlarm')
            ? wanted.filter((alarm) => alarm.type === 'CompositeAlarm').map(describe)
            : [],
        };
      }),
    );
    this.cloudWatchMock
      .on(DescribeAlarmHistoryCommand as never)
      .callsFake((input: DescribeAlarmHistoryCommandInput) =>
        this.handle('DescribeAlarmHistory', input, () => {
          const alarm = input.AlarmName ? this.alarms.get(input.AlarmName) : undefined;
          const from = input.StartDate ? new Date(input.StartDate).getTime() : Number.NEGATIVE_INFINITY;
          const items = [];
          for (let i = 1; alarm && i < alarm.changes.length; i++) {
            const change = alarm.changes[i]!;
            const previous = alarm.changes[i - 1]!;
            const time = this.timeOf(change.atSeconds);
            if (change.atSeconds > this.clock.seconds() || time.getTime() < from) continue;
            items.push({
              AlarmName: alarm.name,
              AlarmType: alarm.type,
              Timestamp: time,
              HistoryItemType: 'StateUpdate',
              HistorySummary: `Alarm updated from ${previous.state} to ${change.state}`,
              HistoryData: JSON.stringify({
                version: '1.0',
                oldState: { stateValue: previous.state, stateReason: previous.reason },
                newState: { stateValue: change.state, stateReason: change.reason },
              }),
            });
          }
          if (input.ScanBy !== 'TimestampAscending') items.reverse();
          return { AlarmHistoryItems: items };
        }),
      );
  }

  private currentChange(alarm: FakeAlarm): AlarmChange {
    const now = this.clock.seconds();
    return alarm.changes.filter((change) => change.atSeconds <= now).at(-1)!;
  }

  private timeOf(seconds: number): Date {
    return new Date(START.getTime() + seconds * 1000);
  }

  private requireTarget(arn: string | undefined): void {
    if (arn !== TARGET_ARN)
      throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  }

  private versionNumberOf(arn: string): number | undefined {
    if (!arn.startsWith(`${TARGET_ARN}:`)) return undefined;
    const last = arn.slice(TARGET_ARN.length + 1);
    return /^\d+$/.test(last) ? Number(last) : undefined;
  }

  private aliasNameOf(arn: string | undefined): string {
    if (!arn?.startsWith(`${TARGET_ARN}:`)) throw sfnError('InvalidArn', `Invalid Arn: '${arn}'`);
    return arn.slice(TARGET_ARN.length + 1);
  }

  /** AWS's rules: one or two entries of existing versions, weights 0..100 adding up to 100. */
  private validRouting(
    routing: Array<{ stateMachineVersionArn?: string; weight?: number }> | undefined,
  ): Routing[] {
    const entries = (routing ?? []).map((entry) => ({
      stateMachineVersionArn: entry.stateMachineVersionArn ?? '',
      weight: entry.weight ?? -1,
    }));
    const problems: string[] = [];
    if (entries.length < 1 || entries.length > 2)
      problems.push(`routingConfiguration must have 1 or 2 entries, got ${entries.length}`);
    for (const entry of entries) {
      const number = this.versionNumberOf(entry.stateMachineVersionArn);
      if (number === undefined || !this.versions.has(number))
        problems.push(`version ${entry.stateMachineVersionArn} does not exist`);
      if (!Number.isInteger(entry.weight) || entry.weight < 0 || entry.weight > 100)
        problems.push(`weight ${entry.weight} is out of range`);
    }
    if (entries.reduce((sum, entry) => sum + entry.weight, 0) !== 100)
      problems.push('weights must add up to 100');
    if (new Set(entries.map((entry) => entry.stateMachineVersionArn)).size !== entries.length)
      problems.push('versions must differ');
    if (problems.length > 0) throw sfnError('ValidationException', problems.join('; '));
    return entries;
  }
}

/** The usual starting point: orders:1 is live on alias `live`, orders:2 is published and waiting, `orders-errors` is OK. */
export function ordersReadyToDeploy(): FakeAws {
  const aws = new FakeAws();
  aws.publishVersions(2);
  aws.setAlias('live', [route(versionArn(1), 100)]);
  aws.addAlarm('orders-errors');
  return aws;
}
