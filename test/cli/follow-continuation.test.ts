import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandInput,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeployEvent } from '../../cli/events';
import { continuation, follow } from '../../cli/follow';
import { at, EXECUTION_ARN, loopState, PROMOTED, REQUEST, T0 } from './scripted-execution';

const sfn = mockClient(SFNClient);
const cloudWatch = mockClient(CloudWatchClient);
const CHILD_ARN = `${EXECUTION_ARN}-continued`;

const event = (
  id: number,
  seconds: number,
  fields: Omit<Partial<HistoryEvent>, 'id' | 'timestamp'>,
): HistoryEvent =>
  ({ ...fields, id, previousEventId: id - 1, timestamp: new Date(T0 + seconds * 1000) }) as HistoryEvent;
const submitted = (id: number, childArn: string) =>
  event(id, 1000, {
    type: 'TaskSubmitted',
    taskSubmittedEventDetails: {
      resourceType: 'states',
      resource: 'startExecution.sync:2',
      output: JSON.stringify({ ExecutionArn: childArn, StartDate: at(1000) }),
    },
  });
const exitedShift = (id: number, seconds: number, weight: number, stepIndex: number) =>
  event(id, seconds, {
    type: 'TaskStateExited',
    stateExitedEventDetails: {
      name: 'Shift weight',
      output: loopState({
        next: 'POLL',
        stepIndex,
        stepEndsAt: at(seconds + 300),
        timeline: [{ at: at(seconds), weight }],
      }),
    },
  });

beforeEach(() => {
  sfn.reset();
  cloudWatch.reset();
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
});

describe('following a deployment that continues in a new execution', () => {
  it('reads the child execution named by the continuation task', () => {
    expect(continuation(submitted(5, CHILD_ARN))).toBe(CHILD_ARN);
    expect(continuation(exitedShift(5, 1, 10, 0))).toBeUndefined();
  });

  it("shows the child's shifts and ends with the started execution's outcome", async () => {
    // Arrange: the started execution shifts to 10%, then continues; the child shifts to 100%.
    const histories: Record<string, HistoryEvent[]> = {
      [EXECUTION_ARN]: [
        event(1, 0, {
          type: 'ExecutionStarted',
          executionStartedEventDetails: { input: JSON.stringify(REQUEST) },
        }),
        exitedShift(2, 1, 10, 0),
        submitted(3, CHILD_ARN),
      ],
      [CHILD_ARN]: [exitedShift(1, 301, 100, 1)],
    };
    sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) => ({
      events: input.reverseOrder
        ? [...histories[input.executionArn!]!].reverse()
        : histories[input.executionArn!],
    }));
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ executionArn: EXECUTION_ARN, status: 'RUNNING' })
      .resolves({
        executionArn: EXECUTION_ARN,
        status: 'SUCCEEDED',
        stopDate: new Date(T0 + 400_000),
        output: JSON.stringify(PROMOTED),
      });
    const seen: DeployEvent[] = [];

    // Act
    const final = await follow(
      EXECUTION_ARN,
      {
        sfn: new SFNClient({}),
        cloudWatch: new CloudWatchClient({}),
        sleep: async () => {},
        now: () => new Date(T0),
        refreshSeconds: 1,
      },
      { event: (deployEvent) => seen.push(deployEvent), tick: () => {} },
    );

    // Assert
    expect(
      seen
        .filter((deployEvent) => deployEvent.type === 'shifted')
        .map((deployEvent) => (deployEvent as { weight: number }).weight),
    ).toEqual([10, 100]);
    expect(final.type).toBe('succeeded');
    expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, { executionArn: CHILD_ARN });
    expect(sfn).not.toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: CHILD_ARN });
  });
});
