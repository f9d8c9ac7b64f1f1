import {
  CloudWatchClient,
  CloudWatchServiceException,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  InvalidNextToken,
  InvalidParameterValueException,
  MissingRequiredParameterException,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
  ValidationException,
  paginateDescribeAlarmHistory,
} from '@aws-sdk/client-cloudwatch';
import { CloudWatchService } from '../../local/cloudwatch';
import { LocalServer } from '../../local/wire/server';
import { VirtualClock } from '../../local/clock/virtual-clock';

/** The real `@aws-sdk/client-cloudwatch` (AWS JSON 1.0, query-compatible errors) against the local server. */
const T0 = Date.UTC(2026, 10, 22, 10, 0, 30);
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

let clock: VirtualClock;
let server: LocalServer;
let service: CloudWatchService;
let cw: CloudWatchClient;

beforeEach(async () => {
  clock = new VirtualClock({ startMs: T0, speed: 0 });
  server = new LocalServer({ clock });
  service = new CloudWatchService({ clock, region: 'us-east-1', accountId: '123456789012' });
  server.register(service);
  const endpoint = await server.listen();
  cw = new CloudWatchClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
});

afterEach(async () => {
  cw.destroy();
  service.close();
  await server.close();
  clock.stop();
});

const alarm = (name: string) =>
  new PutMetricAlarmCommand({
    AlarmName: name,
    Namespace: 'App',
    MetricName: 'Errors',
    Dimensions: [{ Name: 'Service', Value: 'orders' }],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
  });

async function rejection(promise: Promise<unknown>): Promise<CloudWatchServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CloudWatchServiceException);
  return error as CloudWatchServiceException;
}

