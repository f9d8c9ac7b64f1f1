/**
 * The guided demo behind `npm start`: a real deployer, as synthesized, deploys
 * a sample state machine on the local cloud — a buggy release that an alarm
 * rolls back, then a fixed release that a canary promotes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { failedExecutionsAlarm } from '../../examples/alarms';
import type { DeployerState, DeploymentResult, TimelineEntry } from '../../lambda/shared/deployment';
import { describeRouting, type RoutingEntry, versionLabel } from '../../lambda/shared/routing';
import { type LocalDeployer, localClientConfig } from '../deployer';
import { PROJECT_ROOT } from '../deployer/synth';
import { seededRandom } from '../stepfunctions/random';
import { type Reporter } from './reporter';

export interface DemoOptions {
  /** Executions per virtual minute through the alias. */
  trafficPerMinute: number;
  /** The buggy release's linear increment and interval. */
  linearIncrement: number;
  linearIntervalSeconds: number;
  /** The fixed release's canary increment and interval. */
  canaryIncrement: number;
  canaryIntervalSeconds: number;
  alarmPollingSeconds: number;
  historyMax: number;
  seed: number;
}

export const DEFAULT_DEMO_OPTIONS: DemoOptions = {
  trafficPerMinute: 30,
  linearIncrement: 50,
  linearIntervalSeconds: 120,
  canaryIncrement: 10,
  canaryIntervalSeconds: 300,
  alarmPollingSeconds: 60,
  historyMax: 2,
  seed: 7,
};

export interface DeploymentReport {
  title: string;
  /** The deployer execution that ran it. */
  executionArn: string;
  status: ExecutionStatus;
  error?: string;
  cause?: string;
  result?: DeploymentResult;
  /** The deployer's own timeline of shifts (a rollback ends at weight 0). */
  timeline: TimelineEntry[];
}

export interface DemoSummary {
  rolledBack: DeploymentReport;
  promoted: DeploymentReport;
  /** Executions the buggy version served, and how many of them failed. */
  buggyVersion: { versionArn: string; served: number; failed: number };
  finalRouting: RoutingEntry[];
  betaRouting: RoutingEntry[];
  versionsLeft: string[];
}

/** The demo's virtual start, the same every run: Monday 5 January 2026, 09:00 UTC. */
export const DEMO_START_MS = Date.UTC(2026, 0, 5, 9, 0, 0);

const ALIAS = 'live';
const ALARM = 'orders-live-failures';
const TYPES = ['B', 'C', 'D'];

function targetDefinition(file: string, comment?: string): string {
  const definition = JSON.parse(
    fs.readFileSync(path.join(PROJECT_ROOT, 'examples', 'targets', file), 'utf8'),
  ) as Record<string, unknown>;
  if (comment) definition.Comment = comment;
  return JSON.stringify(definition);
}

