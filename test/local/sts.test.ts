/**
 * STS GetCallerIdentity on the local cloud, in STS's query protocol with XML
 * answers, through the real SDK and the AWS CLI: AWS's own deployment scripts
 * call it first to learn the account.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startCloud, type Fixture } from './cloud-fixture';

const run = promisify(execFile);

describe('STS on the local cloud', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startCloud();
  });
  afterAll(() => f.stop());

  const client = () =>
    new STSClient({
      endpoint: f.cloud.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });

  it('names the local account through the SDK', async () => {
    const sts = client();
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();

    expect(identity).toMatchObject({
      Account: f.cloud.accountId,
      UserId: f.cloud.accountId,
      Arn: `arn:aws:iam::${f.cloud.accountId}:root`,
    });
    expect(identity.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers `aws sts get-caller-identity`', async () => {
    const { stdout } = await run(
      'aws',
      ['--endpoint-url', f.cloud.endpoint, '--output', 'json', 'sts', 'get-caller-identity'],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      },
    ).catch((error: { code?: string }) => {
      if (error.code === 'ENOENT')
        throw new Error(
          'The AWS CLI (`aws`) is not on PATH; these tests prove a user’s own client works against the local cloud.',
        );
      throw error;
    });

    expect(JSON.parse(stdout)).toEqual({
      UserId: f.cloud.accountId,
      Account: f.cloud.accountId,
      Arn: `arn:aws:iam::${f.cloud.accountId}:root`,
    });
  });

  it('refuses an operation it does not serve with a query-protocol error the SDK parses', async () => {
    const sts = client();
    const refused = await sts
      .send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${f.cloud.accountId}:role/deployer`,
          RoleSessionName: 'ci',
        }),
      )
      .catch((error: unknown) => error);
    sts.destroy();

    expect(refused).toMatchObject({
      name: 'InvalidAction',
      message: 'Could not find operation AssumeRole for version 2011-06-15',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
