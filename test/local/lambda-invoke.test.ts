/**
 * Lambda's Invoke API on the local cloud (REST JSON), through the real SDK
 * and the AWS CLI: how operators call the deployer's signal function.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startCloud, type Fixture } from './cloud-fixture';

const run = promisify(execFile);

class NoDeploymentRunning extends Error {
  override readonly name = 'NoDeploymentRunning';
}

describe('Lambda Invoke on the local cloud', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startCloud();
    f.cloud.registerLambda('echo', async (event) => ({ echoed: event }));
    f.cloud.registerLambda('refuse', async () => {
      throw new NoDeploymentRunning('No deployment of alias live is running');
    });
  });
  afterAll(() => f.stop());

  const lambda = () =>
    new LambdaClient({
      endpoint: f.cloud.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');

  it('runs the function with the payload and answers its result', async () => {
    const client = lambda();
    const out = await client.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ action: 'pause' })) }),
    );
    client.destroy();

    expect(out).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(text(out.Payload))).toEqual({ echoed: { action: 'pause' } });
  });

  it('answers a function error as 200 with X-Amz-Function-Error and Lambda’s error JSON', async () => {
    const client = lambda();
    const out = await client.send(new InvokeCommand({ FunctionName: 'refuse', Payload: Buffer.from('{}') }));
    client.destroy();

    expect(out).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(text(out.Payload))).toMatchObject({
      errorType: 'NoDeploymentRunning',
      errorMessage: 'No deployment of alias live is running',
    });
  });

  it('refuses a function that does not exist with ResourceNotFoundException (404)', async () => {
    const client = lambda();
    const refused = await client
      .send(new InvokeCommand({ FunctionName: 'missing', Payload: Buffer.from('{}') }))
      .catch((error: unknown) => error);
    client.destroy();

    expect(refused).toMatchObject({
      name: 'ResourceNotFoundException',
      message: `Function not found: arn:aws:lambda:us-east-1:${f.cloud.accountId}:function:missing`,
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('answers `aws lambda invoke` with the payload in the output file', async () => {
    const outFile = `/tmp/lambda-invoke-${process.pid}.json`;
    const { stdout } = await run(
      'aws',
      [
        '--endpoint-url',
        f.cloud.endpoint,
        '--output',
        'json',
        'lambda',
        'invoke',
        '--function-name',
        'echo',
        '--payload',
        '{"action":"resume"}',
        outFile,
      ],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      },
    );
    const { readFileSync, rmSync } = await import('node:fs');
    const payload = JSON.parse(readFileSync(outFile, 'utf8'));
    rmSync(outFile);

    expect(JSON.parse(stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(payload).toEqual({ echoed: { action: 'resume' } });
  });
});