export async function runDemo(
  deployer: LocalDeployer,
  options: DemoOptions,
  report: Reporter,
): Promise<DemoSummary> {
  const { cloud } = deployer;
  const clock = cloud.clock;
  const sfn = new SFNClient(localClientConfig(deployer.endpoint, cloud.region));
  const cloudWatch = new CloudWatchClient(localClientConfig(deployer.endpoint, cloud.region));
  const random = seededRandom(options.seed);
  const startedAt = clock.now();
  report.setOrigin(startedAt);

  try {
    report.heading('1. A target state machine with traffic');
    // Three earlier releases: `live` serves the newest, `beta` still pins the oldest.
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: 'orders',
        definition: targetDefinition('orders-v1.asl.json', 'Release 1'),
        roleArn: `arn:aws:iam::${cloud.accountId}:role/orders`,
        publish: true,
      }),
    );
    const orders = created.stateMachineArn!;
    const release1 = created.stateMachineVersionArn!;
    for (const release of [2, 3]) {
      await sfn.send(
        new UpdateStateMachineCommand({
          stateMachineArn: orders,
          definition: targetDefinition('orders-v1.asl.json', `Release ${release}`),
          publish: true,
        }),
      );
    }
    const release3 = `${orders}:3`;
    await sfn.send(
      new CreateStateMachineAliasCommand({
        name: ALIAS,
        routingConfiguration: [{ stateMachineVersionArn: release3, weight: 100 }],
      }),
    );
    await sfn.send(
      new CreateStateMachineAliasCommand({
        name: 'beta',
        routingConfiguration: [{ stateMachineVersionArn: release1, weight: 100 }],
      }),
    );
    report.line(
      `Created state machine orders with versions 1-3; alias live → orders:3, alias beta → orders:1`,
    );

    const aliasArn = `${orders}:${ALIAS}`;
    // Held from the traffic's start to the alarm's creation, so no fast-forward jump slips in between
    // two requests on their way to the cloud: the same story every run.
    const setup = clock.hold();
    const stopTraffic = clock.every(Math.round(60_000 / options.trafficPerMinute), async () => {
      const type = TYPES[Math.floor(random() * TYPES.length)]!;
      await sfn.send(
        new StartExecutionCommand({ stateMachineArn: aliasArn, input: JSON.stringify({ type }) }),
      );
    });
    report.line(`Sending ${options.trafficPerMinute} orders a minute (types B, C, D) through alias live`);

    report.heading('2. An alarm on failed executions of the alias');
    try {
      await cloudWatch.send(new PutMetricAlarmCommand(failedExecutionsAlarm(ALARM, orders, ALIAS)));
    } finally {
      setup.release();
    }
    report.line(`${ALARM}: ExecutionsFailed (alias live) Sum >= 1 over 60 s`);
    await clock.sleep(120_000);
    await waitForAlarmState(cloudWatch, clock, 'OK');

    report.heading(
      `3. A buggy release (type B now fails), linear ${options.linearIncrement}% every ${options.linearIntervalSeconds / 60} minutes`,
    );
    const rolledBack = await deploy(deployer, sfn, clock, report, 'buggy release', aliasArn, {
      stateMachine: 'orders',
      alias: ALIAS,
      strategy: 'linear',
      increment: options.linearIncrement,
      intervalSeconds: options.linearIntervalSeconds,
      alarmPollingSeconds: options.alarmPollingSeconds,
      alarms: [ALARM],
      definition: JSON.parse(targetDefinition('orders-v2-buggy.asl.json')) as Record<string, unknown>,
    });
    const buggyVersionArn = `${orders}:4`;
    const buggyVersion = {
      versionArn: buggyVersionArn,
      served: await countExecutions(sfn, buggyVersionArn),
      failed: await countExecutions(sfn, buggyVersionArn, 'FAILED'),
    };
    report.line(
      `orders:4 served ${buggyVersion.served} orders before the rollback; ${buggyVersion.failed} of them failed`,
    );

    report.line('Waiting for the alarm to clear before the next release…');
    await waitForAlarmState(cloudWatch, clock, 'OK');

    report.heading(
      `4. The fixed release, canary ${options.canaryIncrement}% for ${options.canaryIntervalSeconds / 60} minutes, keeping ${options.historyMax} versions`,
    );
    const promoted = await deploy(deployer, sfn, clock, report, 'fixed release', aliasArn, {
      stateMachine: 'orders',
      alias: ALIAS,
      strategy: 'canary',
      increment: options.canaryIncrement,
      intervalSeconds: options.canaryIntervalSeconds,
      alarmPollingSeconds: options.alarmPollingSeconds,
      alarms: [ALARM],
      historyMax: options.historyMax,
      definition: JSON.parse(targetDefinition('orders-v3.asl.json')) as Record<string, unknown>,
    });
    stopTraffic();

    const finalRouting = await routingOf(sfn, aliasArn);
    const betaRouting = await routingOf(sfn, `${orders}:beta`);
    const versions = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: orders }));
    const summary: DemoSummary = {
      rolledBack,
      promoted,
      buggyVersion,
      finalRouting,
      betaRouting,
      versionsLeft: (versions.stateMachineVersions ?? []).map((version) => version.stateMachineVersionArn!),
    };
    printSummary(report, summary);
    return summary;
  } finally {
    sfn.destroy();
    cloudWatch.destroy();
  }
}

