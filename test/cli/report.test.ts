import {
  CloudWatchClient,
  DescribeAlarmHistoryCommand,
  type DescribeAlarmHistoryCommandInput,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { run } from './harness';
import { at, EXECUTION_ARN, promotion, rollback, T0, TARGET_ARN } from './scripted-execution';

const sfn = mockClient(SFNClient);
const cloudWatch = mockClient(CloudWatchClient);

/** A `StateUpdate` item of DescribeAlarmHistory, its `HistoryData` as in the AWS CLI's example. */
const stateUpdate = (seconds: number, from: string, to: string) => ({
  AlarmName: 'orders-failures',
  AlarmType: 'MetricAlarm' as const,
  Timestamp: new Date(T0 + seconds * 1000),
  HistoryItemType: 'StateUpdate' as const,
  HistorySummary: `Alarm updated from ${from} to ${to}`,
  HistoryData: JSON.stringify({
    version: '1.0',
    oldState: { stateValue: from, stateReason: 'before' },
    newState: { stateValue: to, stateReason: 'after' },
  }),
});

/** The `data-` attributes of every element of `cssClass` in the page, in order. */
function elements(html: string, cssClass: string): Record<string, string>[] {
  const tags = html.match(new RegExp(`<[a-z]+ class="${cssClass}"[^>]*>`, 'g')) ?? [];
  return tags.map((tag) =>
    Object.fromEntries([...tag.matchAll(/data-([a-z]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])),
  );
}

beforeEach(() => {
  sfn.reset();
  cloudWatch.reset();
  cloudWatch.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] });
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
});

