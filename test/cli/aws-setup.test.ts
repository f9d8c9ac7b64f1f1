/**
 * Region, credentials and the deployer as the AWS CLI finds them, with one
 * clear line for each missing piece, before anything is started.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { clientConfig, createClients } from '../../cli/aws';
import type { AwsClients } from '../../cli/io';
import { NO_ALARMS_WARNING } from '../../cli/preflight';
import { NOW, run, targetExists } from './harness';
import { EXECUTION_ARN } from './scripted-execution';

const sfn = mockClient(SFNClient);
const cloudWatch = mockClient(CloudWatchClient);
const cloudFormation = mockClient(CloudFormationClient);
const savedEnv = process.env;
let home: string;

beforeEach(() => {
  sfn.reset();
  cloudWatch.reset();
  cloudFormation.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: NOW });
  targetExists(sfn);
  // The SDK reads credentials and shared config files from the process environment: give it a bare one.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-deploy-aws-setup-'));
  process.env = {
    PATH: savedEnv.PATH,
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
});

afterEach(() => {
  process.env = savedEnv;
  fs.rmSync(home, { recursive: true, force: true });
});

const DEPLOYER = 'arn:aws:states:eu-west-1:123456789012:stateMachine:sfn-deployer';
const TARGET = ['start', '--state-machine', 'orders', '--alias', 'live'];
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };

/** Runs with the command's own client factory, keeping the clients it made. */
async function runReal(args: string[], env: Record<string, string>) {
  Object.assign(process.env, env);
  const made: AwsClients[] = [];
  const result = await run(args, {
    env: { ...process.env },
    createClients: (options, givenEnv) => {
      const clients = createClients(options, givenEnv);
      made.push(clients);
      return clients;
    },
  });
  return { ...result, made };
}

describe('the region', () => {
  // https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html:
  // AWS_REGION overrides AWS_DEFAULT_REGION; --region overrides both.
  it.each([
    [{}, { AWS_DEFAULT_REGION: 'eu-west-1' }, 'eu-west-1'],
    [{}, { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-west-1' }, 'eu-central-1'],
    [{ region: 'us-west-2' }, { AWS_REGION: 'eu-central-1', AWS_DEFAULT_REGION: 'eu-west-1' }, 'us-west-2'],
    [{}, { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-1' }, 'eu-west-1'],
  ])('with options %j and environment %j is %s', (options, env, region) => {
    expect(clientConfig(options, env)).toEqual({ region });
  });

  it('is left to the profile when neither flag nor variable sets it', () => {
    expect(clientConfig({ profile: 'ci' }, {})).toEqual({ profile: 'ci' });
  });

  it('is read from AWS_DEFAULT_REGION when start runs, which the SDK alone ignores', async () => {
    const { code, stderr, made } = await runReal([...TARGET, '--deployer', DEPLOYER], {
      ...CREDENTIALS,
      AWS_DEFAULT_REGION: 'eu-west-1',
    });

    expect(stderr.text).toBe(`${NO_ALARMS_WARNING}\n`);
    expect(code).toBe(0);
    await expect(made[0]!.sfn.config.region()).resolves.toBe('eu-west-1');
    expect(sfn).toHaveReceivedCommand(StartExecutionCommand);
  });

  it('fails in one line naming what to set when there is none, and starts nothing', async () => {
    const { code, stderr } = await runReal([...TARGET, '--deployer', DEPLOYER], CREDENTIALS);

    expect(code).toBe(2);
    expect(stderr.text).toBe(
      'error: No AWS region is set (Region is missing). Set one of: --region <region>, AWS_REGION, ' +
        'AWS_DEFAULT_REGION, or region in the profile (aws configure).\n',
    );
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('the credentials', () => {
  it('fail in one line naming what to set when there are none, and nothing is started', async () => {
    const { code, stderr } = await runReal([...TARGET, '--deployer', DEPLOYER], { AWS_REGION: 'eu-west-1' });

    expect(code).toBe(2);
    expect(stderr.lines).toHaveLength(1);
    expect(stderr.text).toMatch(
      /^error: No AWS credentials were found \(CredentialsProviderError: .*\)\. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile with --profile or AWS_PROFILE/,
    );
    expect(sfn.calls()).toHaveLength(0);
  });

  it('are checked by watch too', async () => {
    const { code, stderr } = await runReal(['watch', EXECUTION_ARN], { AWS_REGION: 'eu-west-1' });

    expect(code).toBe(2);
    expect(stderr.text).toContain('error: No AWS credentials were found');
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('the deployer on a custom endpoint', () => {
  const ENDPOINT = ['--endpoint-url', 'http://127.0.0.1:4566', '--region', 'us-east-1'];

  beforeEach(() => {
    // What the SDK throws when an endpoint answers CloudFormation's XML protocol with JSON.
    cloudFormation.on(DescribeStacksCommand).rejects(
      Object.assign(new Error("char '{' is not expected.:1:1"), {
        name: 'Error',
      }),
    );
  });

  it('is the state machine named sfn-deployer when the endpoint serves no CloudFormation (the local cloud)', async () => {
    sfn.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        {
          name: 'orders',
          stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders',
          type: 'STANDARD',
          creationDate: NOW,
        },
        { name: 'sfn-deployer', stateMachineArn: DEPLOYER, type: 'STANDARD', creationDate: NOW },
      ],
    });

    const { code, stderr } = await run([...TARGET, ...ENDPOINT]);

    expect(stderr.text).toBe(`${NO_ALARMS_WARNING}\n`);
    expect(code).toBe(0);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: DEPLOYER });
  });

  it('fails clearly, without the XML parse error alone, when the endpoint has no deployer', async () => {
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });

    const { code, stderr } = await run([...TARGET, ...ENDPOINT]);

    expect(code).toBe(2);
    expect(stderr.lines[0]).toBe(
      'error: Cannot find the deployer (http://127.0.0.1:4566 serves no CloudFormation stack SfnDeployer (Error) ' +
        'and has no state machine named sfn-deployer). Name it in one of three ways:',
    );
    expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('is not looked up by name on AWS itself, where the stack is the only source', async () => {
    const { code } = await run(TARGET);

    expect(code).toBe(2);
    expect(sfn).not.toHaveReceivedCommand(ListStateMachinesCommand);
  });
});
