/**
 * `npm run bench`: what linear deployments of 1 hour, 1 day, 30 days and a
 * year cost at a 60-second poll — history events per execution, executions,
 * Lambda invocations, state transitions and dollars.
 *
 * Runs that fit in a minute or so are measured on the local cloud (which
 * counts history events as AWS does and fails past 25,000) and printed next
 * to the model's figures for the same deployment; here the model alone covers
 * the 30-day and year-long runs at 60 s (43,200 and 524,160 polls), and
 * `npm run bench:year` (scripts/bench/year.ts) measures the year for real. A
 * year at a 3-hour poll is measured too, so the continuation accounting is checked.
 */
import { DeleteAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { quietAlarm } from '../../examples/alarms';
import { HISTORY_EVENT_LIMIT } from '../../lambda/shared/budget';
import { formatDuration } from '../../lambda/shared/plan';
import { localClientConfig, type LocalDeployer, startLocalDeployer } from '../../local/deployer';
import { installInProcessHandler } from '../../local/wire/in-process-handler';
import { type Figures, model } from './model';
import { sdkSeconds } from './sdk-floor';
import type { JournalEntry } from '../../local/wire/faults';
import { measureReaction, type Reaction, replays, VARIANTS } from './reaction';

/**
 * Public prices, us-east-1, as listed on 2026-11-01:
 * - Step Functions Standard: $0.025 per 1,000 state transitions (https://aws.amazon.com/step-functions/pricing/).
 * - Lambda arm64: $0.20 per 1M requests and $0.0000133334 per GB-second (https://aws.amazon.com/lambda/pricing/);
 *   the deployer's Lambdas have 256 MB and are taken to run 100 ms each.
 * - CloudWatch: $0.01 per 1,000 API requests such as DescribeAlarms (https://aws.amazon.com/cloudwatch/pricing/).
 * - DynamoDB on demand: $0.625 per million write request units (https://aws.amazon.com/dynamodb/pricing/on-demand/);
 *   each poll writes the lock twice (the wait stores its task token, the check takes the signals).
 * Free tiers are left out.
 */
const PRICE = {
  perTransition: 0.025 / 1000,
  perInvocation: 0.2 / 1e6 + 0.25 * 0.1 * 0.0000133334,
  perDescribeAlarms: 0.01 / 1000,
  perPollWrites: (2 * 0.625) / 1e6,
};

export function dollars(figures: Figures): number {
  return (
    figures.stateTransitions * PRICE.perTransition +
    figures.lambdaInvocations * PRICE.perInvocation +
    figures.polls * (PRICE.perDescribeAlarms + PRICE.perPollWrites)
  );
}

export interface Scenario {
  title: string;
  /** Linear 10%: ten steps of this interval. */
  intervalSeconds: number;
  pollSeconds: number;
  measure: boolean;
}

export const HOUR = 3600;
export const DAY = 24 * HOUR;
const SCENARIOS: Scenario[] = [
  { title: '1 hour', intervalSeconds: 6 * 60, pollSeconds: 60, measure: true },
  { title: '1 day', intervalSeconds: 2.4 * HOUR, pollSeconds: 60, measure: true },
  { title: '30 days', intervalSeconds: 3 * DAY, pollSeconds: 60, measure: false },
  {
    title: '1 year (364 days, the longest plan)',
    intervalSeconds: 36.4 * DAY,
    pollSeconds: 60,
    measure: false,
  },
  { title: '1 year (364 days)', intervalSeconds: 36.4 * DAY, pollSeconds: 3 * HOUR, measure: true },
];

export async function measure(
  deployer: LocalDeployer,
  scenario: Scenario,
  index: number,
  /** Called as soon as the deployment has ended, before its histories are read back. */
  onEnded?: () => Promise<void> | void,
): Promise<Figures & { realSeconds: number }> {
  const { sfn } = deployer;
  const cloudWatch = new CloudWatchClient(localClientConfig(deployer.endpoint, deployer.cloud.region));
  // An `orders…` name: the local deployer is granted those targets only (local/deployer/synth.ts).
  const name = `orders-bench-${index}`;
  const role = `arn:aws:iam::${deployer.cloud.accountId}:role/${name}`;
  const definition = (comment: string) =>
    JSON.stringify({ Comment: comment, StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
  const created = await sfn.send(
    new CreateStateMachineCommand({ name, definition: definition('1'), roleArn: role, publish: true }),
  );
  await sfn.send(
    new UpdateStateMachineCommand({
      stateMachineArn: created.stateMachineArn,
      definition: definition('2'),
      publish: true,
    }),
  );
  await sfn.send(
    new CreateStateMachineAliasCommand({
      name: 'live',
      routingConfiguration: [{ stateMachineVersionArn: created.stateMachineVersionArn, weight: 100 }],
    }),
  );
  await cloudWatch.send(
    new PutMetricAlarmCommand(
      quietAlarm(`${name}-errors`, 'Bench', scenario.pollSeconds >= HOUR ? HOUR : 60),
    ),
  );

  const startedAt = deployer.cloud.clock.now();
  const real = Date.now();
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deployer.deployerArn,
      input: JSON.stringify({
        stateMachine: name,
        alias: 'live',
        strategy: 'linear',
        increment: 10,
        intervalSeconds: scenario.intervalSeconds,
        alarmPollingSeconds: scenario.pollSeconds,
        alarms: [`${name}-errors`],
        version: 2,
      }),
    }),
  );
  const ended = await deployer.cloud.stepFunctions.waitForExecution(executionArn!);
  if (ended.status !== 'SUCCEEDED')
    throw new Error(
      `${scenario.title}: the deployment ended ${ended.status}: ${ended.error}: ${ended.cause}`,
    );
  const realSeconds = (Date.now() - real) / 1000;
  await onEnded?.();
  // An alarm left behind would be evaluated every period through the next scenario's virtual year.
  await cloudWatch.send(new DeleteAlarmsCommand({ AlarmNames: [`${name}-errors`] }));
  cloudWatch.destroy();

  const listed = await sfn.send(
    new ListExecutionsCommand({ stateMachineArn: deployer.deployerArn, maxResults: 1000 }),
  );
  const figures: Figures = {
    executions: 0,
    maxEventsPerExecution: 0,
    lambdaInvocations: 0,
    stateTransitions: 0,
    polls: 0,
  };
  for (const execution of listed.executions ?? []) {
    if ((execution.startDate?.getTime() ?? 0) < startedAt) continue;
    let events = 0;
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000, nextToken }),
      );
      for (const event of page.events ?? []) {
        events += 1;
        if (event.type?.endsWith('StateEntered')) figures.stateTransitions += 1;
        if (event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resourceType === 'lambda')
          figures.lambdaInvocations += 1;
        if (event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === 'Check alarms')
          figures.polls += 1;
      }
      nextToken = page.nextToken;
    } while (nextToken);
    figures.executions += 1;
    figures.maxEventsPerExecution = Math.max(figures.maxEventsPerExecution, events);
  }
  return { ...figures, realSeconds };
}

