import {
  CreateStateMachineAliasCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  PublishStateMachineVersionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { MetricDatum } from '../../local/wire/service';
import { failure, passDefinition, START, startCloud, type Fixture } from './cloud-fixture';

const HOUR = 3_600_000;
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

class CustomError extends Error {
  override name = 'CustomError';
}

/** Wait → check (Lambda) → Choice, looping `n` times: the deployer's poll loop. */
const pollLoop = (functionName: string) => ({
  StartAt: 'Wait',
  States: {
    Wait: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Check' },
    Check: {
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: functionName, 'Payload.$': '$' },
      OutputPath: '$.Payload',
      Next: 'Done?',
    },
    'Done?': {
      Type: 'Choice',
      Choices: [{ Variable: '$.left', NumericGreaterThan: 0, Next: 'Wait' }],
      Default: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
});

describe('Step Functions executions (conformance with AWS)', () => {
  let f: Fixture;
  afterEach(() => f.stop());

  const start = async (stateMachineArn: string, input: object = {}, name?: string) =>
    f.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }));
  const historyOf = async (executionArn: string) => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await f.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }),
      );
      events.push(...page.events!);
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };
  const types = (events: HistoryEvent[]) => events.map((e) => e.type);

  describe('on the virtual clock', () => {
    beforeEach(async () => (f = await startCloud()));

    it('finishes a 1-hour Wait in milliseconds, with start and stop an hour apart', async () => {
      const { stateMachineArn } = await f.createStateMachine('waiter', {
        StartAt: 'Wait',
        States: {
          Wait: { Type: 'Wait', Seconds: 3600, Next: 'Times' },
          Times: {
            Type: 'Pass',
            Parameters: {
              'started.$': '$$.Execution.StartTime',
              'entered.$': '$$.State.EnteredTime',
              'id.$': '$$.Execution.Id',
            },
            End: true,
          },
        },
      });
      const realStart = Date.now();
      const { executionArn } = await start(stateMachineArn!);
      const done = await f.finished(executionArn!);
      expect(Date.now() - realStart).toBeLessThan(1000);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.startDate!.getTime()).toBe(START);
      expect(done.stopDate!.getTime() - done.startDate!.getTime()).toBe(HOUR);
      expect(JSON.parse(done.output!)).toEqual({
        started: new Date(START).toISOString(),
        entered: new Date(START + HOUR).toISOString(),
        id: executionArn,
      });
    });

    it('times an execution out after TimeoutSeconds with States.Timeout', async () => {
      const { stateMachineArn } = await f.createStateMachine('slow', {
        TimeoutSeconds: 60,
        StartAt: 'Wait',
        States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } },
      });
      const { executionArn } = await start(stateMachineArn!);
      const done = await f.finished(executionArn!);
      expect(done).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
      expect(done.stopDate!.getTime() - done.startDate!.getTime()).toBe(60_000);
      expect(types(await historyOf(executionArn!))).toEqual([
        'ExecutionStarted',
        'WaitStateEntered',
        'ExecutionTimedOut',
      ]);
    });

    it('keeps a TimeoutSeconds beyond 24.8 days from failing the run at once', async () => {
      const { stateMachineArn } = await f.createStateMachine('year', {
        TimeoutSeconds: 31_536_000,
        StartAt: 'Wait',
        States: { Wait: { Type: 'Wait', Seconds: 30 * 86_400, End: true } },
      });
      const done = await f.finished((await start(stateMachineArn!)).executionArn!);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.stopDate!.getTime() - START).toBe(30 * 86_400_000);
    });
  });

  describe('history', () => {
    beforeEach(async () => (f = await startCloud()));

    it('costs 9 events per Wait → Lambda → Choice iteration, as AWS counts', async () => {
      f.cloud.registerLambda('check', async (event) => {
        const e = event as { left: number; waitSeconds: number };
        return { ...e, left: e.left - 1 };
      });
      const { stateMachineArn } = await f.createStateMachine('poll', pollLoop('check'));
      const { executionArn } = await start(stateMachineArn!, { left: 3, waitSeconds: 60 });
      const done = await f.finished(executionArn!);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.stopDate!.getTime() - START).toBe(3 * 60_000);
      const events = await historyOf(executionArn!);
      const iteration = [
        'WaitStateEntered',
        'WaitStateExited',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSucceeded',
        'TaskStateExited',
        'ChoiceStateEntered',
        'ChoiceStateExited',
      ];
      expect(types(events)).toEqual([
        'ExecutionStarted',
        ...iteration,
        ...iteration,
        ...iteration,
        'SucceedStateEntered',
        'SucceedStateExited',
        'ExecutionSucceeded',
      ]);
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(events[4]).toMatchObject({
        type: 'TaskScheduled',
        taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1' },
      });
      expect(JSON.parse(events[4]!.taskScheduledEventDetails!.parameters!)).toEqual({
        FunctionName: 'check',
        Payload: { left: 3, waitSeconds: 60 },
      });
      expect(events[2]!.timestamp!.getTime() - events[1]!.timestamp!.getTime()).toBe(60_000);
    });

    it('reads backwards and in pages', async () => {
      const { stateMachineArn } = await f.createStateMachine('pass', passDefinition('x'));
      const { executionArn } = await start(stateMachineArn!);
      await f.finished(executionArn!);
      const reversed = await f.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }),
      );
      expect(types(reversed.events!)).toEqual(['ExecutionSucceeded', 'PassStateExited']);
      const rest = await f.sfn.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, nextToken: reversed.nextToken }),
      );
      expect(types(rest.events!)).toEqual(['PassStateEntered', 'ExecutionStarted']);
      expect(rest.nextToken).toBeUndefined();
    });
  });

  describe('the history quota', () => {
    const endless = {
      StartAt: 'Ping',
      States: {
        Ping: { Type: 'Pass', Next: 'Pong' },
        Pong: {
          Type: 'Choice',
          Choices: [{ Variable: '$.stop', IsPresent: true, Next: 'Done' }],
          Default: 'Ping',
        },
        Done: { Type: 'Succeed' },
      },
    };

    it('fails an execution whose history would exceed the limit', async () => {
      f = await startCloud({ historyLimit: 50 });
      const { stateMachineArn } = await f.createStateMachine('endless', endless);
      const done = await f.finished((await start(stateMachineArn!)).executionArn!);
      expect(done).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
      const events = await historyOf(done.executionArn!);
      expect(events).toHaveLength(50);
      expect(events[49]).toMatchObject({ id: 50, type: 'ExecutionFailed' });
    });

    it('lets the execution succeed when event number limit is ExecutionSucceeded', async () => {
      // ExecutionStarted + 2 per Pass + ExecutionSucceeded: 3 Pass states make exactly 8 events.
      f = await startCloud({ historyLimit: 8 });
      const { stateMachineArn } = await f.createStateMachine('fits', {
        StartAt: 'A',
        States: {
          A: { Type: 'Pass', Next: 'B' },
          B: { Type: 'Pass', Next: 'C' },
          C: { Type: 'Pass', End: true },
        },
      });
      const done = await f.finished((await start(stateMachineArn!)).executionArn!);
      expect(done.status).toBe('SUCCEEDED');
      expect(await historyOf(done.executionArn!)).toHaveLength(8);
    });

    it('enforces the real limit of 25,000 events', async () => {
      f = await startCloud();
      const { stateMachineArn } = await f.createStateMachine('endless', endless);
      const done = await f.finished((await start(stateMachineArn!)).executionArn!);
      expect(done.status).toBe('FAILED');
      const history = f.cloud.stepFunctions.execution(done.executionArn!)!.history;
      expect(history.length).toBe(25_000);
      expect(history.at(24_999)!.type).toBe('ExecutionFailed');
      // Paged both ways through the compressed chunks the log keeps them in, every event once, in order.
      const ids = (events: { id?: number }[]) => events.map((event) => event.id);
      const ascending = await historyOf(done.executionArn!);
      expect(ids(ascending)).toEqual(Array.from({ length: 25_000 }, (_, i) => i + 1));
      const descending: { id?: number }[] = [];
      let nextToken: string | undefined;
      do {
        const page = await f.sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: done.executionArn,
            reverseOrder: true,
            maxResults: 999,
            nextToken,
          }),
        );
        descending.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      expect(ids(descending)).toEqual(Array.from({ length: 25_000 }, (_, i) => 25_000 - i));
    });
  });

  describe('Lambda tasks', () => {
    beforeEach(async () => (f = await startCloud()));

    it('catches a Lambda error by its class name, with Lambda’s error JSON as cause', async () => {
      f.cloud.registerLambda('arn:aws:lambda:us-east-1:123456789012:function:flaky', async () => {
        throw new CustomError('it broke');
      });
      const { stateMachineArn } = await f.createStateMachine('catching', {
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: LAMBDA_INVOKE,
            Parameters: {
              FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:flaky:live',
              Payload: {},
            },
            Catch: [{ ErrorEquals: ['CustomError'], ResultPath: '$.error', Next: 'Handled' }],
            Next: 'Handled',
          },
          Handled: { Type: 'Pass', End: true },
        },
      });
      const done = await f.finished((await start(stateMachineArn!)).executionArn!);
      expect(done.status).toBe('SUCCEEDED');
      const { error } = JSON.parse(done.output!) as { error: { Error: string; Cause: string } };
      expect(error.Error).toBe('CustomError');
      expect(JSON.parse(error.Cause)).toMatchObject({
        errorType: 'CustomError',
        errorMessage: 'it broke',
        trace: expect.any(Array),
      });
      expect(types(await historyOf(done.executionArn!))).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskFailed',
        'TaskStateExited',
        'PassStateEntered',
        'PassStateExited',
        'ExecutionSucceeded',
      ]);
    });

    it('retries with back-off on the virtual clock, 3 events per retry', async () => {
      let calls = 0;
      f.cloud.registerLambda('flaky', async (_event, context) => {
        expect(context).toMatchObject({ functionName: 'flaky', awsRequestId: expect.any(String) });
        expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
        if (++calls < 3) throw new CustomError(`attempt ${calls}`);
        return { calls };
      });
      const { stateMachineArn } = await f.createStateMachine('retrying', {
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: LAMBDA_INVOKE,
            Parameters: { FunctionName: 'flaky' },
            Retry: [{ ErrorEquals: ['CustomError'], IntervalSeconds: 10, BackoffRate: 3, MaxAttempts: 5 }],
            End: true,
          },
        },
      });
      const done = await f.finished((await start(stateMachineArn!)).executionArn!);
      expect(JSON.parse(done.output!)).toMatchObject({
        Payload: { calls: 3 },
        StatusCode: 200,
        ExecutedVersion: '$LATEST',
      });
      const events = await historyOf(done.executionArn!);
      expect(types(events)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskFailed',
        'TaskScheduled',
        'TaskStarted',
        'TaskFailed',
        'TaskScheduled',
        'TaskStarted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
      const scheduled = events
        .filter((e) => e.type === 'TaskScheduled')
        .map((e) => e.timestamp!.getTime() - START);
      expect(scheduled).toEqual([0, 10_000, 40_000]);
    });

    it('passes the payload straight through for a bare Lambda ARN resource', async () => {
      f.cloud.registerLambda('double', async (event) => ({ value: (event as { value: number }).value * 2 }));
      const { stateMachineArn } = await f.createStateMachine('legacy', {
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:123456789012:function:double',
            End: true,
          },
        },
      });
      const done = await f.finished((await start(stateMachineArn!, { value: 21 })).executionArn!);
      expect(JSON.parse(done.output!)).toEqual({ value: 42 });
      expect(types(await historyOf(done.executionArn!))).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'LambdaFunctionScheduled',
        'LambdaFunctionStarted',
        'LambdaFunctionSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
    });

    it('fails with Lambda.ResourceNotFoundException for an unregistered function', async () => {
      const { stateMachineArn } = await f.createStateMachine('missing', {
        StartAt: 'Call',
        States: {
          Call: { Type: 'Task', Resource: LAMBDA_INVOKE, Parameters: { FunctionName: 'ghost' }, End: true },
        },
      });
      const done = await f.finished((await start(stateMachineArn!)).executionArn!);
      expect(done).toMatchObject({ status: 'FAILED', error: 'Lambda.ResourceNotFoundException' });
      expect(done.cause).toContain('function:ghost');
      expect(types(await historyOf(done.executionArn!)).slice(-2)).toEqual(['TaskFailed', 'ExecutionFailed']);
    });
  });

  describe('states:startExecution', () => {
    beforeEach(async () => (f = await startCloud()));

    const parentOf = (resource: string, childArn: string, extra: object = {}) => ({
      StartAt: 'Child',
      States: {
        Child: {
          Type: 'Task',
          Resource: resource,
          Parameters: { StateMachineArn: childArn, Input: { 'value.$': '$.value' } },
          End: true,
          ...extra,
        },
      },
    });

    it('.sync:2 waits for the child and returns its description with Output parsed', async () => {
      const child = await f.createStateMachine('child', {
        StartAt: 'Wait',
        States: { Wait: { Type: 'Wait', Seconds: 600, Next: 'Echo' }, Echo: { Type: 'Pass', End: true } },
      });
      const parent = await f.createStateMachine(
        'parent',
        parentOf('arn:aws:states:::states:startExecution.sync:2', child.stateMachineArn!),
      );
      const done = await f.finished((await start(parent.stateMachineArn!, { value: 7 })).executionArn!);
      expect(done.status).toBe('SUCCEEDED');
      const output = JSON.parse(done.output!);
      expect(output).toMatchObject({
        Status: 'SUCCEEDED',
        Output: { value: 7 },
        Input: { value: 7 },
        StateMachineArn: child.stateMachineArn,
      });
      expect(done.stopDate!.getTime() - START).toBe(600_000);
      expect(types(await historyOf(done.executionArn!))).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'TaskScheduled',
        'TaskStarted',
        'TaskSubmitted',
        'TaskSucceeded',
        'TaskStateExited',
        'ExecutionSucceeded',
      ]);
    });

    it('.sync returns the child Output as a string', async () => {
      const child = await f.createStateMachine('child', passDefinition('c'));
      const parent = await f.createStateMachine(
        'parent',
        parentOf('arn:aws:states:::states:startExecution.sync', child.stateMachineArn!),
      );
      const done = await f.finished((await start(parent.stateMachineArn!, { value: 1 })).executionArn!);
      expect(JSON.parse(done.output!).Output).toBe('{"tag":"c"}');
    });

    it('fails the parent with States.TaskFailed and the child description as cause', async () => {
      const child = await f.createStateMachine('child', {
        StartAt: 'Boom',
        States: { Boom: { Type: 'Fail', Error: 'Bad', Cause: 'bad input' } },
      });
      const parent = await f.createStateMachine(
        'parent',
        parentOf('arn:aws:states:::states:startExecution.sync:2', child.stateMachineArn!),
      );
      const done = await f.finished((await start(parent.stateMachineArn!, { value: 1 })).executionArn!);
      expect(done).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
      expect(JSON.parse(done.cause!)).toMatchObject({ Status: 'FAILED', Error: 'Bad', Cause: 'bad input' });
    });

    it('stops the child when the parent is stopped', async () => {
      await f.stop();
      f = await startCloud({ fastForward: false, speed: 0 });
      const child = await f.createStateMachine('child', {
        StartAt: 'Wait',
        States: { Wait: { Type: 'Wait', Seconds: 60, End: true } },
      });
      const parent = await f.createStateMachine(
        'parent',
        parentOf('arn:aws:states:::states:startExecution.sync:2', child.stateMachineArn!),
      );
      const { executionArn } = await start(parent.stateMachineArn!, { value: 1 });
      const children = await f.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: child.stateMachineArn }),
      );
      expect(children.executions).toHaveLength(1);
      await f.sfn.send(new StopExecutionCommand({ executionArn }));
      const stoppedChild = await f.finished(children.executions![0]!.executionArn!);
      expect(stoppedChild.status).toBe('ABORTED');
    });

    it('request-response returns the child ARN at once', async () => {
      const child = await f.createStateMachine('child', passDefinition('c'));
      const parent = await f.createStateMachine(
        'parent',
        parentOf('arn:aws:states:::states:startExecution', child.stateMachineArn!),
      );
      const done = await f.finished((await start(parent.stateMachineArn!, { value: 1 })).executionArn!);
      expect(JSON.parse(done.output!)).toEqual({
        ExecutionArn: expect.stringContaining(':execution:child:'),
        StartDate: START,
      });
    });

    it('times out a Task after its TimeoutSeconds on the virtual clock', async () => {
      const child = await f.createStateMachine('child', {
        StartAt: 'Wait',
        States: { Wait: { Type: 'Wait', Seconds: 3600, End: true } },
      });
      const parent = await f.createStateMachine(
        'parent',
        parentOf('arn:aws:states:::states:startExecution.sync:2', child.stateMachineArn!, {
          TimeoutSeconds: 30,
        }),
      );
      const done = await f.finished((await start(parent.stateMachineArn!, { value: 1 })).executionArn!);
      expect(done).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
      expect(done.stopDate!.getTime() - START).toBe(30_000);
      expect(types(await historyOf(done.executionArn!)).slice(-2)).toEqual([
        'TaskTimedOut',
        'ExecutionFailed',
      ]);
    });
  });

  describe('StopExecution', () => {
    it('aborts a running execution with the given error and cause', async () => {
      f = await startCloud({ fastForward: false, speed: 0 });
      const { stateMachineArn } = await f.createStateMachine('waiter', {
        StartAt: 'Wait',
        States: { Wait: { Type: 'Wait', Seconds: 60, End: true } },
      });
      const { executionArn } = await start(stateMachineArn!);
      await f.sfn.send(
        new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by hand' }),
      );
      const done = await f.finished(executionArn!);
      expect(done).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'stopped by hand' });
      const events = await historyOf(executionArn!);
      expect(types(events)).toEqual(['ExecutionStarted', 'WaitStateEntered', 'ExecutionAborted']);
      expect(events[2]!.executionAbortedEventDetails).toEqual({
        error: 'Operator',
        cause: 'stopped by hand',
      });
      expect(f.cloud.clock.pendingWakeUps()).toEqual([]);
    });
  });

  describe('starting through versions and aliases', () => {
    let arn: string;
    let v1: string;
    let v2: string;
    let metrics: MetricDatum[];
    beforeEach(async () => {
      f = await startCloud();
      metrics = [];
      f.cloud.stepFunctions.metrics = { putMetric: (datum) => metrics.push(datum) };
      arn = (await f.createStateMachine('orders', passDefinition('v1'), { publish: true })).stateMachineArn!;
      v1 = `${arn}:1`;
      await f.sfn.send(
        new UpdateStateMachineCommand({
          stateMachineArn: arn,
          definition: JSON.stringify(passDefinition('v2')),
        }),
      );
      v2 = (await f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn: arn })))
        .stateMachineVersionArn!;
    });

    it('records the alias and the version it picked, and splits traffic by weight', async () => {
      const { stateMachineAliasArn } = await f.sfn.send(
        new CreateStateMachineAliasCommand({
          name: 'live',
          routingConfiguration: [
            { stateMachineVersionArn: v1, weight: 30 },
            { stateMachineVersionArn: v2, weight: 70 },
          ],
        }),
      );
      const starts = 1000;
      const arns: string[] = [];
      for (let batch = 0; batch < starts / 50; batch++) {
        const out = await Promise.all(Array.from({ length: 50 }, () => start(stateMachineAliasArn!)));
        arns.push(...out.map((o) => o.executionArn!));
      }
      const described = [];
      for (let batch = 0; batch < starts; batch += 50) {
        described.push(...(await Promise.all(arns.slice(batch, batch + 50).map((a) => f.finished(a)))));
      }
      const onV1 = described.filter((d) => d.stateMachineVersionArn === v1);
      expect(onV1.length / starts).toBeGreaterThan(0.25);
      expect(onV1.length / starts).toBeLessThan(0.35);
      expect(
        described.every((d) => d.stateMachineAliasArn === stateMachineAliasArn && d.stateMachineArn === arn),
      ).toBe(true);
      expect(onV1.every((d) => JSON.parse(d.output!).tag === 'v1')).toBe(true);

      const listed = await f.sfn.send(new ListExecutionsCommand({ stateMachineArn: v1, maxResults: 1000 }));
      expect(listed.executions).toHaveLength(onV1.length);
      const byAlias = await f.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: stateMachineAliasArn, maxResults: 1000 }),
      );
      expect(byAlias.executions).toHaveLength(starts);

      const started = metrics.filter((m) => m.metricName === 'ExecutionsStarted');
      expect(started.filter((m) => m.dimensions.Alias === 'live')).toHaveLength(starts);
      expect(started.filter((m) => m.dimensions.Version === '1')).toHaveLength(onV1.length);
      expect(
        started.filter((m) => Object.keys(m.dimensions).length === 1 && m.dimensions.StateMachineArn === arn),
      ).toHaveLength(starts);
    });

    it('records only the version for a version start, and emits per-version metrics', async () => {
      const { executionArn } = await start(v1);
      const done = await f.finished(executionArn!);
      expect(done.stateMachineVersionArn).toBe(v1);
      expect(done.stateMachineAliasArn).toBeUndefined();
      expect(JSON.parse(done.output!)).toEqual({ tag: 'v1' });
      expect(metrics.map((m) => [m.metricName, m.dimensions, m.value, m.namespace, m.timestampMs])).toEqual([
        ['ExecutionsStarted', { StateMachineArn: arn }, 1, 'AWS/States', START],
        ['ExecutionsStarted', { StateMachineArn: arn, Version: '1' }, 1, 'AWS/States', START],
        ['ExecutionsSucceeded', { StateMachineArn: arn }, 1, 'AWS/States', START],
        ['ExecutionsSucceeded', { StateMachineArn: arn, Version: '1' }, 1, 'AWS/States', START],
        ['ExecutionTime', { StateMachineArn: arn }, 0, 'AWS/States', START],
        ['ExecutionTime', { StateMachineArn: arn, Version: '1' }, 0, 'AWS/States', START],
      ]);
    });

    it('runs the latest revision for an unqualified start, associated with no version', async () => {
      const done = await f.finished((await start(arn)).executionArn!);
      expect(JSON.parse(done.output!)).toEqual({ tag: 'v2' });
      expect(done.stateMachineVersionArn).toBeUndefined();
    });

    it('applies execution name idempotency', async () => {
      const first = await start(arn, { a: 1 }, 'once');
      await f.finished(first.executionArn!);
      expect(await failure(start(arn, { a: 1 }, 'once'))).toEqual({
        name: 'ExecutionAlreadyExists',
        status: 400,
        message: `Execution Already Exists: '${first.executionArn}'`,
      });
      expect(await failure(start(arn, {}, 'bad name'))).toMatchObject({
        name: 'InvalidName',
        message: "Invalid Name: 'bad name'",
      });
      expect(
        await failure(f.sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: '{nope' }))),
      ).toMatchObject({
        name: 'InvalidExecutionInput',
      });
    });

    it('filters executions by status and pages them newest first', async () => {
      for (let i = 0; i < 3; i++) await f.finished((await start(arn, {}, `run-${i}`)).executionArn!);
      const page1 = await f.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'SUCCEEDED', maxResults: 2 }),
      );
      const page2 = await f.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: arn,
          statusFilter: 'SUCCEEDED',
          maxResults: 2,
          nextToken: page1.nextToken,
        }),
      );
      expect([...page1.executions!, ...page2.executions!].map((e) => e.name)).toEqual([
        'run-2',
        'run-1',
        'run-0',
      ]);
      const running = await f.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING' }),
      );
      expect(running.executions).toEqual([]);
    });
  });
});
