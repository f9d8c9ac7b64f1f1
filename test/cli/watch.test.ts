import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { firedAlarmNames, initialProgress, type Progress, readHistoryEvent } from '../../cli/events';
import { formatEvent, progressBar, statusBlock } from '../../cli/render';
import { run, testClients } from './harness';
import {
  at,
  EXECUTION_ARN,
  exited,
  FIRED,
  loopState,
  promotion,
  rollback,
  ROLLBACK_CAUSE,
  ScriptedExecution,
  T0,
} from './scripted-execution';

const sfn = mockClient(SFNClient);
const cloudWatch = mockClient(CloudWatchClient);

beforeEach(() => {
  sfn.reset();
  cloudWatch.reset();
  cloudWatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      { AlarmName: 'orders-failures', StateValue: 'OK', StateUpdatedTimestamp: new Date(T0 - 3600_000) },
    ],
  });
});

describe('sfn-deploy watch', () => {
  describe('without a terminal', () => {
    it('prints each event as a line, each shift among them, and the outcome', async () => {
      // Arrange
      promotion().install(sfn);

      // Act
      const { code, stdout } = await run(['watch', EXECUTION_ARN]);

      // Assert
      expect(code).toBe(0);
      expect(stdout.lines).toEqual([
        '10:00:00  started      orders → live (canary)',
        '10:00:00  planned      orders:2 → orders:3: 10%, 100%',
        // The state as first read, at that reading: not its last change, an hour before the deployment.
        '10:00:00  alarm        orders-failures is OK',
        '10:00:01  shift        10%   step 1/2, held until 10:05:01',
        '10:05:01  shift        100%  step 2/2',
        '10:05:03  pruned       orders:1',
        'PROMOTED: live routes 100% to orders:3 (was orders:2)',
        'timeline:',
        '  +0s         10%  2026-03-02T10:00:01.000Z',
        '  +5m        100%  2026-03-02T10:05:01.000Z',
        'pruned: orders:1',
      ]);
    });

    it('prints the alarm, the rollback and exits 1 with the error and cause when the deployment rolls back', async () => {
      // Arrange
      rollback().install(sfn);
      cloudWatch
        .on(DescribeAlarmsCommand)
        .resolvesOnce({
          MetricAlarms: [
            {
              AlarmName: 'orders-failures',
              StateValue: 'OK',
              StateUpdatedTimestamp: new Date(T0 - 3600_000),
            },
          ],
        })
        .resolves({
          MetricAlarms: [
            {
              AlarmName: 'orders-failures',
              StateValue: 'ALARM',
              StateUpdatedTimestamp: new Date(T0 + 50_000),
            },
          ],
        });

      // Act
      const { code, stdout, stderr } = await run(['watch', EXECUTION_ARN]);

      // Assert
      expect(code).toBe(1);
      expect(stdout.lines).toEqual([
        '10:00:00  started      orders → live (canary)',
        '10:00:00  planned      orders:2 → orders:3: 10%, 100%',
        // The state as first read, at that reading: not its last change, an hour before the deployment.
        '10:00:00  alarm        orders-failures is OK',
        '10:00:01  shift        10%   step 1/2, held until 10:05:01',
        '10:00:50  alarm        orders-failures OK → ALARM',
        '10:01:01  alarm fired  orders-failures',
        '10:01:01  rolling back',
        '10:01:02  rolled back  to orders:2 (100%)',
      ]);
      expect(stderr.text).toBe(`Deployment failed: DeploymentRolledBack: ${ROLLBACK_CAUSE}\n`);
      // The cause, and the alarm's reason in it, are printed once.
      expect(`${stdout.text}${stderr.text}`.split(ROLLBACK_CAUSE)).toHaveLength(2);
      expect(`${stdout.text}${stderr.text}`.split(FIRED)).toHaveLength(2);
    });

    it('tells the events of a poll in time order, an alarm change read after later history events included', async () => {
      // Arrange: the second poll reads a shift at 10:01:00 from the history, then the alarm, which went to
      // ALARM at 10:00:50.
      const late = {
        next: 'POLL' as const,
        stepIndex: 0,
        stepEndsAt: at(360),
        timeline: [{ at: at(60), weight: 10 }],
      };
      new ScriptedExecution()
        .stage(exited('Publish version', 0, loopState({ next: 'SHIFT' })))
        .stage(exited('Shift weight', 60, loopState(late)))
        .stage(exited('Check alarms', 61, loopState({ ...late, next: 'ROLL_BACK', firedAlarms: [FIRED] })))
        .endsWith({
          status: 'FAILED',
          stopDate: new Date(T0 + 62_000),
          error: 'DeploymentRolledBack',
          cause: ROLLBACK_CAUSE,
        })
        .install(sfn);
      cloudWatch
        .on(DescribeAlarmsCommand)
        .resolvesOnce({ MetricAlarms: [{ AlarmName: 'orders-failures', StateValue: 'OK' }] })
        .resolves({
          MetricAlarms: [
            {
              AlarmName: 'orders-failures',
              StateValue: 'ALARM',
              StateUpdatedTimestamp: new Date(T0 + 50_000),
            },
          ],
        });

      // Act
      const { stdout } = await run(['watch', EXECUTION_ARN]);

      // Assert
      expect(stdout.lines).toEqual([
        '10:00:00  planned      orders:2 → orders:3: 10%, 100%',
        '10:00:00  alarm        orders-failures is OK',
        '10:00:50  alarm        orders-failures OK → ALARM',
        '10:01:00  shift        10%   step 1/2, held until 10:06:00',
        '10:01:01  alarm fired  orders-failures',
      ]);
    });

    it('asks for both alarm types, so composite alarms are shown too', async () => {
      promotion().install(sfn);

      await run(['watch', EXECUTION_ARN]);

      expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, {
        AlarmNames: ['orders-failures'],
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      });
    });
  });

  describe('--json', () => {
    it('prints one JSON object per event line, ending with the outcome', async () => {
      // Arrange
      promotion().install(sfn);

      // Act
      const { code, stdout } = await run(['watch', EXECUTION_ARN, '--json']);

      // Assert
      expect(code).toBe(0);
      const events = stdout.lines.map((line) => JSON.parse(line) as { type: string; weight?: number });
      expect(events.map((event) => event.type)).toEqual([
        'started',
        'planned',
        'alarm',
        'shifted',
        'shifted',
        'pruned',
        'succeeded',
      ]);
      expect(events.filter((event) => event.type === 'shifted')).toEqual([
        { type: 'shifted', at: at(1), weight: 10, step: 1, of: 2, stepEndsAt: at(301) },
        { type: 'shifted', at: at(301), weight: 100, step: 2, of: 2, stepEndsAt: at(301) },
      ]);
      expect(events.at(-1)).toMatchObject({ type: 'succeeded', result: { outcome: 'PROMOTED' } });
    });

    it('ends with a failed event on a rollback', async () => {
      rollback().install(sfn);

      const { code, stdout } = await run(['watch', EXECUTION_ARN, '--json']);

      expect(code).toBe(1);
      const last = JSON.parse(stdout.lines.at(-1)!) as unknown;
      expect(last).toEqual({
        type: 'failed',
        at: at(62),
        status: 'FAILED',
        error: 'DeploymentRolledBack',
        cause: ROLLBACK_CAUSE,
      });
    });
  });

  describe('on a terminal', () => {
    it('prints each event once above the status block, which it redraws in place, and clears it before the outcome', async () => {
      promotion().install(sfn);

      const { code, stdout, region } = await run(['watch', EXECUTION_ARN], { isTTY: true });

      expect(code).toBe(0);
      // What stays on screen: the events and the outcome, no status block among them.
      expect(stdout.lines).toEqual([
        '10:00:00  started      orders → live (canary)',
        '10:00:00  planned      orders:2 → orders:3: 10%, 100%',
        '10:00:00  alarm        orders-failures is OK',
        '10:00:01  shift        10%   step 1/2, held until 10:05:01',
        '10:05:01  shift        100%  step 2/2',
        '10:05:03  pruned       orders:1',
        'PROMOTED: live routes 100% to orders:3 (was orders:2)',
        'timeline:',
        '  +0s         10%  2026-03-02T10:00:01.000Z',
        '  +5m        100%  2026-03-02T10:05:01.000Z',
        'pruned: orders:1',
      ]);
      expect(region.frames).toContainEqual(
        [
          'orders → live · canary · step 1/2 · RUNNING',
          `${progressBar(10)}  10%  next shift (100%) in 4m 57s`,
          'alarms: orders-failures OK',
        ].join('\n'),
      );
      expect(region.shown).toBeUndefined();
      expect(region.ended).toBe(true);
    });
  });

  describe('the countdown', () => {
    /** Mocked clients, as the harness makes them, with a service clock of their own. */
    const withServiceNow = (serviceNow: () => Date) => ({
      isTTY: true,
      createClients: () => ({ ...testClients(), serviceNow }),
    });

    it("counts down with the service's clock, not the machine's", async () => {
      // Arrange: the 10% step ends at T0+301s; the service (e.g. the local cloud's virtual
      // clock) is at T0+290s while the machine's clock is still near T0.
      promotion().install(sfn);

      // Act
      const { code, region } = await run(
        ['watch', EXECUTION_ARN],
        withServiceNow(() => new Date(T0 + 290_000)),
      );

      // Assert
      expect(code).toBe(0);
      const frames = region.frames.join('\n');
      expect(frames).toContain(`${progressBar(10)}  10%  next shift (100%) in 11s`);
      expect(frames).not.toMatch(/next shift \(100%\) in 4m/);
    });
  });

  it('reads only the new history events at each poll, newest first, across pages', async () => {
    // Arrange: 11 events over 5 polls, served 2 per page.
    const execution = promotion();
    execution.pageSize = 2;
    execution.install(sfn);

    // Act
    const { stdout } = await run(['watch', EXECUTION_ARN]);

    // Assert: each poll pages back only until the last event it saw (3+1+2+2+3 new events → 2+1+2+2+2 pages).
    expect(execution.historyCalls.every((call) => call.reverseOrder === true)).toBe(true);
    expect(execution.historyCalls.map((call) => call.nextToken ?? 'first')).toEqual([
      'first',
      '2',
      'first',
      'first',
      '2',
      'first',
      '2',
      'first',
      '2',
    ]);
    expect(stdout.lines.filter((line) => line.includes(' shift '))).toHaveLength(2);
  });

  it('polls every 2 seconds by default, and every --refresh seconds when given', async () => {
    promotion().install(sfn);
    const byDefault = await run(['watch', EXECUTION_ARN]);

    promotion().install(sfn);
    const refreshed = await run(['watch', EXECUTION_ARN, '--refresh', '0.5']);

    expect(byDefault.sleeps).toEqual([2000, 2000, 2000, 2000]);
    expect(refreshed.sleeps).toEqual([500, 500, 500, 500]);
  });

  it.each([
    ['ABORTED', 'States.ABORTED', 'the execution ended ABORTED'],
    ['TIMED_OUT', 'States.Timeout', 'Execution timed out'],
  ])('exits 1 when the execution ends %s', async (status, error, cause) => {
    sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: status as 'ABORTED', ...(status === 'TIMED_OUT' ? { error, cause } : {}) });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });

    const { code, stderr } = await run(['watch', EXECUTION_ARN]);

    expect(code).toBe(1);
    expect(stderr.text).toBe(`Deployment failed: ${error}: ${cause}\n`);
  });

  it('exits 1 with the AWS error when the execution does not exist', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejects(
        new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${EXECUTION_ARN}'`, $metadata: {} }),
      );

    const { code, stderr } = await run(['watch', EXECUTION_ARN]);

    expect(code).toBe(1);
    expect(stderr.text).toBe(`error: ExecutionDoesNotExist: Execution Does Not Exist: '${EXECUTION_ARN}'\n`);
  });

  it('fails with exit code 2 without an execution ARN', async () => {
    const { code, stderr } = await run(['watch']);

    expect(code).toBe(2);
    expect(stderr.text).toContain("error: missing required argument 'execution-arn'");
  });
});