function row(cells: string[]): string {
  const widths = [36, 6, 9, 11, 12, 12, 12, 10];
  return cells
    .map((cell, index) => (index === 0 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!)))
    .join(' ');
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const deployer = await startLocalDeployer({
    fastForward: true,
    lambdaLogLevel: 'ERROR',
    staleLockSweep: false,
  });
  process.stdout.write(
    'Linear 10% deployments, one alarm watched; history limit per execution: ' + `${HISTORY_EVENT_LIMIT}\n\n`,
  );
  process.stdout.write(
    `${row(['deployment', 'poll', 'source', 'executions', 'max events', 'Lambda calls', 'transitions', 'cost $'])}\n`,
  );
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      const poll = formatDuration(scenario.pollSeconds);
      const modelled = model('linear', 10, scenario.intervalSeconds, scenario.pollSeconds);
      const print = (source: string, figures: Figures) =>
        process.stdout.write(
          `${row([
            scenario.title,
            poll,
            source,
            String(figures.executions),
            String(figures.maxEventsPerExecution),
            String(figures.lambdaInvocations),
            String(figures.stateTransitions),
            dollars(figures).toFixed(4),
          ])}\n`,
        );
      print('model', modelled);
      if (scenario.measure) {
        const measured = await measure(deployer, scenario, index);
        print('measured', measured);
        process.stdout.write(
          `${' '.repeat(37)}(measured on the local cloud in ${measured.realSeconds.toFixed(1)} s of real time)\n`,
        );
      }
    }
    await printSpeed(deployer);
    await printReactions(deployer);
  } finally {
    await deployer.stop();
  }
}

/**
 * How fast the local cloud runs the 1-day deployment, with the deployer's Lambdas reaching it
 * in-process and over loopback HTTP: virtual seconds per second of wall time, and per second of
 * CPU (the wall figure depends on what else the machine is doing).
 */
