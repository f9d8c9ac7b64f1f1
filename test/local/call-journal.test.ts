/**
 * The local cloud's call journal: every AWS call it serves, with the virtual
 * time it arrived at, its input, who made it and the error it was answered
 * with, in process and over the admin API; bounded to the newest calls.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CallLog, type JournalEntry } from '../../local/wire/faults';
import { type Fixture, passDefinition, START, startCloud } from './cloud-fixture';

describe('the call journal', () => {
  let fx: Fixture;

  beforeEach(async () => {
    fx = await startCloud();
  });

  afterEach(async () => {
    await fx.stop();
  });

  it('records each call with its target, operation, input and virtual time, oldest first', async () => {
    // Arrange
    const created = await fx.createStateMachine('journaled', passDefinition('one'));

    // Act
    await fx.cloud.clock.advance(90_000);
    await fx.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));

    // Assert
    const journal = fx.cloud.calls.journal();
    expect(journal.map((entry) => entry.operation)).toEqual(['CreateStateMachine', 'DescribeStateMachine']);
    expect(journal[0]).toMatchObject({
      seq: 1,
      atMs: START,
      target: 'AWSStepFunctions',
      input: { name: 'journaled', roleArn: expect.stringContaining(':role/') },
    });
    expect(journal[1]).toEqual({
      seq: 2,
      atMs: START + 90_000,
      target: 'AWSStepFunctions',
      operation: 'DescribeStateMachine',
      input: { stateMachineArn: created.stateMachineArn },
    });
  });

  it('records the error code of a failed call, injected or the service’s own', async () => {
    // Arrange
    fx.cloud.faults.inject({ operation: 'ListStateMachines', error: 'ServiceUnavailable' });

    // Act
    await fx.sfn.send(new ListStateMachinesCommand({})).catch(() => undefined);
    await fx.sfn
      .send(
        new DescribeStateMachineCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:nope',
        }),
      )
      .catch(() => undefined);
    await fx.sfn.send(new ListStateMachinesCommand({}));

    // Assert
    expect(fx.cloud.calls.journal().map(({ operation, error }) => ({ operation, error }))).toEqual([
      { operation: 'ListStateMachines', error: 'ServiceUnavailable' },
      { operation: 'DescribeStateMachine', error: 'StateMachineDoesNotExist' },
      { operation: 'ListStateMachines', error: undefined },
    ]);
  });

  it('names the local Lambda that made a call and its execution role', async () => {
    // Arrange: a function that reads alarms, run by a state machine.
    const functionArn = 'arn:aws:lambda:us-east-1:123456789012:function:reader';
    const roleArn = 'arn:aws:iam::123456789012:role/reader-role';
    const cloudWatch = new CloudWatchClient({
      endpoint: fx.cloud.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    fx.cloud.registerLambda(
      functionArn,
      async () => {
        await cloudWatch.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-errors'] }));
        return {};
      },
      { roleArn },
    );
    const machine = await fx.createStateMachine('reads-alarms', {
      StartAt: 'Read',
      States: { Read: { Type: 'Task', Resource: functionArn, End: true } },
    });

    try {
      // Act
      const started = await fx.sfn.send(
        new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn }),
      );
      await fx.finished(started.executionArn!);

      // Assert
      const [read] = fx.cloud.calls.journal({ operation: 'DescribeAlarms' });
      expect(read).toMatchObject({
        target: 'GraniteServiceVersion20100801',
        input: { AlarmNames: ['orders-errors'] },
        caller: { functionArn, roleArn },
      });
      expect(fx.cloud.calls.journal({ operation: 'StartExecution' })[0]).not.toHaveProperty('caller');
    } finally {
      cloudWatch.destroy();
    }
  });

  it('filters by operation, with or without its target prefix, and by time', async () => {
    // Arrange
    await fx.sfn.send(new ListStateMachinesCommand({}));
    await fx.cloud.clock.advance(60_000);
    await fx.sfn.send(new ListStateMachinesCommand({}));
    await fx.createStateMachine('later', passDefinition('two'));

    // Act
    const byName = fx.cloud.calls.journal({ operation: 'ListStateMachines' });
    const byTarget = fx.cloud.calls.journal({ operation: 'AWSStepFunctions.ListStateMachines' });
    const recent = fx.cloud.calls.journal({ sinceMs: START + 60_000 });

    // Assert
    expect(byName.map((entry) => entry.seq)).toEqual([1, 2]);
    expect(byTarget).toEqual(byName);
    expect(recent.map((entry) => entry.operation)).toEqual(['ListStateMachines', 'CreateStateMachine']);
  });

  it('is served at GET /_local/calls/journal and emptied with the counts by DELETE /_local/calls', async () => {
    // Arrange
    await fx.sfn.send(new ListStateMachinesCommand({}));

    // Act
    const served = (await (await fetch(`${fx.cloud.endpoint}/_local/calls/journal`)).json()) as {
      journal: JournalEntry[];
    };
    await fetch(`${fx.cloud.endpoint}/_local/calls`, { method: 'DELETE' });

    // Assert
    expect(served.journal).toEqual([
      { seq: 1, atMs: START, target: 'AWSStepFunctions', operation: 'ListStateMachines', input: {} },
    ]);
    expect(fx.cloud.calls.journal()).toEqual([]);
    await fx.sfn.send(new ListStateMachinesCommand({}));
    expect(fx.cloud.calls.journal().map((entry) => entry.seq)).toEqual([2]);
  });
});

describe('the journal’s bound', () => {
  it('keeps the newest calls only, in order, counting all of them', () => {
    // Arrange
    let now = 0;
    const log = new CallLog(
      () => now,
      () => undefined,
      3,
    );

    // Act
    for (const operation of ['A', 'B', 'C', 'D', 'E']) {
      now += 1000;
      log.record('Svc', operation);
    }

    // Assert
    expect(log.journal().map((entry) => `${entry.operation}@${entry.atMs}`)).toEqual([
      'C@3000',
      'D@4000',
      'E@5000',
    ]);
    expect(log.journal().map((entry) => entry.seq)).toEqual([3, 4, 5]);
    expect(log.count('A')).toBe(1);
  });

  it('refuses a bound that is not a positive integer, naming it', () => {
    expect(() => new CallLog(Date.now, () => undefined, 0)).toThrow('limit must be an integer >= 1, got: 0');
  });
});
