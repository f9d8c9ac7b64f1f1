/**
 * Deployments that last a year, under the 25,000-event history limit. The
 * local cloud fails an execution past 25,000 events as AWS does, so these
 * runs prove the continuation chain keeps every history under it.
 *
 * The plan is the issue's: linear 1% every 3.6 days (360 days with the bake
 * at 100%). The poll is every few hours rather than every minute so a run
 * takes seconds of real time; that is still thousands of polls and more
 * history events than one execution can hold, so the chain is exercised.
 * At the default 60-second poll a two-day deployment crosses into a second
 * execution; `npm run bench:year` runs the whole year at that poll (tens of
 * minutes: 524,160 polls).
 */
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import { quietAlarm } from '../../examples/alarms';
import { HISTORY_EVENT_LIMIT } from '../../lambda/shared/budget';
import type { DeploymentResult } from '../../lambda/shared/deployment';
import { E2e, type Target } from './harness';

const DAY_SECONDS = 24 * 60 * 60;
const INTERVAL_SECONDS = 3.6 * DAY_SECONDS;
const HOUR_SECONDS = 60 * 60;

let e2e: E2e;

beforeAll(async () => {
  // The stale-lock sweep (tested in safety-guarantees) would run every 5 minutes of a virtual year.
  e2e = await E2e.start({ staleLockSweep: false });
});

afterAll(async () => {
  await e2e.stop();
});

interface Chain {
  handle: DescribeExecutionCommandOutput;
  executions: Array<ExecutionListItem & { events: number }>;
}

/** Follows the deployment to its end, then counts every deployer execution's history events. */
async function followChain(handleArn: string, startedAfter: number): Promise<Chain> {
  await e2e.deployer.cloud.stepFunctions.waitForExecution(handleArn);
  const handle = await e2e.sfn.send(new DescribeExecutionCommand({ executionArn: handleArn }));
  const listed = await e2e.sfn.send(
    new ListExecutionsCommand({ stateMachineArn: e2e.deployer.deployerArn, maxResults: 1000 }),
  );
  const executions = [];
  for (const execution of listed.executions ?? []) {
    if ((execution.startDate?.getTime() ?? 0) < startedAfter) continue;
    let events = 0;
    let nextToken: string | undefined;
    do {
      const page = await e2e.sfn.send(
        new GetExecutionHistoryCommand({ executionArn: execution.executionArn, maxResults: 1000, nextToken }),
      );
      events += page.events?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken);
    executions.push({ ...execution, events });
  }
  return { handle, executions };
}

function report(title: string, chain: Chain): void {
  const maxEvents = Math.max(...chain.executions.map((execution) => execution.events));
  process.stdout.write(
    `${title}: ${chain.executions.length} executions, at most ${maxEvents} history events in one ` +
      `(limit ${HISTORY_EVENT_LIMIT}), ${Math.round((chain.handle.stopDate!.getTime() - chain.handle.startDate!.getTime()) / 1000 / DAY_SECONDS)} days\n`,
  );
}

async function newTarget(): Promise<Target> {
  return e2e.createTarget({ versions: 2, aliases: { live: 1 } });
}

const yearLongRequest = (target: Target, pollSeconds: number, alarms: string[] = []) => ({
  stateMachine: target.name,
  alias: 'live',
  strategy: 'linear',
  increment: 1,
  intervalSeconds: INTERVAL_SECONDS,
  alarmPollingSeconds: pollSeconds,
  alarms,
  version: 2,
});

