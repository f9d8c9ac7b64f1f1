import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { passDefinition, ROLE_ARN, startCloud, type Fixture } from './cloud-fixture';

const run = promisify(execFile);

/** The user's own AWS CLI, pointed at the local cloud with dummy credentials. */
async function aws(
  endpoint: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_PAGER: '',
        AWS_MAX_ATTEMPTS: '1',
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'The AWS CLI (`aws`) is not on PATH. Install it (e.g. `pip install awscli`): these tests prove a user’s own client works against the local cloud.',
      );
    }
    return { code: Number(e.code), stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('the local cloud through the AWS CLI', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startCloud();
  });
  afterAll(() => f.stop());

  it('creates, publishes, aliases, runs and describes, and reports error codes', async () => {
    const created = await aws(
      f.cloud.endpoint,
      'stepfunctions',
      'create-state-machine',
      '--name',
      'cli-orders',
      '--definition',
      JSON.stringify(passDefinition('cli')),
      '--role-arn',
      ROLE_ARN,
    );
    expect(created.code).toBe(0);
    const { stateMachineArn } = JSON.parse(created.stdout) as { stateMachineArn: string };
    expect(stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:cli-orders');

    const published = await aws(
      f.cloud.endpoint,
      'stepfunctions',
      'publish-state-machine-version',
      '--state-machine-arn',
      stateMachineArn,
    );
    const { stateMachineVersionArn } = JSON.parse(published.stdout) as { stateMachineVersionArn: string };
    expect(stateMachineVersionArn).toBe(`${stateMachineArn}:1`);

    const alias = await aws(
      f.cloud.endpoint,
      'stepfunctions',
      'create-state-machine-alias',
      '--name',
      'live',
      '--routing-configuration',
      JSON.stringify([{ stateMachineVersionArn, weight: 100 }]),
    );
    const { stateMachineAliasArn } = JSON.parse(alias.stdout) as { stateMachineAliasArn: string };
    const described = await aws(
      f.cloud.endpoint,
      'stepfunctions',
      'describe-state-machine-alias',
      '--state-machine-alias-arn',
      stateMachineAliasArn,
    );
    expect(JSON.parse(described.stdout)).toMatchObject({
      name: 'live',
      routingConfiguration: [{ stateMachineVersionArn, weight: 100 }],
    });

    const started = await aws(
      f.cloud.endpoint,
      'stepfunctions',
      'start-execution',
      '--state-machine-arn',
      stateMachineAliasArn,
      '--input',
      '{}',
    );
    const { executionArn } = JSON.parse(started.stdout) as { executionArn: string };
    await f.cloud.stepFunctions.waitForExecution(executionArn);
    const execution = await aws(
      f.cloud.endpoint,
      'stepfunctions',
      'describe-execution',
      '--execution-arn',
      executionArn,
    );
    expect(JSON.parse(execution.stdout)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"tag":"cli"}',
      stateMachineAliasArn,
      stateMachineVersionArn,
    });

    const conflict = await aws(
      f.cloud.endpoint,
      'stepfunctions',
      'delete-state-machine-version',
      '--state-machine-version-arn',
      stateMachineVersionArn,
    );
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain(
      'An error occurred (ConflictException) when calling the DeleteStateMachineVersion operation: ' +
        'Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]',
    );
  });
});