describe('CloudWatch through @aws-sdk/client-cloudwatch', () => {
  it('describes metric and composite alarms with timestamps parsed as Dates', async () => {
    await cw.send(alarm('orders-errors'));
    await cw.send(
      new PutCompositeAlarmCommand({ AlarmName: 'orders-health', AlarmRule: 'ALARM("orders-errors")' }),
    );

    const metricOnly = await cw.send(
      new DescribeAlarmsCommand({ AlarmNames: ['orders-errors', 'orders-health'] }),
    );
    expect(metricOnly.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['orders-errors']);
    expect(metricOnly.CompositeAlarms).toEqual([]);

    const both = await cw.send(
      new DescribeAlarmsCommand({
        AlarmNames: ['orders-errors', 'orders-health'],
        AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
      }),
    );
    const [metric] = both.MetricAlarms ?? [];
    expect(metric?.StateUpdatedTimestamp).toEqual(new Date(T0));
    expect(metric?.Dimensions).toEqual([{ Name: 'Service', Value: 'orders' }]);
    expect(both.CompositeAlarms?.[0]).toMatchObject({
      AlarmRule: 'ALARM("orders-errors")',
      StateValue: 'OK',
    });
    expect(both.CompositeAlarms?.[0]?.StateTransitionedTimestamp).toBeInstanceOf(Date);
  });

  it('takes PutMetricData with SDK Dates and evaluates the alarm on the virtual clock', async () => {
    await cw.send(alarm('orders-errors'));
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'App',
        MetricData: [
          {
            MetricName: 'Errors',
            Dimensions: [{ Name: 'Service', Value: 'orders' }],
            Value: 3,
            Timestamp: new Date(T0 + 5_000),
          },
        ],
      }),
    );
    await clock.advanceTo(Date.UTC(2026, 10, 22, 10, 1, 0));
    const { MetricAlarms } = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(MetricAlarms?.map((a) => a.AlarmName)).toEqual(['orders-errors']);

    const data = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.UTC(2026, 10, 22, 10, 0, 0)),
        EndTime: new Date(Date.UTC(2026, 10, 22, 10, 1, 0)),
        MetricDataQueries: [
          {
            Id: 'errors',
            MetricStat: {
              Metric: {
                Namespace: 'App',
                MetricName: 'Errors',
                Dimensions: [{ Name: 'Service', Value: 'orders' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(data.MetricDataResults?.[0]).toMatchObject({
      Values: [3],
      Timestamps: [new Date(Date.UTC(2026, 10, 22, 10, 0, 0))],
    });
  });

  it('parses DescribeAlarmHistory, paginated by the SDK paginator', async () => {
    await cw.send(alarm('orders-errors'));
    for (const state of ['ALARM', 'OK', 'ALARM'] as const) {
      await clock.advance(1_000);
      await cw.send(
        new SetAlarmStateCommand({ AlarmName: 'orders-errors', StateValue: state, StateReason: 'test' }),
      );
    }
    const items = [];
    for await (const page of paginateDescribeAlarmHistory(
      { client: cw, pageSize: 2 },
      { AlarmName: 'orders-errors', HistoryItemType: 'StateUpdate', StartDate: new Date(T0) },
    )) {
      items.push(...(page.AlarmHistoryItems ?? []));
    }
    expect(items.map((i) => i.HistorySummary)).toEqual([
      'Alarm updated from OK to ALARM',
      'Alarm updated from ALARM to OK',
      'Alarm updated from INSUFFICIENT_DATA to ALARM',
    ]);
    expect(items[0]?.Timestamp).toEqual(new Date(T0 + 3_000));
    expect(JSON.parse(items[0]?.HistoryData ?? '{}')).toMatchObject({ newState: { stateValue: 'ALARM' } });

    const first = await cw.send(new DescribeAlarmHistoryCommand({ MaxRecords: 1 }));
    expect(first.NextToken).toEqual(expect.any(String));
  });

  it('raises ResourceNotFound as its modeled class', async () => {
    const error = await rejection(
      cw.send(new SetAlarmStateCommand({ AlarmName: 'ghost', StateValue: 'ALARM', StateReason: 'test' })),
    );
    expect(error).toBeInstanceOf(ResourceNotFound);
    expect(error.name).toBe('ResourceNotFound');
    expect(error.$metadata.httpStatusCode).toBe(404);
    // AWS sends this one without a message; the SDK then falls back to a generic one.
    expect(error.message).not.toContain('ghost');
  });

  // The 3.1162 model declares ValidationException with the query code ValidationError: the SDK finds the
  // class from the `x-amzn-query-error` code and keeps the code in `Code`.
  it('raises ValidationError as ValidationException, with the query code in Code', async () => {
    await cw.send(alarm('orders-errors'));
    const error = await rejection(
      cw.send(new PutCompositeAlarmCommand({ AlarmName: 'bad', AlarmRule: 'ALARM(orders-errors) AND' })),
    );
    expect(error).toBeInstanceOf(ValidationException);
    expect(error.name).toBe('ValidationException');
    expect(error).toMatchObject({ Code: 'ValidationError', Type: 'Sender' });
    expect(error.message).toMatch(/The AlarmRule is not valid/);
    expect(error.$metadata.httpStatusCode).toBe(400);

    const referenced = await rejection(
      cw.send(new PutCompositeAlarmCommand({ AlarmName: 'bad', AlarmRule: 'ALARM(ghost)' })),
    );
    expect(referenced).toMatchObject({ name: 'ValidationException', Code: 'ValidationError' });
  });

  it('raises the other query codes as their modeled classes', async () => {
    const missing = await rejection(cw.send(new PutMetricAlarmCommand({ AlarmName: 'x', Namespace: 'App' })));
    expect(missing).toBeInstanceOf(MissingRequiredParameterException);
    expect(missing).toMatchObject({ Code: 'MissingParameter' });
    const reserved = await rejection(
      cw.send(
        new PutMetricDataCommand({ Namespace: 'AWS/States', MetricData: [{ MetricName: 'm', Value: 1 }] }),
      ),
    );
    expect(reserved).toBeInstanceOf(InvalidParameterValueException);
    const token = await rejection(cw.send(new DescribeAlarmsCommand({ NextToken: 'nope' })));
    expect(token).toBeInstanceOf(InvalidNextToken);
  });

  it('deletes alarms and keeps their history', async () => {
    await cw.send(alarm('orders-errors'));
    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['orders-errors', 'never-existed'] }));
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
    const { AlarmHistoryItems } = await cw.send(
      new DescribeAlarmHistoryCommand({ AlarmName: 'orders-errors' }),
    );
    expect(AlarmHistoryItems?.map((i) => i.HistorySummary)).toEqual([
      'Alarm "orders-errors" deleted',
      'Alarm "orders-errors" created',
    ]);
  });
});