describe('a deployment that lasts a year', () => {
  it('promotes across fresh executions, each under the history limit, and the starting one reports it', async () => {
    // Arrange
    const target = await newTarget();
    const startedAt = e2e.clock.now();

    // Act
    // ~1,670 polls of 13 events each, ~22,400 events: the fewest polls that still need a second execution.
    const handleArn = await e2e.startDeployment(yearLongRequest(target, 5.5 * HOUR_SECONDS));
    const chain = await followChain(handleArn, startedAt);

    // Assert
    report('year-long promotion', chain);
    expect(chain.handle.status).toBe('SUCCEEDED');
    const result = JSON.parse(chain.handle.output!) as DeploymentResult;
    expect(result.outcome).toBe('PROMOTED');
    expect(result.timeline.map((entry) => entry.weight)).toEqual(
      Array.from({ length: 100 }, (_, index) => index + 1),
    );
    expect(Date.parse(result.timeline[99]!.at) - Date.parse(result.timeline[0]!.at)).toBe(
      99 * INTERVAL_SECONDS * 1000,
    );
    expect(chain.executions.length).toBeGreaterThanOrEqual(2);
    for (const execution of chain.executions) {
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.events).toBeLessThan(HISTORY_EVENT_LIMIT);
    }
    expect(await e2e.routing(target.aliasArn('live'))).toEqual([
      { stateMachineVersionArn: target.versionArn(2), weight: 100 },
    ]);
  }, 120_000);

  it('at the default 60-second poll, carries a two-day deployment into a second execution', async () => {
    // Arrange: one alarm at the usual one-minute period, read on every poll.
    const target = await newTarget();
    const alarm = e2e.uniqueName('orders-two-days');
    await e2e.cloudWatch.send(new PutMetricAlarmCommand(quietAlarm(alarm, 'Orders', 60)));
    const startedAt = e2e.clock.now();

    // Act: 2,880 polls; one execution holds about 1,500 of them.
    const handleArn = await e2e.startDeployment({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'linear',
      increment: 10,
      intervalSeconds: (2 * DAY_SECONDS) / 10,
      alarms: [alarm],
      version: 2,
    });
    const chain = await followChain(handleArn, startedAt);

    // Assert
    report('two days at a 60 s poll', chain);
    expect(chain.handle.status).toBe('SUCCEEDED');
    expect((JSON.parse(chain.handle.output!) as DeploymentResult).outcome).toBe('PROMOTED');
    expect(chain.executions.length).toBe(2);
    for (const execution of chain.executions) expect(execution.events).toBeLessThan(HISTORY_EVENT_LIMIT);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual([
      { stateMachineVersionArn: target.versionArn(2), weight: 100 },
    ]);
  }, 120_000);

  it('rolls back on an alarm on day 200, in a continuation, and the starting execution fails DeploymentRolledBack', async () => {
    // Arrange: an alarm no metric feeds, at the usual one-minute period (with no data it is evaluated
    // once, not every minute for 200 days); on day 200 it is set to ALARM, and its next evaluation puts it back.
    const target = await newTarget();
    const alarm = e2e.uniqueName('orders-day-200');
    await e2e.cloudWatch.send(new PutMetricAlarmCommand(quietAlarm(alarm, 'Orders', 60)));
    const startedAt = e2e.clock.now();

    // Act
    // ~1,650 polls to day 200: the first execution's budget is spent around day 180.
    const handleArn = await e2e.startDeployment(yearLongRequest(target, 3 * HOUR_SECONDS, [alarm]));
    await e2e.clock.sleepUntil(startedAt + 200 * DAY_SECONDS * 1000);
    await e2e.clock.busy(
      e2e.cloudWatch.send(
        new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'ALARM', StateReason: 'day 200' }),
      ),
    );
    const chain = await followChain(handleArn, startedAt);

    // Assert
    report('year-long rollback', chain);
    expect(chain.handle.status).toBe('FAILED');
    expect(chain.handle.error).toBe('DeploymentRolledBack');
    expect(chain.handle.cause).toContain(alarm);
    expect(chain.executions.length).toBeGreaterThanOrEqual(2);
    const days = (chain.handle.stopDate!.getTime() - startedAt) / 1000 / DAY_SECONDS;
    expect(days).toBeGreaterThanOrEqual(200);
    expect(days).toBeLessThan(201);
    for (const execution of chain.executions) expect(execution.events).toBeLessThan(HISTORY_EVENT_LIMIT);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual([
      { stateMachineVersionArn: target.versionArn(1), weight: 100 },
    ]);
  }, 120_000);
});