describe('the live status', () => {
  const progress: Progress = {
    executionArn: EXECUTION_ARN,
    status: 'RUNNING',
    stateMachine: 'orders',
    alias: 'live',
    strategy: 'linear',
    alarmNames: ['orders-failures', 'orders-latency'],
    steps: [15, 30, 45, 60, 75, 90, 100].map((weight) => ({ weight, holdSeconds: 600 })),
    stepIndex: 1,
    weight: 30,
    stepEndsAt: at(1200),
    alarmStates: { 'orders-failures': 'OK' },
    signalsTold: 0,
  };

  it('shows the step, the weight as a bar, the time to the next shift and each alarm', () => {
    expect(statusBlock(progress, new Date(T0 + 950_000))).toEqual([
      'orders → live · linear · step 2/7 · RUNNING',
      `[${'█'.repeat(9)}${'░'.repeat(21)}]  30%  next shift (45%) in 4m 10s`,
      'alarms: orders-failures OK · orders-latency …',
    ]);
  });

  it('counts down to the promotion on the last step', () => {
    const last = { ...progress, stepIndex: 6, weight: 100, stepEndsAt: at(4200), alarmNames: [] };

    expect(statusBlock(last, new Date(T0 + 4140_000))).toEqual([
      'orders → live · linear · step 7/7 · RUNNING',
      `[${'█'.repeat(30)}] 100%  promotes in 1m`,
    ]);
  });

  it('says when no shift has happened yet', () => {
    const before = { ...progress, stepIndex: undefined, weight: 0, alarmNames: [] };

    expect(statusBlock(before, new Date(T0))[0]).toBe(
      'orders → live · linear · before the first shift · RUNNING',
    );
  });

  it.each([
    [0, `[${'░'.repeat(30)}]`],
    [50, `[${'█'.repeat(15)}${'░'.repeat(15)}]`],
    [100, `[${'█'.repeat(30)}]`],
  ])('draws %i%% as %s', (weight, bar) => {
    expect(progressBar(weight)).toBe(bar);
  });
});

