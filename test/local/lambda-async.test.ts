/**
 * Asynchronous Lambda invocations (an EventBridge rule's Lambda target) on
 * the local cloud, as Lambda handles their errors
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html):
 * two retries, one minute and then two minutes after the failure, then the
 * event is dropped or, with an on-failure destination, sent there as an
 * invocation record
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { EXECUTION_STATUS_CHANGE } from '../../local/events/execution-status';
import { asyncInvokeConfigsFromTemplate } from '../../local/lambda/async-invocations';
import { passDefinition, START, startCloud, type Fixture } from './cloud-fixture';

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:failures';

describe('asynchronous Lambda invocations (conformance with AWS)', () => {
  let f: Fixture;
  beforeEach(async () => (f = await startCloud()));
  afterEach(() => f.stop());

  /** A rule sending every status change of one state machine to `functionArn`; runs one execution and waits for every attempt. */
  async function deliverOneEvent(functionArn: string) {
    const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('v1'));
    f.cloud.events.putRules([
      {
        logicalId: 'OnEnd',
        eventBusName: 'default',
        enabled: true,
        eventPattern: {
          source: ['aws.states'],
          'detail-type': [EXECUTION_STATUS_CHANGE],
          detail: { status: ['SUCCEEDED'] },
        },
        targets: [{ Id: 'Target0', Arn: functionArn }],
      },
    ]);
    const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await f.cloud.stepFunctions.waitForExecution(executionArn!);
    await f.cloud.events.idle();
    await f.cloud.lambdaAsync.idle();
    return executionArn!;
  }

  /** A function that fails its first `failures` attempts, noting when each came. */
  function flaky(name: string, failures = Infinity) {
    const attemptsAt: number[] = [];
    const functionArn = f.cloud.registerLambda(name, () => {
      attemptsAt.push(f.cloud.clock.now() - START);
      if (attemptsAt.length <= failures) throw new TypeError(`attempt ${attemptsAt.length} failed`);
      return 'ok';
    });
    return { functionArn, attemptsAt };
  }

  it('retries a failing event twice, a minute then two minutes later, then sends its record to the on-failure destination', async () => {
    const { functionArn, attemptsAt } = flaky('recover');
    f.cloud.configureAsyncInvoke('recover', { onFailure: QUEUE_ARN });

    const executionArn = await deliverOneEvent(functionArn);

    expect(attemptsAt).toEqual([0, 60_000, 180_000]);
    const records = f.cloud.lambdaAsync.records(QUEUE_ARN);
    expect(records).toEqual([
      {
        version: '1.0',
        timestamp: new Date(START + 180_000).toISOString(),
        requestContext: {
          requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          functionArn: `${functionArn}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
        },
        requestPayload: expect.objectContaining({
          'detail-type': EXECUTION_STATUS_CHANGE,
          detail: expect.objectContaining({ executionArn }),
        }),
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: expect.objectContaining({
          errorType: 'TypeError',
          errorMessage: 'attempt 3 failed',
        }),
      },
    ]);
    // The same records, for tools: GET /_local/lambda/failures.
    const admin = (await (await fetch(`${f.cloud.endpoint}/_local/lambda/failures`)).json()) as {
      destinations: Record<string, unknown[]>;
    };
    expect(admin.destinations[QUEUE_ARN]).toEqual(JSON.parse(JSON.stringify(records)));
  });

  it('drops an event that still fails after its retries when no destination is configured', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const { functionArn, attemptsAt } = flaky('no-destination');

    await deliverOneEvent(functionArn);

    expect(attemptsAt).toEqual([0, 60_000, 180_000]);
    expect(f.cloud.lambdaAsync.destinations.size).toBe(0);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('failed 3 times and was dropped'));
    logged.mockRestore();
  });

  it('stops retrying once an attempt succeeds', async () => {
    const { functionArn, attemptsAt } = flaky('second-time-lucky', 1);
    f.cloud.configureAsyncInvoke(functionArn, { onFailure: QUEUE_ARN });

    await deliverOneEvent(functionArn);

    expect(attemptsAt).toEqual([0, 60_000]);
    expect(f.cloud.lambdaAsync.records(QUEUE_ARN)).toEqual([]);
  });

  it('honours MaximumRetryAttempts and MaximumEventAgeInSeconds (EventAgeExceeded)', async () => {
    const once = flaky('once');
    const young = flaky('young');
    f.cloud.configureAsyncInvoke('once', { maximumRetryAttempts: 0, onFailure: QUEUE_ARN });
    // The second retry would come 3 minutes after the event was queued, past its 2-minute age limit.
    f.cloud.configureAsyncInvoke('young', { maximumEventAgeSeconds: 120, onFailure: `${QUEUE_ARN}-young` });

    await deliverOneEvent(once.functionArn);
    await deliverOneEvent(young.functionArn);

    expect(once.attemptsAt).toEqual([0]);
    expect(f.cloud.lambdaAsync.records(QUEUE_ARN).map((r) => r.requestContext)).toEqual([
      expect.objectContaining({ condition: 'RetriesExhausted', approximateInvokeCount: 1 }),
    ]);
    expect(young.attemptsAt.map((at) => at - young.attemptsAt[0]!)).toEqual([0, 60_000]);
    expect(f.cloud.lambdaAsync.records(`${QUEUE_ARN}-young`).map((r) => r.requestContext)).toEqual([
      expect.objectContaining({ condition: 'EventAgeExceeded', approximateInvokeCount: 2 }),
    ]);
  });

  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-eventinvokeconfig.html
  it('fails when a config is outside what EventInvokeConfig allows, naming the field', () => {
    expect(() => f.cloud.configureAsyncInvoke('fn', { maximumRetryAttempts: 3 })).toThrow(
      'MaximumRetryAttempts of arn:aws:lambda:us-east-1:123456789012:function:fn must be an integer from 0 to 2, got: 3',
    );
    expect(() => f.cloud.configureAsyncInvoke('fn', { maximumEventAgeSeconds: 30 })).toThrow(
      'MaximumEventAgeInSeconds of arn:aws:lambda:us-east-1:123456789012:function:fn must be an integer from 60 to 21600, got: 30',
    );
  });

  it("reads a template's AWS::Lambda::EventInvokeConfig with its references resolved", () => {
    const template = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function' },
        Queue: { Type: 'AWS::SQS::Queue' },
        Config: {
          Type: 'AWS::Lambda::EventInvokeConfig',
          Properties: {
            FunctionName: { Ref: 'Fn' },
            Qualifier: '$LATEST',
            MaximumRetryAttempts: 1,
            MaximumEventAgeInSeconds: 3600,
            DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['Queue', 'Arn'] } } },
          },
        },
      },
    };
    const resolve = (id: string, attribute?: string) =>
      id === 'Fn' && !attribute ? 'my-fn' : `arn:aws:sqs:us-east-1:123456789012:${id}`;
    expect(asyncInvokeConfigsFromTemplate(template, resolve)).toEqual([
      {
        functionName: 'my-fn',
        config: {
          maximumRetryAttempts: 1,
          maximumEventAgeSeconds: 3600,
          onFailure: 'arn:aws:sqs:us-east-1:123456789012:Queue',
        },
      },
    ]);
  });
});
