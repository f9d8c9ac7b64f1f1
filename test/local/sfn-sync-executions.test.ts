/**
 * StartSyncExecution, as https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html
 * describes it: an Express state machine (or its version or alias) runs to its end within the call,
 * which answers with its status, output or error; a Standard one is StateMachineTypeNotSupported.
 * The SDK sends it to the `sync-` host; against a local endpoint that prefix is turned off.
 */
import { CreateStateMachineCommand, SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { failure, type Fixture, ROLE_ARN, startCloud } from './cloud-fixture';

describe('StartSyncExecution', () => {
  let f: Fixture;
  let sync: SFNClient;

  beforeEach(async () => {
    f = await startCloud();
    sync = new SFNClient({
      endpoint: f.cloud.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      disableHostPrefix: true,
      maxAttempts: 1,
    });
  });

  afterEach(async () => {
    sync.destroy();
    await f.stop();
  });

  const express = (definition: object) =>
    f.sfn.send(
      new CreateStateMachineCommand({
        name: `express-${Math.random().toString(36).slice(2, 8)}`,
        definition: JSON.stringify(definition),
        roleArn: ROLE_ARN,
        type: 'EXPRESS',
        publish: true,
      }),
    ) as Promise<{ stateMachineArn: string; stateMachineVersionArn: string }>;

  it('runs an Express version to its end, virtual waits included, and answers its output', async () => {
    const created = await express({
      StartAt: 'Wait',
      States: { Wait: { Type: 'Wait', Seconds: 30, Next: 'Done' }, Done: { Type: 'Pass', End: true } },
    });

    const out = await sync.send(
      new StartSyncExecutionCommand({
        stateMachineArn: created.stateMachineVersionArn,
        input: '{"order":1}',
      }),
    );

    expect(out).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"order":1}',
      stateMachineArn: created.stateMachineVersionArn,
    });
    expect(out.stopDate!.getTime() - out.startDate!.getTime()).toBe(30_000);
  });

  it('answers a failed execution with its error and cause, not an API error', async () => {
    const created = await express({
      StartAt: 'Reject',
      States: { Reject: { Type: 'Fail', Error: 'InvalidOrder', Cause: 'no such item' } },
    });

    const out = await sync.send(new StartSyncExecutionCommand({ stateMachineArn: created.stateMachineArn }));

    expect(out).toMatchObject({ status: 'FAILED', error: 'InvalidOrder', cause: 'no such item' });
  });

  it('refuses a Standard state machine with StateMachineTypeNotSupported', async () => {
    const standard = await f.createStateMachine('standard-orders', {
      StartAt: 'Done',
      States: { Done: { Type: 'Pass', End: true } },
    });

    expect(
      await failure(sync.send(new StartSyncExecutionCommand({ stateMachineArn: standard.stateMachineArn! }))),
    ).toMatchObject({
      name: 'StateMachineTypeNotSupported',
      status: 400,
    });
  });
});
