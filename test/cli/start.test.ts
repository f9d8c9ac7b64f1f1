import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionName } from '../../cli/commands/start';
import { NO_ALARMS_WARNING } from '../../cli/preflight';
import { DEPLOYER_ARN, NOW, run, TARGET_ARN, targetExists } from './harness';
import { EXECUTION_ARN, FIRED, promotion, rollback } from './scripted-execution';

const sfn = mockClient(SFNClient);
const cloudWatch = mockClient(CloudWatchClient);
const cloudFormation = mockClient(CloudFormationClient);

beforeEach(() => {
  sfn.reset();
  cloudWatch.reset();
  cloudFormation.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: NOW });
  targetExists(sfn);
  cloudWatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: ['orders-failures', 'MaxCPU', 'API Error Breach'].map((AlarmName) => ({
      AlarmName,
      StateValue: 'OK',
    })),
  });
});

const TARGET = ['--state-machine', 'orders', '--alias', 'live', '--deployer', DEPLOYER_ARN];

/** The deploy request the deployer was started with. */
function startedInput(): Record<string, unknown> {
  const call = sfn.commandCalls(StartExecutionCommand)[0];
  if (!call) throw new Error('StartExecution was not called');
  return JSON.parse(call.args[0].input.input ?? 'null') as Record<string, unknown>;
}

