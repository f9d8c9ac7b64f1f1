/**
 * Step Functions' size limits on the local cloud, through the real SDK
 * (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions):
 * 256 KiB of UTF-8 for an execution's input and any state's or task's input
 * or output, and causes of at most 32,768 characters.
 */
import {
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { failure, startCloud, type Fixture } from './cloud-fixture';

const KIB = 1024;
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

describe('payload and cause limits (conformance with AWS)', () => {
  let f: Fixture;
  beforeEach(async () => (f = await startCloud()));
  afterEach(() => f.stop());

  const run = async (name: string, definition: object, input: unknown = {}) => {
    const { stateMachineArn } = await f.createStateMachine(name, definition);
    const { executionArn } = await f.sfn.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    return f.finished(executionArn!);
  };
  const historyOf = async (executionArn: string): Promise<HistoryEvent[]> =>
    (await f.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events!;
  const invoke = (functionName: string, extra: object = {}) => ({
    Type: 'Task',
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: functionName, 'Payload.$': '$' },
    ...extra,
  });

  describe('StartExecution', () => {
    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html (input: max 262144)
    it('refuses an input over 256 KiB with a ValidationException naming the member and the limit', async () => {
      const { stateMachineArn } = await f.createStateMachine('big-input', {
        StartAt: 'P',
        States: { P: { Type: 'Pass', End: true } },
      });
      const input = JSON.stringify({ blob: 'x'.repeat(256 * KIB) });
      expect(await failure(f.sfn.send(new StartExecutionCommand({ stateMachineArn, input })))).toEqual({
        name: 'ValidationException',
        status: 400,
        message: expect.stringContaining(
          "at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
        ),
      });
    });

    it('measures the input in UTF-8 bytes: 140,000 two-byte characters are over the limit', async () => {
      const { stateMachineArn } = await f.createStateMachine('utf8-input', {
        StartAt: 'P',
        States: { P: { Type: 'Pass', End: true } },
      });
      const input = JSON.stringify({ blob: 'é'.repeat(140_000) });
      expect(input.length).toBeLessThan(262_144);
      expect((await failure(f.sfn.send(new StartExecutionCommand({ stateMachineArn, input })))).name).toBe(
        'ValidationException',
      );
    });

    it('accepts an input of just under 256 KiB', async () => {
      const input = { blob: 'x'.repeat(256 * KIB - 20) };
      const done = await run(
        'near-limit',
        { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        input,
      );
      expect(done.status).toBe('SUCCEEDED');
      expect(Buffer.byteLength(done.output!, 'utf8')).toBeLessThanOrEqual(256 * KIB);
    });
  });

  describe('state data', () => {
    // States.ALL does not catch States.DataLimitExceeded
    // (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html#error-handling-error-representation).
    it('fails the execution with States.DataLimitExceeded when a Lambda returns more than 256 KiB, past Catch States.ALL', async () => {
      f.cloud.registerLambda('big', async () => ({ blob: 'x'.repeat(300 * KIB) }));
      const done = await run('big-result', {
        StartAt: 'Call',
        States: {
          Call: invoke('big', { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }], End: true }),
          Caught: { Type: 'Succeed' },
        },
      });
      expect(done).toMatchObject({
        status: 'FAILED',
        error: 'States.DataLimitExceeded',
        cause:
          "The state/task 'Call' returned a result with a size exceeding the maximum number of bytes service limit.",
      });
      const types = (await historyOf(done.executionArn!)).map((e) => e.type);
      expect(types).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskFailed',
        'ExecutionFailed',
      ]);
    });

    it('names a Lambda resource by its ARN when its result is over 256 KiB', async () => {
      const functionArn = f.cloud.registerLambda('big-direct', async () => 'x'.repeat(300 * KIB));
      const done = await run('big-direct', {
        StartAt: 'Call',
        States: { Call: { Type: 'Task', Resource: functionArn, End: true } },
      });
      expect(done).toMatchObject({
        status: 'FAILED',
        error: 'States.DataLimitExceeded',
        cause: `The state/task '${functionArn}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      });
      const types = (await historyOf(done.executionArn!)).map((e) => e.type);
      expect(types.slice(-2)).toEqual(['LambdaFunctionFailed', 'ExecutionFailed']);
    });

    it('fails the execution when a state output over 256 KiB is built from parts under it (ResultPath)', async () => {
      f.cloud.registerLambda('half', async () => 'y'.repeat(150 * KIB));
      const done = await run(
        'big-output',
        {
          StartAt: 'Call',
          States: {
            Call: invoke('half', {
              Parameters: { FunctionName: 'half' },
              ResultPath: '$.result',
              Next: 'After',
            }),
            After: { Type: 'Pass', End: true },
          },
        },
        { carried: 'z'.repeat(150 * KIB) },
      );
      expect(done).toMatchObject({
        status: 'FAILED',
        error: 'States.DataLimitExceeded',
        cause:
          "The state/task 'Call' has an output with a size exceeding the maximum number of bytes service limit.",
      });
      const types = (await historyOf(done.executionArn!)).map((e) => e.type);
      expect(types).not.toContain('TaskStateExited');
      expect(types).not.toContain('PassStateEntered');
      expect(types[types.length - 1]).toBe('ExecutionFailed');
    });

    it('fails the execution when a task input built by Parameters is over 256 KiB', async () => {
      f.cloud.registerLambda('never', async () => 'unreached');
      const half = 'w'.repeat(140 * KIB);
      const done = await run(
        'big-parameters',
        {
          StartAt: 'Call',
          States: {
            Call: {
              ...invoke('never'),
              Parameters: { FunctionName: 'never', 'a.$': '$.half', 'b.$': '$.half' },
              End: true,
            },
          },
        },
        { half },
      );
      expect(done).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
      expect(done.cause).toContain("'Call' has an input");
      expect((await historyOf(done.executionArn!)).map((e) => e.type)).not.toContain('TaskScheduled');
    });
  });

  describe('causes', () => {
    // ExecutionFailedEventDetails.cause and DescribeExecution's cause are at most 32,768 characters
    // (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ExecutionFailedEventDetails.html).
    it("cuts a Lambda error's cause to 32,768 characters", async () => {
      f.cloud.registerLambda('loud', async () => {
        throw new RangeError('m'.repeat(40_000));
      });
      const done = await run('long-error', {
        StartAt: 'Call',
        States: { Call: invoke('loud', { End: true }) },
      });
      expect(done).toMatchObject({ status: 'FAILED', error: 'RangeError' });
      expect(done.cause).toHaveLength(32_768);
      expect(done.cause!.startsWith('{"errorType":"RangeError","errorMessage":"mmm')).toBe(true);
      const failed = (await historyOf(done.executionArn!)).find((e) => e.type === 'TaskFailed')!;
      expect(failed.taskFailedEventDetails!.cause).toHaveLength(32_768);
    });

    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html (cause: max 32768)
    it('refuses a SendTaskFailure cause over 32,768 characters with a ValidationException, without echoing it', async () => {
      const tooLong = await failure(
        f.sfn.send(new SendTaskFailureCommand({ taskToken: 'token', error: 'E', cause: 'c'.repeat(32_769) })),
      );
      expect(tooLong).toEqual({
        name: 'ValidationException',
        status: 400,
        message:
          "1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to 32768",
      });
      // Within the limits, the call reaches the token, which the local cloud never issued.
      expect(
        await failure(
          f.sfn.send(new SendTaskFailureCommand({ taskToken: 'token', cause: 'c'.repeat(32_768) })),
        ),
      ).toMatchObject({
        name: 'InvalidToken',
      });
    });

    // https://docs.aws.amazon.com/step-functions/latest/apireference/API_StopExecution.html (cause: max 32768)
    it('refuses a StopExecution cause over 32,768 characters, leaving the execution to run on', async () => {
      const { stateMachineArn } = await f.createStateMachine('stoppable', {
        StartAt: 'W',
        States: { W: { Type: 'Wait', Seconds: 60, End: true } },
      });
      const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn }));
      const refused = await failure(
        f.sfn.send(new StopExecutionCommand({ executionArn, cause: 'c'.repeat(32_769) })),
      );
      expect(refused).toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("Value at 'cause'"),
      });
      expect((await f.finished(executionArn!)).status).toBe('SUCCEEDED');
    });

    it("cuts a Fail state's cause from CausePath to 32,768 characters", async () => {
      const done = await run(
        'long-fail',
        { StartAt: 'Fail', States: { Fail: { Type: 'Fail', Error: 'TooLong', CausePath: '$.why' } } },
        { why: 'c'.repeat(50_000) },
      );
      expect(done).toMatchObject({ status: 'FAILED', error: 'TooLong' });
      expect(done.cause).toBe('c'.repeat(32_768));
    });

    it('keeps a cause of exactly 32,768 characters whole', async () => {
      const done = await run(
        'exact-fail',
        { StartAt: 'Fail', States: { Fail: { Type: 'Fail', Error: 'Exact', CausePath: '$.why' } } },
        { why: 'e'.repeat(32_768) },
      );
      expect(done.cause).toBe('e'.repeat(32_768));
    });
  });
});
