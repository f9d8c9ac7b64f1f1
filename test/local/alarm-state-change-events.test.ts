/**
 * CloudWatch puts a `CloudWatch Alarm State Change` event on the default bus
 * each time an alarm changes state, metric or composite, in the shape AWS
 * documents: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
 * The drop switch loses them on demand.
 */
import {
  CloudWatchClient,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import type { BusEvent } from '../../local/eventbridge';
import { ALARM_STATE_CHANGE } from '../../local/events/alarm-state-change';
import { type Fixture, startCloud } from './cloud-fixture';

describe('alarm state change events', () => {
  let f: Fixture;
  let cloudWatch: CloudWatchClient;
  beforeEach(async () => {
    f = await startCloud();
    cloudWatch = new CloudWatchClient({
      endpoint: f.cloud.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    });
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'orders-errors',
        AlarmDescription: 'failed orders',
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [
          { Name: 'StateMachineArn', Value: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders' },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    );
  });
  afterEach(async () => {
    cloudWatch.destroy();
    await f.stop();
  });

  const alarmEvents = () =>
    f.cloud.events.events.filter((event) => event['detail-type'] === ALARM_STATE_CHANGE) as (BusEvent & {
      detail: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    })[];

  it('puts an event when the state changes, naming the alarm, its new and previous state and its metric', async () => {
    await cloudWatch.send(
      new SetAlarmStateCommand({ AlarmName: 'orders-errors', StateValue: 'ALARM', StateReason: 'testing' }),
    );

    const [event, ...rest] = alarmEvents().filter((e) => e.detail.state.reason === 'testing');
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.cloudwatch',
      account: '123456789012',
      region: 'us-east-1',
      resources: ['arn:aws:cloudwatch:us-east-1:123456789012:alarm:orders-errors'],
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      detail: {
        alarmName: 'orders-errors',
        state: { value: 'ALARM', reason: 'testing', timestamp: expect.stringMatching(/\+0000$/) },
        previousState: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation' },
        configuration: {
          description: 'failed orders',
          metrics: [
            {
              metricStat: {
                metric: {
                  namespace: 'AWS/States',
                  name: 'ExecutionsFailed',
                  dimensions: {
                    StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders',
                  },
                },
                period: 60,
                stat: 'Sum',
              },
              returnData: true,
            },
          ],
        },
      },
    });
  });

  it('puts events for composite alarms too, with their rule', async () => {
    await cloudWatch.send(
      new PutCompositeAlarmCommand({ AlarmName: 'orders-any', AlarmRule: 'ALARM("orders-errors")' }),
    );

    await cloudWatch.send(
      new SetAlarmStateCommand({ AlarmName: 'orders-errors', StateValue: 'ALARM', StateReason: 'testing' }),
    );

    const composite = alarmEvents().filter(
      (e) => e.detail.alarmName === 'orders-any' && e.detail.state.value === 'ALARM',
    );
    expect(composite).toHaveLength(1);
    expect(composite[0]!.detail.configuration).toEqual({ alarmRule: 'ALARM("orders-errors")' });
  });

  it('loses them when the drop switch says so', async () => {
    f.cloud.drops.add({ detailType: ALARM_STATE_CHANGE, count: 1 });

    await cloudWatch.send(
      new SetAlarmStateCommand({ AlarmName: 'orders-errors', StateValue: 'ALARM', StateReason: 'lost' }),
    );

    expect(alarmEvents().filter((e) => e.detail.state.value === 'ALARM')).toEqual([]);
    expect(f.cloud.drops.dropped).toMatchObject([{ detailType: ALARM_STATE_CHANGE }]);
  });
});
