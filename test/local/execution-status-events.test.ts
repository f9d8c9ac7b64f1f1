/**
 * The local cloud sends `Step Functions Execution Status Change` events for
 * Standard executions (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html), and the deployer's
 * own recovery rule, loaded from the synthesized template, picks the
 * terminal ones of the deployer up and targets the recovery Lambda.
 */
import { CreateStateMachineCommand, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { deployerFromTemplate, readTemplate } from '../../local/deployer/assembly';
import { CDK_OUT } from '../../local/deployer/synth';
import { localResolver } from '../../local/deployer/triggers';
import { type BusEvent, matchesPattern, rulesFromTemplate } from '../../local/eventbridge';
import {
  EXECUTION_STATUS_CHANGE,
  executionStatusChangeEvent,
  MAX_EVENT_PAYLOAD_BYTES,
} from '../../local/events/execution-status';
import type { ExecutionRecord } from '../../local/stepfunctions';
import { type Fixture, passDefinition, START, startCloud } from './cloud-fixture';

const ACCOUNT = '123456789012';
const DEPLOYER_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:sfn-deployer`;

describe('execution status change events', () => {
  let f: Fixture;

  beforeEach(async () => {
    f = await startCloud();
  });

  afterEach(async () => {
    await f.stop();
  });

  const statusEvents = (executionArn: string) =>
    f.cloud.events.events.filter(
      (event) =>
        event['detail-type'] === EXECUTION_STATUS_CHANGE &&
        (event.detail as { executionArn: string }).executionArn === executionArn,
    ) as (BusEvent & { detail: Record<string, unknown> })[];

  it('sends RUNNING when a Standard execution starts and SUCCEEDED with its output when it ends', async () => {
    // Arrange
    const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('v1'));

    // Act
    const { executionArn } = await f.sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'order-1', input: '{"id":1}' }),
    );
    await f.finished(executionArn!);

    // Assert
    const [running, succeeded, ...more] = statusEvents(executionArn!);
    expect(more).toEqual([]);
    expect(running).toEqual({
      version: '0',
      id: expect.any(String),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: ACCOUNT,
      time: new Date(START).toISOString().replace('.000Z', 'Z'),
      region: 'us-east-1',
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn,
        name: 'order-1',
        status: 'RUNNING',
        startDate: START,
        stopDate: null,
        input: '{"id":1}',
        inputDetails: { included: true },
        output: null,
        outputDetails: null,
      },
    });
    expect(succeeded!.detail).toMatchObject({
      status: 'SUCCEEDED',
      startDate: START,
      stopDate: expect.any(Number),
      output: '{"tag":"v1"}',
      outputDetails: { included: true },
    });
    expect(succeeded!.detail).not.toHaveProperty('error');
  });

  it('names the unqualified state machine for an execution started through an alias', async () => {
    // Arrange
    const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('v1'), { publish: true });
    await f.cloud.stepFunctions.handle('CreateStateMachineAlias', {
      name: 'live',
      routingConfiguration: [{ stateMachineVersionArn: `${stateMachineArn}:1`, weight: 100 }],
    });

    // Act
    const { executionArn } = await f.sfn.send(
      new StartExecutionCommand({ stateMachineArn: `${stateMachineArn}:live` }),
    );
    await f.finished(executionArn!);

    // Assert
    expect(statusEvents(executionArn!).map((event) => event.detail.stateMachineArn)).toEqual([
      stateMachineArn,
      stateMachineArn,
    ]);
  });

  it('sends FAILED with the error and cause', async () => {
    // Arrange
    const { stateMachineArn } = await f.createStateMachine('failing', {
      StartAt: 'Reject',
      States: { Reject: { Type: 'Fail', Error: 'OrderRejected', Cause: 'type B' } },
    });

    // Act
    const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await f.finished(executionArn!);

    // Assert
    expect(statusEvents(executionArn!).at(-1)!.detail).toMatchObject({
      status: 'FAILED',
      error: 'OrderRejected',
      cause: 'type B',
      output: null,
      outputDetails: null,
    });
  });

  it('sends ABORTED when the execution is stopped', async () => {
    // Arrange
    const { stateMachineArn } = await f.createStateMachine('waiting', {
      StartAt: 'Hold',
      States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } },
    });
    // Held, so fast-forward does not jump through the Wait before the stop arrives.
    const hold = f.cloud.clock.hold();
    const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn }));

    // Act
    await f.sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'bad release' }));
    hold.release();
    await f.cloud.stepFunctions.waitForExecution(executionArn!);

    // Assert
    expect(statusEvents(executionArn!).map((event) => event.detail.status)).toEqual(['RUNNING', 'ABORTED']);
    expect(statusEvents(executionArn!)[1]!.detail).toMatchObject({ error: 'Operator', cause: 'bad release' });
  });

  it('sends nothing for an Express execution', async () => {
    // Arrange
    const { stateMachineArn } = await f.sfn.send(
      new CreateStateMachineCommand({
        name: 'express',
        definition: JSON.stringify(passDefinition('x')),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/express`,
        type: 'EXPRESS',
      }),
    );

    // Act
    const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await f.cloud.stepFunctions.waitForExecution(executionArn!);

    // Assert
    expect(statusEvents(executionArn!)).toEqual([]);
  });

  it('delivers the events to a rule with a local Lambda target', async () => {
    // Arrange
    const received: unknown[] = [];
    const functionArn = f.cloud.registerLambda('on-end', (event) => {
      received.push(event);
    });
    const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('v1'));
    f.cloud.events.putRules([
      {
        logicalId: 'OnEnd',
        eventBusName: 'default',
        enabled: true,
        eventPattern: {
          source: ['aws.states'],
          'detail-type': [EXECUTION_STATUS_CHANGE],
          detail: {
            stateMachineArn: [stateMachineArn!],
            status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
          },
        },
        targets: [{ Id: 'Target0', Arn: functionArn }],
      },
    ]);

    // Act
    const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await f.cloud.stepFunctions.waitForExecution(executionArn!);
    await f.cloud.events.idle();

    // Assert
    expect(received).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ executionArn, status: 'SUCCEEDED' }) }),
    ]);
  });
});

