import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListStateMachinesCommand,
  PublishStateMachineVersionCommand,
  SFNClient,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { failure, passDefinition, ROLE_ARN, START, startCloud, type Fixture } from './cloud-fixture';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

describe('LocalCloud', () => {
  const fixtures: Fixture[] = [];
  const start = async (...args: Parameters<typeof startCloud>) => {
    const f = await startCloud(...args);
    fixtures.push(f);
    return f;
  };
  afterEach(async () => {
    await Promise.all(fixtures.splice(0).map((f) => f.stop()));
  });

  it('keeps each instance’s state to itself', async () => {
    const a = await start();
    const b = await start();
    expect(a.cloud.endpoint).not.toBe(b.cloud.endpoint);
    await a.createStateMachine('only-in-a', passDefinition('a'));
    expect((await b.sfn.send(new ListStateMachinesCommand({}))).stateMachines).toEqual([]);
    expect((await a.sfn.send(new ListStateMachinesCommand({}))).stateMachines).toHaveLength(1);
  });

  it('takes the region of ARNs from the request signature', async () => {
    const f = await start();
    const eu = new SFNClient({ endpoint: f.cloud.endpoint, region: 'eu-west-1', credentials });
    const out = await eu.send(
      new CreateStateMachineCommand({
        name: 'eu',
        definition: JSON.stringify(passDefinition('eu')),
        roleArn: ROLE_ARN,
      }),
    );
    eu.destroy();
    expect(out.stateMachineArn).toBe('arn:aws:states:eu-west-1:123456789012:stateMachine:eu');
    expect((await f.sfn.send(new ListStateMachinesCommand({}))).stateMachines).toEqual([]);
  });

  it('injects faults into Step Functions operations and counts calls', async () => {
    const f = await start();
    const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('x'));
    f.cloud.faults.inject({ operation: 'PublishStateMachineVersion', error: 'ThrottlingException' });
    expect(
      await failure(f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn }))),
    ).toMatchObject({
      name: 'ThrottlingException',
      status: 400,
    });
    await f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn }));
    expect(f.cloud.calls.count('PublishStateMachineVersion')).toBe(2);
  });

  it('throttles with AWS’s bucket (100, refill 1/s) when asked, refilled on virtual time', async () => {
    const f = await start({ throttling: true, fastForward: false, speed: 0 });
    const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('x'));
    for (let i = 0; i < 100; i++)
      await f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn }));
    expect(
      await failure(f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn }))),
    ).toMatchObject({
      name: 'ThrottlingException',
    });
    await f.cloud.clock.advance(1000);
    await expect(
      f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn })),
    ).resolves.toBeDefined();
  });

  it('does not jump the clock while a Lambda calls back into the cloud', async () => {
    const f = await start();
    const seen: number[] = [];
    f.cloud.registerLambda('look', async (event) => {
      seen.push(f.cloud.clock.now());
      const described = await f.sfn.send(
        new DescribeExecutionCommand({ executionArn: (event as { id: string }).id }),
      );
      seen.push(f.cloud.clock.now());
      return described.status;
    });
    // Another execution sleeps an hour meanwhile: only a busy clock keeps it from jumping there.
    const sleeper = await f.createStateMachine('sleeper', {
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 3600, End: true } },
    });
    const looker = await f.createStateMachine('looker', {
      StartAt: 'Look',
      States: {
        Look: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'look', Payload: { 'id.$': '$$.Execution.Id' } },
          OutputPath: '$.Payload',
          End: true,
        },
      },
    });
    const sleeping = await f.sfn.send(
      new StartExecutionCommand({ stateMachineArn: sleeper.stateMachineArn }),
    );
    const looking = await f.sfn.send(new StartExecutionCommand({ stateMachineArn: looker.stateMachineArn }));
    expect(JSON.parse((await f.finished(looking.executionArn!)).output!)).toBe('RUNNING');
    expect(seen).toEqual([START, START]);
    expect((await f.finished(sleeping.executionArn!)).stopDate!.getTime()).toBe(START + 3_600_000);
  });

  it('publishes AWS/States metrics to its CloudWatch', async () => {
    const f = await start();
    const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('x'));
    await f.finished((await f.sfn.send(new StartExecutionCommand({ stateMachineArn }))).executionArn!);
    const cw = new CloudWatchClient({ endpoint: f.cloud.endpoint, region: 'us-east-1', credentials });
    const metrics = await cw.send(new ListMetricsCommand({ Namespace: 'AWS/States' }));
    cw.destroy();
    expect(metrics.Metrics?.map((m) => m.MetricName).sort()).toEqual([
      'ExecutionTime',
      'ExecutionsStarted',
      'ExecutionsSucceeded',
    ]);
  });

  it('keeps running executions on the revision they started with', async () => {
    const f = await start({ fastForward: false, speed: 0 });
    const { stateMachineArn } = await f.createStateMachine('orders', {
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', Seconds: 10, Next: 'Tag' },
        Tag: { Type: 'Pass', Result: 'old', End: true },
      },
    });
    const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await f.sfn.send(
      new UpdateStateMachineCommand({ stateMachineArn, definition: JSON.stringify(passDefinition('new')) }),
    );
    await f.cloud.clock.advance(10_000);
    expect((await f.finished(executionArn!)).output).toBe('"old"');
  });

  it('leaves no sleeper behind when stopped with executions running', async () => {
    const f = await start({ fastForward: false, speed: 0 });
    const { stateMachineArn } = await f.createStateMachine('waiter', {
      TimeoutSeconds: 600,
      StartAt: 'W',
      States: { W: { Type: 'Wait', Seconds: 60, End: true } },
    });
    const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    expect(f.cloud.clock.pendingWakeUps()).toEqual([START + 60_000, START + 600_000]);
    await f.cloud.stop();
    expect(f.cloud.clock.pendingWakeUps()).toEqual([]);
    expect(f.cloud.stepFunctions.execution(executionArn!)!.status).toBe('ABORTED');
  });
});
