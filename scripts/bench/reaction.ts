/**
 * How fast a failing canary is rolled back, measured on the local cloud.
 *
 * One scenario: a new version that fails every execution, 10 executions per
 * second through the alias, a 10% canary held 30 minutes, and an alarm on
 * the alias's `ExecutionsFailed`, Sum >= 1 over 60 s. The deployer runs it
 * polling every 60, 300 and 600 s with the alarm's state-change events lost
 * (the local cloud's drop switch: polling alone), and with events on.
 * Printed for each: seconds from the first failed execution to the alias
 * restored, and the failed executions served before then.
 *
 * Two other tools' rules are replayed on the alarm timeline of the event run
 * (the times the alarm changed state), with the failure rate measured there:
 * the AWS sample `sfndeploy.py` checks the alarm once per step, right after
 * each shift; CloudFormation's `DeploymentPreference` (CodeDeploy) reads the
 * alarm's current state every 60 s.
 */
import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeStateMachineAliasCommand,
  ListExecutionsCommand,
  type ListExecutionsCommandOutput,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { failedExecutionsAlarm } from '../../examples/alarms';
import { localClientConfig, type LocalDeployer } from '../../local/deployer';
import { ALARM_STATE_CHANGE } from '../../local/events/alarm-state-change';

const RATE_PER_SECOND = 10;
const CANARY_PERCENT = 10;
const INTERVAL_SECONDS = 30 * 60;

export interface Variant {
  readonly title: string;
  readonly pollSeconds: number;
  /** Whether the alarm's state-change events reach the deployer. */
  readonly events: boolean;
  /** Whether the deployment judges the new version's executions (`analysis`), and watches the alarm too. */
  readonly analysis?: { readonly withAlarm: boolean };
}

export const VARIANTS: readonly Variant[] = [
  { title: 'sfn-deployer, polling only', pollSeconds: 60, events: false },
  { title: 'sfn-deployer, polling only', pollSeconds: 300, events: false },
  { title: 'sfn-deployer, polling only', pollSeconds: 600, events: false },
  { title: 'sfn-deployer, alarm events', pollSeconds: 600, events: true },
  {
    title: 'sfn-deployer, analysis, no alarm',
    pollSeconds: 600,
    events: true,
    analysis: { withAlarm: false },
  },
  {
    title: 'sfn-deployer, analysis and alarm',
    pollSeconds: 600,
    events: true,
    analysis: { withAlarm: true },
  },
];

export interface Reaction {
  /** Virtual ms since the epoch. */
  readonly shiftedAt: number;
  readonly firstFailureAt: number;
  readonly restoredAt: number;
  readonly failuresServed: number;
  /** When the alarm went to ALARM and back, in order. */
  readonly alarmTimeline: ReadonlyArray<{ atMs: number; state: string }>;
}