describe('sfn-deploy start', () => {
  it('starts the deployer with the request built from the flags and prints the execution ARN', async () => {
    // Arrange
    const files = {
      'my-dir/sample.asl.json': JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Succeed' } } }),
    };

    // Act
    const { code, stdout } = await run(
      [
        'start',
        ...TARGET,
        '--region',
        'us-east-1',
        '--file',
        'my-dir/sample.asl.json',
        '--publish-revision',
        '--strategy',
        'linear',
        '--increment',
        '20',
        '--interval=600',
        '--alarms',
        'MaxCPU',
        'API Error Breach',
        '--alarm-polling',
        '30',
        '--history-max',
        '11',
        '--force',
        '--ignore-alarms-already-firing',
        '--fail-on-insufficient-data',
      ],
      { files },
    );

    // Assert
    expect(code).toBe(0);
    expect(stdout.text).toBe(`${EXECUTION_ARN}\n`);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: DEPLOYER_ARN,
      name: expect.stringMatching(/^orders-live-20260302T100000Z-[0-9a-f]{4}$/),
    });
    expect(startedInput()).toEqual({
      stateMachine: 'orders',
      alias: 'live',
      definition: { StartAt: 'A', States: { A: { Type: 'Succeed' } } },
      publishRevision: true,
      strategy: 'linear',
      increment: 20,
      intervalSeconds: 600,
      alarms: ['MaxCPU', 'API Error Breach'],
      alarmPollingSeconds: 30,
      historyMax: 11,
      force: true,
      ignoreAlarmsAlreadyFiring: true,
      failOnInsufficientData: true,
    });
  });

  it('sends publishRevision false for --no-publish-revision and force false for --no-force', async () => {
    await run(['start', ...TARGET, '--no-publish-revision', '--no-force']);

    expect(startedInput()).toEqual({
      stateMachine: 'orders',
      alias: 'live',
      publishRevision: false,
      force: false,
    });
  });

  it('takes --version as the existing version to deploy (not the version of the command)', async () => {
    await run(['start', ...TARGET, '--version', '7']);

    expect(startedInput()).toEqual({ stateMachine: 'orders', alias: 'live', version: '7' });
  });

  it('accepts the strategy as sfndeploy.py spells it', async () => {
    await run(['start', ...TARGET, '--strategy', 'allatonce']);

    expect(startedInput()).toMatchObject({ strategy: 'allAtOnce' });
  });

  it('starts a request file with the flags overriding it', async () => {
    const files = {
      'canary.json': JSON.stringify({
        stateMachine: 'orders',
        alias: 'live',
        strategy: 'canary',
        increment: 10,
        historyMax: 2,
      }),
    };

    await run(['start', '--request', 'canary.json', '--increment', '25', '--deployer', DEPLOYER_ARN], {
      files,
    });

    expect(startedInput()).toEqual({
      stateMachine: 'orders',
      alias: 'live',
      strategy: 'canary',
      increment: 25,
      historyMax: 2,
    });
  });

  it('uses the execution name given with --name', async () => {
    await run(['start', ...TARGET, '--name', 'release-42']);

    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: 'release-42' });
  });

  it('passes --region, --profile and --endpoint-url to the AWS clients', async () => {
    const { clientOptions } = await run([
      'start',
      ...TARGET,
      '--region',
      'eu-west-1',
      '--profile',
      'ci',
      '--endpoint-url',
      'http://127.0.0.1:4566',
    ]);

    expect(clientOptions).toEqual([
      expect.objectContaining({ region: 'eu-west-1', profile: 'ci', endpointUrl: 'http://127.0.0.1:4566' }),
    ]);
  });

  describe('a bad request', () => {
    it.each([
      [['--increment', 'abc'], 'increment must be an integer between 1 and 100, got: "abc"'],
      [['--interval', '0'], 'intervalSeconds must be an integer between 1 and 31536000, got: 0'],
      [['--alarm-polling', '2.5'], 'alarmPollingSeconds must be an integer between 1 and 31536000, got: 2.5'],
      [
        ['--history-max', '1'],
        'historyMax must be 0 (never prune) or at least 2, so a version to roll back to is kept, got: 1',
      ],
      [
        ['--strategy', 'bluegreen'],
        `strategy must be one of canary, linear, allAtOnce or CodeDeploy's Canary10Percent5Minutes, Canary10Percent10Minutes, Canary10Percent15Minutes, Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes, Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes, AllAtOnce (also written CodeDeployDefault.Lambda<name>), got: "bluegreen"`,
      ],
      [['--alarms', 'a', 'a'], 'alarms must not name an alarm twice, got: ["a","a"]'],
      [['--version', 'latest'], 'version must be a version number or a version ARN, got: "latest"'],
    ])('fails on %j with exit code 2, the schema message, and no AWS call', async (flags, message) => {
      // Act
      const { code, stdout, stderr } = await run(['start', ...TARGET, ...flags]);

      // Assert
      expect(code).toBe(2);
      expect(stdout.text).toBe('');
      expect(stderr.text).toBe(`Invalid deploy request (nothing was started):\n  - ${message}\n`);
      expect(sfn.calls()).toHaveLength(0);
      expect(cloudFormation.calls()).toHaveLength(0);
    });

    it('fails when the state machine and the alias are missing', async () => {
      const { code, stderr } = await run(['start', '--deployer', DEPLOYER_ARN]);

      expect(code).toBe(2);
      expect(stderr.text).toContain('stateMachine must be a state machine name or ARN, got: nothing');
      expect(stderr.text).toContain('alias must be an alias name, got: nothing');
      expect(sfn.calls()).toHaveLength(0);
    });

    it('fails when --file is not JSON, naming the file, with no AWS call', async () => {
      const { code, stderr } = await run(['start', ...TARGET, '--file', 'sample.asl.json'], {
        files: { 'sample.asl.json': 'StartAt: A' },
      });

      expect(code).toBe(2);
      expect(stderr.text).toMatch(/^error: --file sample\.asl\.json is not valid JSON: /);
      expect(sfn.calls()).toHaveLength(0);
    });

    it('fails on an unknown flag with exit code 2', async () => {
      const { code, stderr } = await run(['start', ...TARGET, '--canary']);

      expect(code).toBe(2);
      expect(stderr.text).toContain("error: unknown option '--canary'");
      expect(sfn.calls()).toHaveLength(0);
    });
  });

  describe('finding the deployer', () => {
    const target = ['--state-machine', 'orders', '--alias', 'live'];

    it('takes SFN_DEPLOYER_ARN when --deployer is not given', async () => {
      await run(['start', ...target], { env: { SFN_DEPLOYER_ARN: `${DEPLOYER_ARN}-env` } });

      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: `${DEPLOYER_ARN}-env`,
      });
      expect(cloudFormation.calls()).toHaveLength(0);
    });

    it('prefers --deployer over SFN_DEPLOYER_ARN', async () => {
      await run(['start', ...target, '--deployer', DEPLOYER_ARN], {
        env: { SFN_DEPLOYER_ARN: `${DEPLOYER_ARN}-env` },
      });

      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: DEPLOYER_ARN });
    });

    it('reads the DeployerArn output of the SfnDeployer stack', async () => {
      cloudFormation.on(DescribeStacksCommand, { StackName: 'SfnDeployer' }).resolves({
        Stacks: [
          {
            StackName: 'SfnDeployer',
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: NOW,
            Outputs: [{ OutputKey: 'DeployerArn', OutputValue: DEPLOYER_ARN }],
          },
        ],
      });

      await run(['start', ...target]);

      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: DEPLOYER_ARN });
    });

    it('reads the stack named by --stack-name', async () => {
      cloudFormation.on(DescribeStacksCommand, { StackName: 'Deployers-prod' }).resolves({
        Stacks: [
          {
            StackName: 'Deployers-prod',
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: NOW,
            Outputs: [{ OutputKey: 'DeployerArn', OutputValue: `${DEPLOYER_ARN}-prod` }],
          },
        ],
      });

      await run(['start', ...target, '--stack-name', 'Deployers-prod']);

      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
        stateMachineArn: `${DEPLOYER_ARN}-prod`,
      });
    });

    it('fails listing the three ways when none works, and starts nothing', async () => {
      cloudFormation.on(DescribeStacksCommand).rejects(new Error('Stack with id SfnDeployer does not exist'));

      const { code, stderr } = await run(['start', ...target]);

      expect(code).toBe(2);
      expect(stderr.text).toBe(
        'error: Cannot find the deployer (stack SfnDeployer could not be read: Stack with id SfnDeployer does not exist). Name it in one of three ways:\n' +
          '  --deployer <state-machine-arn>\n' +
          '  SFN_DEPLOYER_ARN=<state-machine-arn>\n' +
          '  deploy the stack (npx cdk deploy), whose DeployerArn output is read; --stack-name if it is not SfnDeployer\n',
      );
      expect(sfn.calls()).toHaveLength(0);
    });
  });

  it('fails with exit code 1 and the AWS error when the deployer cannot be started', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(
        new ExecutionAlreadyExists({ message: 'Execution Already Exists: release-42', $metadata: {} }),
      );

    const { code, stderr } = await run(['start', ...TARGET, '--name', 'release-42']);

    expect(code).toBe(1);
    expect(stderr.text).toBe(
      `${NO_ALARMS_WARNING}\nerror: ExecutionAlreadyExists: Execution Already Exists: release-42\n`,
    );
  });

  describe('--wait', () => {
    it('exits 0 on a promotion and prints the timeline', async () => {
      // Arrange
      promotion().install(sfn);

      // Act
      const { code, stdout } = await run(['start', ...TARGET, '--strategy', 'canary', '--wait']);

      // Assert
      expect(code).toBe(0);
      expect(stdout.lines[0]).toBe(EXECUTION_ARN);
      expect(stdout.text).toContain(
        [
          'PROMOTED: live routes 100% to orders:3 (was orders:2)',
          'timeline:',
          '  +0s         10%  2026-03-02T10:00:01.000Z',
          '  +5m        100%  2026-03-02T10:05:01.000Z',
          'pruned: orders:1',
        ].join('\n'),
      );
    });

    it('exits 1 on a rollback, with the error and the alarm in the message', async () => {
      rollback().install(sfn);

      const { code, stderr } = await run(['start', ...TARGET, '--strategy', 'canary', '--wait']);

      expect(code).toBe(1);
      expect(stderr.text).toBe(
        `${NO_ALARMS_WARNING}\nDeployment failed: DeploymentRolledBack: Rolled back alias live to orders:2 (100%) from orders:3 at 10%: alarms fired: ${FIRED}\n`,
      );
    });

    it('polls every --refresh seconds', async () => {
      promotion().install(sfn);

      const { sleeps } = await run(['start', ...TARGET, '--wait', '--refresh', '5']);

      expect(sleeps).toEqual([5000, 5000, 5000, 5000]);
    });

    it('fails with exit code 2 on a bad --refresh, before starting anything', async () => {
      const { code, stderr } = await run(['start', ...TARGET, '--wait', '--refresh', 'soon']);

      expect(code).toBe(2);
      expect(stderr.text).toBe('error: --refresh must be a number of seconds greater than 0, got: "soon"\n');
      expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
    });
  });
});