describe('firedAlarmNames', () => {
  it('names the watched alarm each fired description starts with, the longest first', () => {
    const fired = [
      'orders-failures-5xx is ALARM: Threshold Crossed',
      'orders-failures was ALARM at 2026-03-02T10:00:30.000Z: Threshold Crossed',
    ];

    expect(firedAlarmNames(fired, ['orders-failures', 'orders-failures-5xx'])).toEqual([
      'orders-failures-5xx',
      'orders-failures',
    ]);
  });

  it('keeps a description that names no watched alarm as it is', () => {
    expect(firedAlarmNames(['composite is ALARM: x'], ['orders'])).toEqual(['composite is ALARM: x']);
  });
});

describe('signals and verdicts in the history', () => {
  const checked = (deployment: Record<string, unknown>, at: string) => ({
    type: 'TaskStateExited' as const,
    timestamp: new Date(at),
    id: 1,
    stateExitedEventDetails: {
      name: 'Check alarms',
      output: JSON.stringify({
        request: { stateMachine: 'orders', alias: 'live', strategy: 'canary', alarms: [] },
        deployment: { steps: [], timeline: [], next: 'POLL', ...deployment },
      }),
    },
  });
  const ana = { action: 'pause', sender: 'arn:aws:iam::123456789012:user/ana', reason: 'launch', at: at(10) };
  const verdict = (summary: string) => ({ summary, worse: false, step: 1 });

  it('tells each signal and each change of the analysis’s verdict once', () => {
    const progress = initialProgress(EXECUTION_ARN);

    const first = readHistoryEvent(
      checked({ signals: [ana], verdict: verdict('new 0/10 failed · old 0/90 · p=1.00 → healthy') }, at(60)),
      progress,
    );
    const again = readHistoryEvent(
      checked({ signals: [ana], verdict: verdict('new 0/10 failed · old 0/90 · p=1.00 → healthy') }, at(120)),
      progress,
    );
    const changed = readHistoryEvent(
      checked(
        { signals: [ana], verdict: verdict('new 1/20 failed · old 0/180 · p=0.10 → healthy') },
        at(180),
      ),
      progress,
    );

    expect(first.map(formatEvent)).toEqual([
      `${at(60).slice(11, 19)}  pause        by arn:aws:iam::123456789012:user/ana: launch`,
      `${at(60).slice(11, 19)}  analysis     new 0/10 failed · old 0/90 · p=1.00 → healthy`,
    ]);
    expect(again).toEqual([]);
    expect(changed.map((event) => event.type)).toEqual(['verdict']);
  });
});
