import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { CloudWatchService } from '../../local/cloudwatch';
import { LocalServer } from '../../local/wire/server';
import { VirtualClock } from '../../local/clock/virtual-clock';
import { LocalCloud } from '../../local';

/**
 * The AWS CLI (v1, botocore ≥ 1.42) against the local CloudWatch. botocore picks the first protocol it
 * supports from the model's `protocols` list (`smithy-rpc-v2-cbor`, `json`, `query`) in its own order of
 * preference, which puts `json` first: the CLI speaks AWS JSON 1.0 with `X-Amz-Target`, and reads error
 * codes from `x-amzn-query-error`. The `--debug` test below proves it from the CLI's own request log.
 */
const run = promisify(execFile);
const T0 = Date.UTC(2026, 10, 22, 10, 0, 30);

let clock: VirtualClock;
let server: LocalServer;
let service: CloudWatchService;
let endpoint: string;

beforeAll(() => {
  const probe = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `The AWS CLI is required for this test but 'aws --version' failed: ${probe.error?.message ?? probe.stderr}`,
    );
  }
});

beforeEach(async () => {
  clock = new VirtualClock({ startMs: T0, speed: 0 });
  server = new LocalServer({ clock });
  service = new CloudWatchService({ clock, region: 'us-east-1', accountId: '123456789012' });
  server.register(service);
  endpoint = await server.listen();
});

afterEach(async () => {
  service.close();
  await server.close();
  clock.stop();
});