describe('execution names', () => {
  it('reads as target, alias and UTC time, with a random suffix', () => {
    expect(executionName({ stateMachine: 'orders', alias: 'live' }, NOW, 'ab12')).toBe(
      'orders-live-20260302T100000Z-ab12',
    );
  });

  it('uses the name of a state machine given by ARN and replaces the characters names do not allow', () => {
    const name = executionName(
      { stateMachine: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders', alias: 'v1.2' },
      NOW,
      'ab12',
    );

    expect(name).toBe('orders-v1-2-20260302T100000Z-ab12');
  });

  it('stays within 80 characters', () => {
    const name = executionName({ stateMachine: 'o'.repeat(80), alias: 'a'.repeat(80) }, NOW, 'ab12');

    expect(name).toHaveLength(80);
    expect(name.endsWith('-20260302T100000Z-ab12')).toBe(true);
  });
});

describe('sfn-deploy start --json', () => {
  it('prints the started execution as a JSON line', async () => {
    const { code, stdout } = await run(['start', ...TARGET, '--json']);

    expect(code).toBe(0);
    expect(stdout.lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { type: 'execution', executionArn: EXECUTION_ARN, startDate: NOW.toISOString() },
    ]);
  });

  it('with --wait, prints only JSON lines, from the first line to the outcome', async () => {
    promotion().install(sfn);

    const { code, stdout } = await run(['start', ...TARGET, '--strategy', 'canary', '--wait', '--json']);

    expect(code).toBe(0);
    const events = stdout.lines.map((line) => JSON.parse(line) as { type: string });
    expect(events[0]).toEqual({
      type: 'execution',
      executionArn: EXECUTION_ARN,
      startDate: NOW.toISOString(),
    });
    expect(events.at(-1)).toMatchObject({ type: 'succeeded' });
  });
});

