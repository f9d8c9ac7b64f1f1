/**
 * Option values that look like flags: commander takes the word after an
 * option as its value whatever it is, so an empty list (`--alarms $ALARMS`
 * with the variable unset) would swallow the flag after it.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeStateMachineCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { flagValueProblem } from '../../cli/program';
import { DEPLOYER_ARN, NOW, run, targetExists } from './harness';
import { EXECUTION_ARN } from './scripted-execution';

const sfn = mockClient(SFNClient);
const cloudWatch = mockClient(CloudWatchClient);
const cloudFormation = mockClient(CloudFormationClient);

beforeEach(() => {
  sfn.reset();
  cloudWatch.reset();
  cloudFormation.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: NOW });
  targetExists(sfn);
  sfn.on(DescribeStateMachineCommand).resolves({ stateMachineArn: 'arn', name: 'orders' });
  cloudWatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: ['a', 'MaxCPU', 'API Error Breach'].map((AlarmName) => ({ AlarmName, StateValue: 'OK' })),
  });
});

const TARGET = ['start', '--state-machine', 'orders', '--alias', 'live', '--deployer', DEPLOYER_ARN];
const ENDPOINT = ['--endpoint-url', 'http://127.0.0.1:4566'];

describe('option values that look like flags', () => {
  it('fails when --alarms is left empty before --endpoint-url, naming the option, and starts nothing', async () => {
    const { code, stderr, clientOptions } = await run([...TARGET, '--alarms', ...ENDPOINT]);

    expect(code).toBe(2);
    expect(stderr.text).toContain(
      "error: option '--alarms <names...>' argument '--endpoint-url' is invalid. It looks like a flag",
    );
    expect(clientOptions).toEqual([]);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('fails when --alarms is left empty before --increment, rather than watching alarms "--increment" and "20"', async () => {
    const { code, stderr } = await run([...TARGET, '--alarms', '--increment', '20']);

    expect(code).toBe(2);
    expect(stderr.text).toContain("option '--alarms <names...>' argument '--increment' is invalid");
    expect(sfn.calls()).toHaveLength(0);
  });

  it.each([[['--alarms', '']], [['--alarms=']], [['--alarms']]])(
    'fails on an empty alarm list %j',
    async (alarms) => {
      const { code, stderr } = await run([...TARGET, ...alarms]);

      expect(code).toBe(2);
      expect(stderr.text).toMatch(
        /option '--alarms <names\.\.\.>' argument (missing|'' is invalid\. It is empty)/,
      );
      expect(sfn.calls()).toHaveLength(0);
    },
  );

  it.each([
    '--state-machine',
    '--alias',
    '--strategy',
    '--increment',
    '--deployer',
    '--region',
    '--profile',
    '--refresh',
  ])('fails when %s is followed by a flag instead of its value', async (flag) => {
    const { code, stderr } = await run([...TARGET, flag, ...ENDPOINT]);

    expect(code).toBe(2);
    expect(stderr.text).toContain(`argument '--endpoint-url' is invalid. It looks like a flag`);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('keeps the endpoint whatever order the flags come in', async () => {
    const orders = [
      [...TARGET, '--alarms', 'a', ...ENDPOINT],
      [...TARGET, ...ENDPOINT, '--alarms', 'a'],
      [
        'start',
        ...ENDPOINT,
        '--alarms',
        'a',
        '--state-machine',
        'orders',
        '--alias',
        'live',
        '--deployer',
        DEPLOYER_ARN,
      ],
      [...TARGET, '--alarms', 'a', '--endpoint-url=http://127.0.0.1:4566'],
    ];

    for (const args of orders) {
      const { code, clientOptions } = await run(args);

      expect(code).toBe(0);
      expect(clientOptions).toEqual([expect.objectContaining({ endpointUrl: 'http://127.0.0.1:4566' })]);
      const input = JSON.parse(sfn.commandCalls(StartExecutionCommand).at(-1)!.args[0].input.input!) as {
        alarms: string[];
      };
      expect(input.alarms).toEqual(['a']);
    }
  });

  it('takes several alarm names, up to the next flag', async () => {
    await run([...TARGET, '--alarms', 'MaxCPU', 'API Error Breach', '--increment', '20']);

    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!) as {
      alarms: string[];
    };
    expect(input.alarms).toEqual(['MaxCPU', 'API Error Breach']);
  });
});

describe('flagValueProblem', () => {
  it.each(['--endpoint-url', '-h', '--', '', '  '])('refuses %j', (value) => {
    expect(flagValueProblem(value)).toBeDefined();
  });

  it.each(['orders', '-5', '-0.5', 'API Error Breach', 'arn:aws:states:us-east-1:1:stateMachine:x'])(
    'accepts %j',
    (value) => {
      expect(flagValueProblem(value)).toBeUndefined();
    },
  );
});
