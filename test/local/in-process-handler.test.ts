/**
 * The request handler the local cloud lends the SDK clients of the Lambdas it runs in its own
 * process: their calls reach the server without TCP, and the server sees them as it would on the
 * wire (the calling function, its role, AWS's errors).
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ResourceNotFound,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  type InProcessHandler,
  installInProcessHandler,
  LOCAL_REQUEST_HANDLER,
} from '../../local/wire/in-process-handler';
import { type Fixture, startCloud } from './cloud-fixture';

describe('the in-process request handler', () => {
  let fx: Fixture;
  // A port nothing listens on: a request that went over TCP would fail to connect.
  const config = {
    endpoint: 'http://127.0.0.1:1',
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
  const handler = () => (globalThis as Record<symbol, unknown>)[LOCAL_REQUEST_HANDLER] as InProcessHandler;

  beforeEach(async () => {
    fx = await startCloud();
    installInProcessHandler(fx.cloud.server);
  });

  afterEach(async () => {
    await fx.stop();
  });

  it("carries the calling function's identity, without TCP", async () => {
    // Arrange
    const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:reader';
    const roleArn = 'arn:aws:iam::123456789012:role/reader-role';
    const cloudWatch = new CloudWatchClient({ ...config, requestHandler: handler() });
    fx.cloud.registerLambda(
      functionArn,
      async () => {
        const read = await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-errors'] }));
        return { alarms: read.MetricAlarms?.length };
      },
      { roleArn },
    );
    const machine = await fx.createStateMachine('reads-alarms', {
      StartAt: 'Read',
      States: { Read: { Type: 'Task', Resource: functionArn, End: true } },
    });

    // Act
    const started = await fx.sfn.send(
      new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn }),
    );
    const ended = await fx.finished(started.executionArn!);

    // Assert
    expect(ended.status).toBe('SUCCEEDED');
    expect(JSON.parse(ended.output!)).toEqual({ alarms: 0 });
    const [read] = fx.cloud.calls.journal({ operation: 'DescribeAlarms' });
    expect(read).toMatchObject({
      target: 'GraniteServiceVersion20100801',
      input: { AlarmNames: ['orders-errors'] },
      caller: { functionArn, roleArn },
    });
    cloudWatch.destroy();
  });

  it("answers AWS's errors, which the SDK raises as the same typed exceptions", async () => {
    const cloudWatch = new CloudWatchClient({ ...config, requestHandler: handler() });
    const error = await cloudWatch
      .send(new SetAlarmStateCommand({ AlarmName: 'missing', StateValue: 'ALARM', StateReason: 'test' }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ResourceNotFound);
    expect(fx.cloud.calls.journal({ operation: 'SetAlarmState' })[0]?.error).toBe('ResourceNotFound');
    cloudWatch.destroy();
  });

  it("serves Lambda's Invoke (a REST path and a binary payload)", async () => {
    fx.cloud.registerLambda('echo', async (event) => ({ echoed: event }));
    const lambda = new LambdaClient({ ...config, requestHandler: handler() });
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from(JSON.stringify({ n: 1 })) }),
    );
    expect(out.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(out.Payload!).toString())).toEqual({ echoed: { n: 1 } });
    lambda.destroy();
  });
});
