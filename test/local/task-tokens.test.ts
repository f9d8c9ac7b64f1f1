/**
 * `.waitForTaskToken` on the local cloud, with the AWS SDK integration for
 * DynamoDB, and `SendTaskSuccess` / `SendTaskFailure` / `SendTaskHeartbeat`
 * through the real SDK, as AWS documents them:
 * https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
 */
import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { startCloud, type Fixture } from './cloud-fixture';

const TABLE = 'callbacks';

/** Stores its token under `id` (on condition the item is new), then waits for it up to `$.timeout` seconds. */
const callbackMachine = {
  StartAt: 'Wait for callback',
  States: {
    'Wait for callback': {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken',
      Parameters: {
        TableName: TABLE,
        Item: { id: { 'S.$': '$.id' }, token: { 'S.$': '$$.Task.Token' } },
        ConditionExpression: 'attribute_not_exists(id)',
      },
      TimeoutSecondsPath: '$.timeout',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Timed out' },
        { ErrorEquals: ['DynamoDb.ConditionalCheckFailedException'], ResultPath: '$.error', Next: 'Taken' },
      ],
      End: true,
    },
    'Timed out': { Type: 'Pass', Result: 'timed out', End: true },
    Taken: { Type: 'Pass', Result: 'taken', End: true },
  },
};

describe('task tokens on the local cloud', () => {
  let f: Fixture;
  let dynamo: DynamoDBClient;
  let machineArn: string;
  beforeAll(async () => {
    f = await startCloud();
    await f.cloud.enableDynamoDb();
    dynamo = new DynamoDBClient({
      endpoint: f.cloud.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    });
    await dynamo.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    machineArn = (await f.createStateMachine('callbacks', callbackMachine)).stateMachineArn!;
  });
  afterAll(async () => {
    dynamo.destroy();
    await f.stop();
  });

  const start = async (id: string, timeout: number) =>
    (
      await f.sfn.send(
        new StartExecutionCommand({ stateMachineArn: machineArn, input: JSON.stringify({ id, timeout }) }),
      )
    ).executionArn!;
  /** The token the task stored, once it is there. */
  const tokenOf = async (id: string): Promise<string> => {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const { Item } = await dynamo.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: id } } }));
      if (Item?.token?.S) return Item.token.S;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`no token stored under ${id}`);
  };
  const historyTypes = async (executionArn: string) =>
    ((await f.sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? []).map(
      (event) => event.type,
    );

  it('waits after the call for SendTaskSuccess, whose output is the task’s result', async () => {
    // A waiting task is idle: under fast-forward the clock would jump to its timeout at once. Held busy,
    // as a caller on the wire keeps it, the callback comes first.
    const busy = f.cloud.clock.hold();
    const executionArn = await start('ok', 3600);
    const token = await tokenOf('ok');

    await f.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await f.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    busy.release();
    const done = await f.finished(executionArn);

    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
    expect(await historyTypes(executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    // The task has ended: its token names no task any more.
    await expect(
      f.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
  });

  it('fails the task with the error and cause SendTaskFailure names', async () => {
    const busy = f.cloud.clock.hold();
    const executionArn = await start('failed', 3600);

    await f.sfn.send(
      new SendTaskFailureCommand({ taskToken: await tokenOf('failed'), error: 'Rejected', cause: 'by ana' }),
    );
    busy.release();

    expect(await f.finished(executionArn)).toMatchObject({
      status: 'FAILED',
      error: 'Rejected',
      cause: 'by ana',
    });
  });

  it('times out at TimeoutSecondsPath, a year included, and then answers TaskTimedOut', async () => {
    const executionArn = await start('year', 364 * 24 * 3600);
    const token = await tokenOf('year');

    const done = await f.finished(executionArn);

    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '"timed out"' });
    expect(done.stopDate!.getTime() - done.startDate!.getTime()).toBe(364 * 24 * 3600 * 1000);
    expect(await historyTypes(executionArn)).toContain('TaskTimedOut');
    await expect(
      f.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('names the service’s errors <Service>.<Error>, so a Catch can match the failed condition', async () => {
    const first = await start('twice', 60);
    await tokenOf('twice');

    const second = await start('twice', 60);

    expect(await f.finished(second)).toMatchObject({ status: 'SUCCEEDED', output: '"taken"' });
    await f.finished(first);
  });

  it('refuses a token it never issued (InvalidToken) and output that is not JSON (InvalidOutput)', async () => {
    await expect(
      f.sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });

    const executionArn = await start('bad-output', 60);
    await expect(
      f.sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenOf('bad-output'), output: 'yes' })),
    ).rejects.toMatchObject({ name: 'InvalidOutput' });
    await f.finished(executionArn);
  });
});
