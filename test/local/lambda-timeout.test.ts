/**
 * A local Lambda runs at most its function's timeout, on virtual time, and
 * Step Functions reports one that runs longer as Lambda does: error
 * `Sandbox.Timedout`, cause Lambda's error payload ending "Task timed out
 * after N.00 seconds"
 * (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts,
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
 */
import { GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { START, startCloud, type Fixture } from './cloud-fixture';

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Lambda timeouts (conformance with AWS)', () => {
  let f: Fixture;
  beforeEach(async () => (f = await startCloud()));
  afterEach(() => f.stop());

  const run = async (name: string, states: Record<string, unknown>, startAt = 'Call') => {
    const { stateMachineArn } = await f.createStateMachine(name, { StartAt: startAt, States: states });
    const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{}' }));
    return f.finished(executionArn!);
  };
  const call = (functionName: string, extra: object = {}) => ({
    Type: 'Task',
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: functionName },
    ...extra,
  });

  it('fails a task whose Lambda runs past its timeout with Sandbox.Timedout, at the timeout in virtual time', async () => {
    let finishedLate = false;
    f.cloud.registerLambda(
      'slow',
      async () => {
        await sleep(10_000);
        finishedLate = true;
        return 'late';
      },
      { timeoutSeconds: 3 },
    );

    const done = await run('times-out', { Call: call('slow', { End: true }) });

    expect(done).toMatchObject({ status: 'FAILED', error: 'Sandbox.Timedout' });
    expect(JSON.parse(done.cause!)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(
        /^RequestId: [0-9a-f-]{36} Error: Task timed out after 3\.00 seconds$/,
      ),
    });
    expect(done.stopDate!.getTime() - START).toBe(3000);
    const events = (await f.sfn.send(new GetExecutionHistoryCommand({ executionArn: done.executionArn })))
      .events!;
    expect(events.find((e) => e.type === 'TaskFailed')!.taskFailedEventDetails).toMatchObject({
      error: 'Sandbox.Timedout',
      resourceType: 'lambda',
      resource: 'invoke',
    });
    // The sandbox is gone: the handler's pending timer never fires, however long the cloud runs on.
    await f.cloud.clock.sleep(60_000);
    expect(finishedLate).toBe(false);
  });

  // A Lambda's timeout is its error, not the state's TimeoutSeconds: States.Timeout does not match it.
  it('lets Retry and Catch handle Sandbox.Timedout like any Lambda error', async () => {
    let attempts = 0;
    f.cloud.registerLambda(
      'sometimes-slow',
      async () => {
        attempts++;
        await sleep(attempts === 1 ? 5_000 : 500);
        return { attempts };
      },
      { timeoutSeconds: 1 },
    );
    f.cloud.registerLambda('always-slow', () => sleep(120_000), { timeoutSeconds: 60 });

    const retried = await run('retried', {
      Call: call('sometimes-slow', {
        Retry: [{ ErrorEquals: ['Sandbox.Timedout'], IntervalSeconds: 2, MaxAttempts: 1 }],
        OutputPath: '$.Payload',
        End: true,
      }),
    });
    const caught = await run('caught', {
      Call: call('always-slow', {
        Catch: [
          { ErrorEquals: ['States.Timeout'], Next: 'Failed' },
          { ErrorEquals: ['Sandbox.Timedout'], Next: 'TimedOut' },
        ],
        End: true,
      }),
      Failed: { Type: 'Fail', Error: 'Wrong' },
      TimedOut: { Type: 'Succeed' },
    });

    expect(retried).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ attempts: 2 }) });
    expect(retried.stopDate!.getTime() - retried.startDate!.getTime()).toBe(1000 + 2000 + 500);
    expect(caught.status).toBe('SUCCEEDED');
  });

  it('runs a Lambda that finishes within its timeout to the end, reporting the time left', async () => {
    f.cloud.registerLambda(
      'quick',
      async (_event, context) => {
        await sleep(2_000);
        return { leftMs: context.getRemainingTimeInMillis() };
      },
      { timeoutSeconds: 3 },
    );
    const done = await run('in-time', { Call: call('quick', { OutputPath: '$.Payload', End: true }) });
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify({ leftMs: 1000 }) });
  });
});