describe('sfn-deploy report', () => {
  it('writes one page with a point per shift, the executions of both versions and the outcome', async () => {
    // Arrange
    promotion().revealAll().install(sfn);
    sfn.on(ListExecutionsCommand, { stateMachineArn: `${TARGET_ARN}:3` }).resolves({
      executions: [
        {
          executionArn: 'e2',
          stateMachineArn: TARGET_ARN,
          name: 'e2',
          status: 'FAILED',
          startDate: new Date(T0 + 70_000),
          stopDate: new Date(T0 + 71_000),
        },
        {
          executionArn: 'e1',
          stateMachineArn: TARGET_ARN,
          name: 'e1',
          status: 'SUCCEEDED',
          startDate: new Date(T0 + 10_000),
          stopDate: new Date(T0 + 12_000),
        },
      ],
    });

    // Act
    const { code, stdout, written } = await run(['report', EXECUTION_ARN, '--html', 'out/report.html']);

    // Assert
    expect(code).toBe(0);
    expect(stdout.text).toBe('Wrote out/report.html: orders:live: orders:2 → orders:3, PROMOTED\n');
    const html = written['out/report.html']!;
    expect(elements(html, 'shift')).toEqual([
      { at: at(1), weight: '10' },
      { at: at(301), weight: '100' },
    ]);
    expect(elements(html, 'marker outcome')).toEqual([{ at: at(303) }]);
    const newVersion = elements(html, 'executions').filter((bar) => bar.version === 'orders:3');
    expect(newVersion.filter((bar) => bar.succeeded !== '0' || bar.failed !== '0')).toEqual([
      { version: 'orders:3', from: at(0), succeeded: '1', failed: '0' },
      { version: 'orders:3', from: at(60), succeeded: '0', failed: '1' },
    ]);
    expect(html).toContain('<tr><th>orders:3 (new) during it</th><td>1 succeeded, 1 failed</td></tr>');
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: `${TARGET_ARN}:2` });
    expect(sfn).toHaveReceivedCommandWith(ListExecutionsCommand, { stateMachineArn: `${TARGET_ARN}:3` });
  });

  it('marks the rollback where it happened and draws the alarm in ALARM from its history', async () => {
    // Arrange
    rollback().revealAll().install(sfn);
    cloudWatch.on(DescribeAlarmHistoryCommand).resolves({
      AlarmHistoryItems: [stateUpdate(-3600, 'INSUFFICIENT_DATA', 'OK'), stateUpdate(60, 'OK', 'ALARM')],
    });

    // Act
    const { code, written } = await run(['report', EXECUTION_ARN, '--html', 'report.html']);

    // Assert
    expect(code).toBe(0);
    const html = written['report.html']!;
    expect(elements(html, 'shift')).toEqual([{ at: at(1), weight: '10' }]);
    expect(elements(html, 'marker rollback')).toEqual([{ at: at(62) }]);
    expect(elements(html, 'marker alarms-fired')).toEqual([{ at: at(61) }]);
    // The margin before the deployment is a minute: the alarm was OK then, since an hour before.
    expect(elements(html, 'alarm-band')).toEqual([
      { alarm: 'orders-failures', state: 'OK', from: at(-60), to: at(60) },
      { alarm: 'orders-failures', state: 'ALARM', from: at(60), to: at(62) },
    ]);
    expect(html).toContain('DeploymentRolledBack');
    expect(cloudWatch).toHaveReceivedCommandWith(DescribeAlarmHistoryCommand, {
      AlarmName: 'orders-failures',
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      HistoryItemType: 'StateUpdate',
      ScanBy: 'TimestampAscending',
    });
    const request = cloudWatch.commandCalls(DescribeAlarmHistoryCommand)[0]!.args[0]
      .input as DescribeAlarmHistoryCommandInput;
    // Nothing after the chart's end is asked for: the execution ended 62 s in, read then.
    expect(request.EndDate?.toISOString()).toBe(at(62));
  });

  it('follows the deployment into the execution it continued in', async () => {
    // Arrange: the first execution's history ends by starting a child; the child's holds the shifts.
    const CHILD = `${EXECUTION_ARN}-2`;
    promotion().revealAll().install(sfn);
    sfn.on(GetExecutionHistoryCommand, { executionArn: EXECUTION_ARN }).resolves({
      events: [
        {
          id: 2,
          type: 'TaskSubmitted',
          timestamp: new Date(T0 + 100_000),
          taskSubmittedEventDetails: {
            resource: 'startExecution.sync:2',
            resourceType: 'states',
            output: JSON.stringify({ ExecutionArn: CHILD }),
          },
        },
        {
          id: 1,
          type: 'ExecutionStarted',
          timestamp: new Date(T0),
          executionStartedEventDetails: {
            input: JSON.stringify({ stateMachine: 'orders', alias: 'live', strategy: 'canary' }),
          },
        },
      ],
    });

    // Act
    const { code, written } = await run(['report', EXECUTION_ARN, '--html', 'r.html']);

    // Assert
    expect(code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: CHILD });
    expect(elements(written['r.html']!, 'shift').map((shift) => shift.weight)).toEqual(['10', '100']);
    // The child's own start is not the deployment's.
    expect(elements(written['r.html']!, 'marker started')).toEqual([{ at: at(0) }]);
  });

  it('fails with exit 2 when given an alias ARN, calling nothing', async () => {
    const { code, stderr, written } = await run(['report', `${TARGET_ARN}:live`, '--html', 'report.html']);

    expect(code).toBe(2);
    expect(stderr.text).toBe(
      `error: report needs a deployer execution ARN (arn:aws:states:<region>:<account>:execution:<deployer>:<name>, as printed by start), got: "${TARGET_ARN}:live"\n`,
    );
    expect(sfn.calls()).toHaveLength(0);
    expect(written).toEqual({});
  });

  it('fails with exit 2 when --html is missing', async () => {
    const { code, stderr } = await run(['report', EXECUTION_ARN]);

    expect(code).toBe(2);
    expect(stderr.text).toBe('error: report needs --html <file>: where to write the page\n');
    expect(sfn.calls()).toHaveLength(0);
  });

  it('fails with exit 2 when --html is followed by a flag instead of a file', async () => {
    const { code, stderr } = await run(['report', EXECUTION_ARN, '--html', '--region', 'us-east-1']);

    expect(code).toBe(2);
    expect(stderr.text).toContain("option '--html <file>' argument '--region' is invalid");
  });

  it('fails with exit 2 naming the execution when it does not exist', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));

    const { code, stderr, written } = await run(['report', EXECUTION_ARN, '--html', 'report.html']);

    expect(code).toBe(2);
    expect(stderr.text).toBe(
      `error: No execution ${EXECUTION_ARN} (ExecutionDoesNotExist): check the ARN, and the region and endpoint it is in\n`,
    );
    expect(written).toEqual({});
  });

  it('fails with exit 2 when the execution is not a deployment', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION_ARN, status: 'SUCCEEDED' });
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 1,
          type: 'ExecutionStarted',
          timestamp: new Date(T0),
          executionStartedEventDetails: { input: '{"orderId":"42"}' },
        },
      ],
    });

    const { code, stderr } = await run(['report', EXECUTION_ARN, '--html', 'report.html']);

    expect(code).toBe(2);
    expect(stderr.text).toBe(
      `error: ${EXECUTION_ARN} is not a deployment: its input names no alias to deploy (expected an execution of the deployer, as printed by sfn-deploy start)\n`,
    );
  });
});