describe('sfn-deploy start checks before starting', () => {
  const INVALID = { StartAt: 'A', States: { A: { Type: 'Bogus', End: true } } };

  it('validates a --file with ValidateStateMachineDefinition and exits 2, starting nothing, when it is not valid ASL', async () => {
    // Arrange
    sfn.on(ValidateStateMachineDefinitionCommand).resolves({
      result: 'FAIL',
      diagnostics: [
        {
          severity: 'ERROR',
          code: 'SCHEMA_VALIDATION_FAILED',
          message: "The value for the field 'Type' must be one of [Task, Pass]",
          location: '/States/A',
        },
      ],
    });

    // Act
    const { code, stderr } = await run(['start', ...TARGET, '--file', 'bad.asl.json'], {
      files: { 'bad.asl.json': JSON.stringify(INVALID) },
    });

    // Assert
    expect(code).toBe(2);
    expect(stderr.text).toBe(
      'Invalid deploy request (nothing was started):\n' +
        "  - definition is not valid Amazon States Language: SCHEMA_VALIDATION_FAILED at /States/A: The value for the field 'Type' must be one of [Task, Pass]\n",
    );
    expect(sfn).toHaveReceivedCommandWith(ValidateStateMachineDefinitionCommand, {
      definition: JSON.stringify(INVALID),
    });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it("exits 2 when the state machine does not exist, looking it up in the deployer's region and account", async () => {
    sfn
      .on(DescribeStateMachineCommand)
      .rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }));

    const { code, stderr } = await run(['start', ...TARGET]);

    expect(code).toBe(2);
    expect(stderr.text).toBe(
      `error: StateMachineNotFound: State machine ${TARGET_ARN} does not exist (checked before starting; nothing was started)\n`,
    );
    expect(sfn).toHaveReceivedCommandWith(DescribeStateMachineCommand, { stateMachineArn: TARGET_ARN });
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('exits 2 when an alarm does not exist', async () => {
    const { code, stderr } = await run(['start', ...TARGET, '--alarms', 'orders-failures', 'no-such-alarm']);

    expect(code).toBe(2);
    expect(stderr.text).toBe(
      'error: AlarmNotFound: Alarms not found (neither metric nor composite): no-such-alarm (checked before starting; nothing was started)\n',
    );
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('exits 2 when the version to deploy does not exist', async () => {
    sfn
      .on(DescribeStateMachineCommand, { stateMachineArn: `${TARGET_ARN}:9` })
      .rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }));

    const { code, stderr } = await run(['start', ...TARGET, '--version', '9']);

    expect(code).toBe(2);
    expect(stderr.text).toContain(`VersionNotFound: Version ${TARGET_ARN}:9 does not exist`);
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('warns when the deployment watches no alarms, and not when it watches one', async () => {
    const bare = await run(['start', ...TARGET]);
    const watched = await run(['start', ...TARGET, '--alarms', 'orders-failures']);

    expect(bare.code).toBe(0);
    expect(bare.stderr.text).toContain('warning: this deployment watches no alarms');
    expect(watched.stderr.text).not.toContain('watches no alarms');
  });

  it('warns and starts when the caller may not read what it checks, leaving the check to the deployer', async () => {
    sfn
      .on(DescribeStateMachineCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    const { code, stderr } = await run(['start', ...TARGET]);

    expect(code).toBe(0);
    expect(stderr.text).toContain(
      `warning: could not check state machine ${TARGET_ARN} before starting (AccessDeniedException); the deployer checks it when it starts`,
    );
    expect(sfn).toHaveReceivedCommand(StartExecutionCommand);
  });
});