/** Runs one variant on the local cloud: a fresh target, traffic, the deployment, and what it cost. */
export async function measureReaction(
  deployer: LocalDeployer,
  variant: Variant,
  index: number,
): Promise<Reaction> {
  const { cloud, sfn } = deployer;
  const cloudWatch = new CloudWatchClient(localClientConfig(deployer.endpoint, cloud.region));
  const name = `orders-reaction-${index}`;
  const definition = (fails: boolean) =>
    JSON.stringify(
      fails
        ? {
            StartAt: 'Reject',
            States: { Reject: { Type: 'Fail', Error: 'Broken', Cause: 'the new version' } },
          }
        : { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
    );
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name,
      definition: definition(false),
      roleArn: `arn:aws:iam::${cloud.accountId}:role/${name}`,
      publish: true,
    }),
  );
  const updated = await sfn.send(
    new UpdateStateMachineCommand({
      stateMachineArn: created.stateMachineArn,
      definition: definition(true),
      publish: true,
    }),
  );
  const alias = await sfn.send(
    new CreateStateMachineAliasCommand({
      name: 'live',
      routingConfiguration: [{ stateMachineVersionArn: created.stateMachineVersionArn, weight: 100 }],
    }),
  );
  const alarm = `${name}-failed`;
  await cloudWatch.send(
    new PutMetricAlarmCommand(failedExecutionsAlarm(alarm, created.stateMachineArn!, 'live')),
  );

  // Traffic through the alias, started in-process so 10 a second stay cheap; the deployer is
  // started and watched over the wire like any client.
  const stopTraffic = cloud.clock.every(1000 / RATE_PER_SECOND, () =>
    cloud.stepFunctions
      .handle('StartExecution', { stateMachineArn: alias.stateMachineAliasArn })
      .then(() => undefined),
  );
  if (!variant.events) cloud.drops.add({ detailType: ALARM_STATE_CHANGE, probability: 1 });
  try {
    // Healthy traffic for two alarm periods, then the deployment 5 s into a minute.
    await cloud.clock.sleep(120_000);
    await cloud.clock.sleepUntil(Math.ceil(cloud.clock.now() / 60_000) * 60_000 + 5_000);
    const shiftedAt = cloud.clock.now();
    const { executionArn } = await cloud.clock.busy(
      sfn.send(
        new StartExecutionCommand({
          stateMachineArn: deployer.deployerArn,
          input: JSON.stringify({
            stateMachine: name,
            alias: 'live',
            strategy: 'canary',
            increment: CANARY_PERCENT,
            intervalSeconds: INTERVAL_SECONDS,
            alarmPollingSeconds: variant.pollSeconds,
            alarms: variant.analysis && !variant.analysis.withAlarm ? [] : [alarm],
            ...(variant.analysis ? { analysis: {} } : {}),
            version: 2,
          }),
        }),
      ),
    );
    const ended = await cloud.stepFunctions.waitForExecution(executionArn!);
    if (ended.error !== 'DeploymentRolledBack')
      throw new Error(`${variant.title}: expected a rollback, got ${ended.status} ${ended.error ?? ''}`);
    stopTraffic();

    const restored = await sfn.send(
      new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias.stateMachineAliasArn }),
    );
    const failed = await allExecutions(deployer, updated.stateMachineVersionArn!);
    const restoredAt = restored.updateDate!.getTime();
    const failureTimes = failed.map((execution) => execution.startDate!.getTime()).sort((a, b) => a - b);
    const history = await cloudWatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: alarm,
        HistoryItemType: 'StateUpdate',
        ScanBy: 'TimestampAscending',
        StartDate: new Date(shiftedAt),
      }),
    );
    return {
      shiftedAt,
      firstFailureAt: failureTimes[0]!,
      restoredAt,
      failuresServed: failureTimes.filter((at) => at <= restoredAt).length,
      alarmTimeline: (history.AlarmHistoryItems ?? []).map((item) => ({
        atMs: item.Timestamp!.getTime(),
        state: (JSON.parse(item.HistoryData ?? '{}') as { newState?: { stateValue?: string } }).newState
          ?.stateValue as string,
      })),
    };
  } finally {
    stopTraffic();
    cloud.drops.clear();
    cloudWatch.destroy();
  }
}

async function allExecutions(deployer: LocalDeployer, versionArn: string) {
  const executions: NonNullable<ListExecutionsCommandOutput['executions']> = [];
  let nextToken: string | undefined;
  do {
    const page = await deployer.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: versionArn,
        statusFilter: 'FAILED',
        maxResults: 1000,
        nextToken,
      }),
    );
    executions.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return executions;
}

/** The alarm's state at `atMs`, from its timeline (OK before its first change). */
function stateAt(timeline: Reaction['alarmTimeline'], atMs: number): string {
  let state = 'OK';
  for (const change of timeline) if (change.atMs <= atMs) state = change.state;
  return state;
}

/**
 * When a rule that reads the alarm's current state at `checks` would restore the alias: the first
 * check that finds it in ALARM. `undefined` when none does.
 */
export function replayRestore(
  timeline: Reaction['alarmTimeline'],
  checks: readonly number[],
): number | undefined {
  return checks.find((atMs) => stateAt(timeline, atMs) === 'ALARM');
}

/**
 * The other tools' rules on the event run's alarm timeline, the traffic left failing at the rate
 * measured there. The failing canary keeps its alarm in ALARM, so it is taken to stay there.
 */
export function replays(run: Reaction): Array<{ title: string; restoredAt: number; failuresServed: number }> {
  const failuresPerMs = run.failuresServed / Math.max(1, run.restoredAt - run.firstFailureAt);
  const sustained = run.alarmTimeline.filter((change) => change.state === 'ALARM').slice(0, 1);
  const rules = [
    // sfndeploy.py: one check right after each shift (10% at the start, 100% one interval later).
    {
      title: 'sfndeploy.py (a check after each shift)',
      checks: [run.shiftedAt, run.shiftedAt + INTERVAL_SECONDS * 1000],
    },
    // CodeDeploy's alarm monitoring: the current state, every 60 s from the shift.
    {
      title: 'DeploymentPreference (state every 60 s)',
      checks: Array.from({ length: INTERVAL_SECONDS / 60 + 1 }, (_, n) => run.shiftedAt + n * 60_000),
    },
  ];
  return rules.map(({ title, checks }) => {
    const restoredAt = replayRestore(sustained, checks) ?? run.shiftedAt + INTERVAL_SECONDS * 1000;
    return {
      title,
      restoredAt,
      failuresServed: Math.round((restoredAt - run.firstFailureAt) * failuresPerMs),
    };
  });
}