async function printSpeed(deployer: LocalDeployer): Promise<void> {
  process.stdout.write(
    '\nThe local cloud running the 1-day deployment (1m poll), the Lambdas reaching it each way\n\n',
  );
  const line = (cells: string[]) =>
    `${cells.map((cell, index) => (index === 0 ? cell.padEnd(12) : cell.padStart(12))).join(' ')}\n`;
  process.stdout.write(line(['transport', 'wall s', 'CPU s', 'CPU ms/poll', 'virtual/wall', 'virtual/CPU']));
  const scenario = SCENARIOS.find((candidate) => candidate.title === '1 day')!;
  let floor: { journal: JournalEntry[]; polls: number; virtualSeconds: number } | undefined;
  for (const transport of ['in-process', 'wire'] as const) {
    installInProcessHandler(deployer.cloud.server, transport);
    try {
      const startedAt = deployer.cloud.clock.now();
      const cpu = process.cpuUsage();
      let used = { user: 0, system: 0 };
      let virtualSeconds = 0;
      const measured = await measure(
        deployer,
        scenario,
        SCENARIOS.length + (transport === 'wire' ? 1 : 0),
        () => {
          used = process.cpuUsage(cpu);
          virtualSeconds = (deployer.cloud.clock.now() - startedAt) / 1000;
          if (transport === 'in-process')
            floor = {
              journal: deployer.cloud.calls.journal({ sinceMs: startedAt }),
              polls: 0,
              virtualSeconds,
            };
        },
      );
      if (floor && transport === 'in-process') floor.polls = measured.polls;
      const cpuSeconds = (used.user + used.system) / 1e6;
      process.stdout.write(
        line([
          transport,
          measured.realSeconds.toFixed(1),
          cpuSeconds.toFixed(1),
          ((cpuSeconds * 1000) / measured.polls).toFixed(1),
          Math.round(virtualSeconds / measured.realSeconds).toLocaleString('en-US'),
          Math.round(virtualSeconds / cpuSeconds).toLocaleString('en-US'),
        ]),
      );
    } finally {
      installInProcessHandler(deployer.cloud.server, 'in-process');
    }
  }
  // The Lambdas' SDK calls of the in-process run, replayed against a handler that answers at once.
  const sdk = await sdkSeconds(floor!.journal);
  process.stdout.write(
    line([
      'SDK alone',
      sdk.toFixed(1),
      '',
      ((sdk * 1000) / floor!.polls).toFixed(1),
      Math.round(floor!.virtualSeconds / sdk).toLocaleString('en-US'),
      '',
    ]),
  );
}

/** The rollback table: each variant measured on the local cloud, then the other tools' rules replayed. */
async function printReactions(deployer: LocalDeployer): Promise<void> {
  process.stdout.write(
    '\nA new version failing every execution, 10 executions/s through the alias, a 10% canary held 30 min,\n' +
      'alarm ExecutionsFailed Sum >= 1 over 60 s: seconds from the first failure, and from the alarm, to the\n' +
      'alias restored, and the failed executions served until then\n\n',
  );
  const line = (cells: string[]) =>
    `${cells.map((cell, index) => (index === 0 ? cell.padEnd(42) : cell.padStart(index === 1 ? 6 : 12))).join(' ')}\n`;
  process.stdout.write(line(['rollback by', 'poll', 'source', 'from failure', 'from alarm', 'failures']));
  const fromAlarm = (run: Reaction, restoredAt: number) => {
    const fired = run.alarmTimeline.find((change) => change.state === 'ALARM')?.atMs;
    return fired === undefined ? '-' : ((restoredAt - fired) / 1000).toFixed(1);
  };
  let eventRun: Reaction | undefined;
  for (const [index, variant] of VARIANTS.entries()) {
    const run = await measureReaction(deployer, variant, index);
    if (variant.events && !variant.analysis) eventRun = run;
    process.stdout.write(
      line([
        variant.title,
        formatDuration(variant.pollSeconds),
        'measured',
        ((run.restoredAt - run.firstFailureAt) / 1000).toFixed(1),
        fromAlarm(run, run.restoredAt),
        String(run.failuresServed),
      ]),
    );
  }
  for (const replay of eventRun ? replays(eventRun) : []) {
    process.stdout.write(
      line([
        replay.title,
        '',
        'replayed',
        ((replay.restoredAt - eventRun!.firstFailureAt) / 1000).toFixed(1),
        fromAlarm(eventRun!, replay.restoredAt),
        String(replay.failuresServed),
      ]),
    );
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