describe('executionStatusChangeEvent', () => {
  const execution = (overrides: Partial<ExecutionRecord>): ExecutionRecord =>
    ({
      arn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:orders:big`,
      name: 'big',
      scope: { partition: 'aws', region: 'us-east-1', accountId: ACCOUNT },
      stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:orders`,
      type: 'STANDARD',
      input: '{}',
      startDate: START,
      stopDate: START + 1500,
      status: 'SUCCEEDED',
      output: '{}',
      ...overrides,
    }) as ExecutionRecord;

  it('leaves out an input or output over 248 KB and says so', () => {
    const big = JSON.stringify({ data: 'x'.repeat(MAX_EVENT_PAYLOAD_BYTES) });

    const event = executionStatusChangeEvent(execution({ input: big, output: '{"ok":true}' }))!;

    expect(event.detail).toMatchObject({
      input: null,
      inputDetails: { included: false },
      output: '{"ok":true}',
      outputDetails: { included: true },
      stopDate: START + 1500,
    });
    expect(event.time).toBe(new Date(START + 1000).toISOString().replace('.000Z', 'Z'));
  });
});

describe("the deployer's recovery rule on the local bus", () => {
  const scope = { partition: 'aws', region: 'us-east-1', account: ACCOUNT };
  const template = readTemplate(CDK_OUT);
  const rules = rulesFromTemplate(template as never, localResolver(template, scope, DEPLOYER_ARN));
  const recoverer = deployerFromTemplate(template, scope).functions.find(
    (fn) => fn.step === 'recover-deployments',
  )!;
  const recovery = rules.find((rule) => rule.logicalId.includes('RecoverEndedDeployments'));
  const ended = (status: ExecutionRecord['status'], stateMachineArn = DEPLOYER_ARN) =>
    executionStatusChangeEvent({
      arn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:run-1`,
      name: 'run-1',
      scope: { partition: 'aws', region: 'us-east-1', accountId: ACCOUNT },
      stateMachineArn,
      type: 'STANDARD',
      input: '{}',
      startDate: START,
      stopDate: status === 'RUNNING' ? undefined : START + 1000,
      status,
      output: undefined,
    } as unknown as ExecutionRecord)!;

  it('is in the default template and invokes the local recovery Lambda', () => {
    expect(recovery).toBeDefined();
    expect(recovery!.enabled).toBe(true);
    expect(recovery!.targets.map((target) => target.Arn)).toEqual([recoverer.functionArn]);
    expect(recoverer.functionArn).toBe(
      `arn:aws:lambda:us-east-1:${ACCOUNT}:function:sfn-deployer-recover-deployments`,
    );
  });

  it("matches the deployer's terminal statuses only", () => {
    for (const status of ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const)
      expect(matchesPattern(recovery!.eventPattern!, ended(status))).toBe(true);
    expect(matchesPattern(recovery!.eventPattern!, ended('RUNNING'))).toBe(false);
    expect(
      matchesPattern(
        recovery!.eventPattern!,
        ended('ABORTED', `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:orders`),
      ),
    ).toBe(false);
  });
});
