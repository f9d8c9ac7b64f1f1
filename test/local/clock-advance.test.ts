/**
 * `POST /_local/clock/advance`: under --fast-forward the clock stands still while
 * nothing runs, so a walkthrough moves it on as time would pass on AWS, and the
 * alarm evaluations it passes happen on the way.
 */
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { START, startCloud, type Fixture } from './cloud-fixture';

describe('moving the local clock on', () => {
  let f: Fixture;
  let cloudWatch: CloudWatchClient;

  beforeEach(async () => {
    // A clock that moves only when asked: what the alarm shows is the advance's doing.
    f = await startCloud({ fastForward: false, speed: 0 });
    cloudWatch = new CloudWatchClient({
      endpoint: f.cloud.endpoint,
      region: f.cloud.region,
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    });
  });

  afterEach(async () => {
    cloudWatch.destroy();
    await f.stop();
  });

  const advance = async (body: unknown) => {
    const response = await fetch(`${f.cloud.endpoint}/_local/clock/advance`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('moves the clock on by the seconds asked', async () => {
    const before = f.cloud.clock.now();

    const { status, body } = await advance({ seconds: 300 });

    expect(status).toBe(200);
    expect(f.cloud.clock.now()).toBe(before + 300_000);
    expect(body).toEqual({ now: new Date(before + 300_000).toISOString() });
  });

  it('evaluates the alarms it passes on the way', async () => {
    // Arrange: an alarm with no data, INSUFFICIENT_DATA until its first evaluation.
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'idle',
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );

    // Act
    const { status } = await advance({ seconds: 300 });

    // Assert
    expect(status).toBe(200);
    const alarm = (await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: ['idle'] })))
      .MetricAlarms![0]!;
    expect(alarm.StateValue).toBe('OK');
    expect(alarm.StateUpdatedTimestamp!.getTime()).toBeGreaterThan(START);
  });

  it.each([[{}], [{ seconds: 0 }], [{ seconds: 1.5 }], [{ seconds: '300' }]])(
    'fails with 400 naming what it expects when the body is %j',
    async (body) => {
      const before = f.cloud.clock.now();

      const { status, body: answer } = await advance(body);

      expect(status).toBe(400);
      expect(answer.message).toMatch(/^seconds must be a whole number from 1 to 31622400, got: /);
      expect(f.cloud.clock.now()).toBe(before);
    },
  );
});