/** Starts one deployment and follows the alias until the deployer execution ends. */
async function deploy(
  deployer: LocalDeployer,
  sfn: SFNClient,
  clock: LocalDeployer['cloud']['clock'],
  report: Reporter,
  title: string,
  aliasArn: string,
  request: Record<string, unknown>,
): Promise<DeploymentReport> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deployer.deployerArn,
      name: title.replaceAll(' ', '-'),
      input: JSON.stringify(request),
    }),
  );
  report.line(`Started deployer execution ${executionArn!.split(':').at(-1)}`);
  let originVersion: string | undefined;
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const alias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }));
    const routing = routingFrom(alias.routingConfiguration);
    originVersion ??= routing[0]?.stateMachineVersionArn;
    const newEntry = routing.find((entry) => entry.stateMachineVersionArn !== originVersion);
    const weight = newEntry?.weight ?? 0;
    // Stamped when the alias changed, not when this loop saw it: the same instants as the summary's timeline.
    const changedAt = Math.max(alias.updateDate?.getTime() ?? 0, execution.startDate!.getTime());
    report.progress(
      title,
      weight,
      newEntry ? versionLabel(newEntry.stateMachineVersionArn) : 'new version',
      changedAt,
    );
    if (execution.status !== 'RUNNING') {
      report.endProgress();
      const result = execution.output ? (JSON.parse(execution.output) as DeploymentResult) : undefined;
      const endedAt = execution.stopDate?.getTime();
      if (execution.status === 'SUCCEEDED')
        report.line(
          `Deployment SUCCEEDED: ${result?.outcome}, alias live ${describeRouting(routing)}`,
          endedAt,
        );
      else report.line(`Deployment ${execution.status}: ${execution.error}\n    ${execution.cause}`, endedAt);
      const timeline = await deployerTimeline(sfn, executionArn!);
      return {
        title,
        executionArn: executionArn!,
        status: execution.status!,
        error: execution.error,
        cause: execution.cause,
        result,
        timeline,
      };
    }
    await clock.sleep(10_000);
  }
}

/** The timeline the deployer itself recorded: the output of its last shift or rollback. */
async function deployerTimeline(sfn: SFNClient, executionArn: string): Promise<TimelineEntry[]> {
  const history = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1000 }),
  );
  for (const event of history.events ?? []) {
    const exited = event.stateExitedEventDetails;
    if (exited && ['Shift weight', 'Roll back'].includes(exited.name ?? '') && exited.output) {
      return (JSON.parse(exited.output) as DeployerState).deployment?.timeline ?? [];
    }
  }
  return [];
}

async function routingOf(sfn: SFNClient, aliasArn: string): Promise<RoutingEntry[]> {
  const alias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }));
  return routingFrom(alias.routingConfiguration);
}

function routingFrom(
  configuration: { stateMachineVersionArn?: string; weight?: number }[] | undefined,
): RoutingEntry[] {
  return (configuration ?? []).map((entry) => ({
    stateMachineVersionArn: entry.stateMachineVersionArn!,
    weight: entry.weight!,
  }));
}

async function countExecutions(
  sfn: SFNClient,
  versionArn: string,
  statusFilter?: ExecutionStatus,
): Promise<number> {
  let count = 0;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: versionArn, statusFilter, maxResults: 1000, nextToken }),
    );
    count += page.executions?.length ?? 0;
    nextToken = page.nextToken;
  } while (nextToken);
  return count;
}

async function waitForAlarmState(
  cloudWatch: CloudWatchClient,
  clock: LocalDeployer['cloud']['clock'],
  state: string,
): Promise<void> {
  for (;;) {
    const alarms = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: [ALARM] }));
    if (alarms.MetricAlarms?.[0]?.StateValue === state) return;
    await clock.sleep(30_000);
  }
}

function printSummary(report: Reporter, summary: DemoSummary): void {
  report.heading('5. Summary');
  for (const deployment of [summary.rolledBack, summary.promoted]) {
    const outcome = deployment.status === 'SUCCEEDED' ? deployment.result?.outcome : deployment.error;
    report.line(`${deployment.title}: ${outcome}`);
    for (const point of deployment.timeline) {
      report.line(
        `    ${report.offset(Date.parse(point.at))}  ${String(point.weight).padStart(3)}% to the new version`,
      );
    }
  }
  report.line(
    `Failed orders served by the buggy orders:4 before the rollback: ${summary.buggyVersion.failed} of ${summary.buggyVersion.served}`,
  );
  report.line(
    `Alias live: ${describeRouting(summary.finalRouting)}; alias beta: ${describeRouting(summary.betaRouting)}`,
  );
  const pruned = summary.promoted.result?.prunedVersionArns ?? [];
  report.line(
    `Pruned: ${pruned.map(versionLabel).join(', ') || 'none'}; versions left: ${summary.versionsLeft.map(versionLabel).join(', ')}`,
  );
}