/** Runs `aws cloudwatch …` with dummy credentials and no user configuration. */
async function aws(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '/tmp',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  try {
    const { stdout, stderr } = await run(
      'aws',
      ['--endpoint-url', endpoint, '--output', 'json', 'cloudwatch', ...args],
      {
        env,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

const putAlarm = () =>
  aws(
    'put-metric-alarm',
    '--alarm-name', 'orders-failures',
    '--namespace', 'AWS/States',
    '--metric-name', 'ExecutionsFailed',
    '--dimensions', 'Name=StateMachineArn,Value=arn:aws:states:us-east-1:123456789012:stateMachine:orders', 'Name=Alias,Value=live',
    '--statistic', 'Sum',
    '--period', '60',
    '--evaluation-periods', '1',
    '--threshold', '1',
    '--comparison-operator', 'GreaterThanOrEqualToThreshold',
    '--treat-missing-data', 'notBreaching',
  ); // prettier-ignore

describe('CloudWatch through the AWS CLI', () => {
  it('speaks AWS JSON 1.0 and describes the alarm it created', async () => {
    expect(await putAlarm()).toMatchObject({ code: 0 });
    const out = await aws('describe-alarms', '--alarm-names', 'orders-failures', '--debug');
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/'X-Amz-Target': b?'GraniteServiceVersion20100801\.DescribeAlarms'/);
    expect(out.stderr).toMatch(/'Content-Type': b?'application\/x-amz-json-1\.0'/);
    expect(server.calls.count('GraniteServiceVersion20100801.DescribeAlarms')).toBe(1);

    const { MetricAlarms, CompositeAlarms } = JSON.parse(out.stdout);
    expect(CompositeAlarms).toEqual([]);
    expect(MetricAlarms).toHaveLength(1);
    expect(MetricAlarms[0]).toMatchObject({
      AlarmName: 'orders-failures',
      StateValue: 'INSUFFICIENT_DATA',
      StateReason: 'Unchecked: Initial alarm creation',
      Dimensions: [
        { Name: 'StateMachineArn', Value: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders' },
        { Name: 'Alias', Value: 'live' },
      ],
      Threshold: 1.0,
    });
    // CLI v1 prints timestamps as the protocol carried them (cli_timestamp_format defaults to `none`):
    // epoch seconds with the JSON protocol, as it would against AWS.
    expect(MetricAlarms[0].StateUpdatedTimestamp).toBe(T0 / 1000);
  });

  it('sets the alarm state and reads it back from the alarm history', async () => {
    await putAlarm();
    await clock.advance(5_000);
    const set = await aws(
      'set-alarm-state',
      '--alarm-name', 'orders-failures',
      '--state-value', 'ALARM',
      '--state-reason', 'testing from the CLI',
    ); // prettier-ignore
    expect(set.code).toBe(0);
    const out = await aws(
      'describe-alarm-history',
      '--alarm-name',
      'orders-failures',
      '--history-item-type',
      'StateUpdate',
    );
    expect(out.code).toBe(0);
    const [item, ...rest] = JSON.parse(out.stdout).AlarmHistoryItems;
    expect(rest).toEqual([]);
    expect(item).toMatchObject({
      AlarmName: 'orders-failures',
      HistorySummary: 'Alarm updated from INSUFFICIENT_DATA to ALARM',
    });
    expect(item.Timestamp).toBe((T0 + 5_000) / 1000);
    expect(JSON.parse(item.HistoryData).newState).toEqual({
      stateValue: 'ALARM',
      stateReason: 'testing from the CLI',
    });
  });

  it('reports AWS error codes: ResourceNotFound and ValidationError', async () => {
    const missing = await aws(
      'set-alarm-state',
      '--alarm-name',
      'ghost',
      '--state-value',
      'OK',
      '--state-reason',
      'x',
    );
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(
      /An error occurred \(ResourceNotFound\) when calling the SetAlarmState operation/,
    );

    const bad = await aws('put-composite-alarm', '--alarm-name', 'c', '--alarm-rule', 'ALARM(ghost)');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(
      /An error occurred \(ValidationError\) when calling the PutCompositeAlarm operation: Could not save the composite alarm as alarms \[ghost\]/,
    );
  });
});

/**
 * `npm run local -- --fast-forward` with no execution running: the README's CLI walkthrough. On AWS an
 * alarm evaluates each period whether or not anything else happens; here time jumps to the next
 * evaluation a client's write can matter to, so the CLI sees what AWS would show within a period.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation
 */
describe('CloudWatch through the AWS CLI on a fast-forwarding local cloud with nothing running', () => {
  let cloud: LocalCloud;

  beforeEach(async () => {
    cloud = await LocalCloud.start({ fastForward: true, startMs: T0 });
    endpoint = cloud.endpoint;
  });

  afterEach(() => cloud.stop());

  /** `22/11/26 10:01:00`, as alarm reasons write a datapoint's time. */
  const reasonDate = (ms: number) => {
    const iso = new Date(ms).toISOString();
    return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(2, 4)} ${iso.slice(11, 19)}`;
  };
  const stateOf = async (name: string) =>
    JSON.parse((await aws('describe-alarms', '--alarm-names', name)).stdout).MetricAlarms[0] as {
      StateValue: string;
      StateReason: string;
    };

  it('moves an alarm fed breaching data to ALARM by the next call', async () => {
    await aws(
      'put-metric-alarm',
      '--alarm-name',
      'latency',
      '--namespace',
      'Orders',
      '--metric-name',
      'Latency',
      '--statistic',
      'Maximum',
      '--period',
      '60',
      '--evaluation-periods',
      '1',
      '--threshold',
      '90',
      '--comparison-operator',
      'GreaterThanThreshold',
      '--treat-missing-data',
      'notBreaching',
    );
    const before = cloud.clock.now();

    await aws('put-metric-data', '--namespace', 'Orders', '--metric-name', 'Latency', '--value', '99');

    const alarm = await stateOf('latency');
    expect(alarm.StateValue).toBe('ALARM');
    // The datapoint is stamped in the minute it was sent; the alarm is evaluated at that minute's end,
    // and time stops there rather than racing on.
    const minute = Math.floor(before / 60_000) * 60_000;
    expect(alarm.StateReason).toContain(
      `[99.0 (${reasonDate(minute)})] was greater than the threshold (90.0)`,
    );
    expect(cloud.clock.now()).toBe(minute + 60_000);
  });

  it('resets a state set by hand at the next evaluation', async () => {
    await aws(
      'put-metric-alarm',
      '--alarm-name',
      'quiet',
      '--namespace',
      'Orders',
      '--metric-name',
      'Errors',
      '--statistic',
      'Sum',
      '--period',
      '60',
      '--evaluation-periods',
      '1',
      '--threshold',
      '1',
      '--comparison-operator',
      'GreaterThanOrEqualToThreshold',
      '--treat-missing-data',
      'notBreaching',
    );
    expect((await stateOf('quiet')).StateValue).toBe('OK');

    await aws(
      'set-alarm-state',
      '--alarm-name',
      'quiet',
      '--state-value',
      'ALARM',
      '--state-reason',
      'drill',
    );

    expect((await stateOf('quiet')).StateValue).toBe('OK');
    const history = JSON.parse(
      (await aws('describe-alarm-history', '--alarm-name', 'quiet', '--history-item-type', 'StateUpdate'))
        .stdout,
    ).AlarmHistoryItems as { HistorySummary: string }[];
    expect(history.map((item) => item.HistorySummary)).toEqual(
      expect.arrayContaining(['Alarm updated from OK to ALARM', 'Alarm updated from ALARM to OK']),
    );
  });
});
