/**
 * A local Lambda's timers run on the virtual clock: an SDK backoff inside a
 * handler lets virtual time pass (so token buckets refill) instead of
 * stalling the run in real time, and the clock stays busy while it works.
 */
import { CreateStateMachineCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { LocalCloud } from '../../local';
import { CONNECTION_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../lambda/shared/clients';

const START = Date.parse('2026-03-02T09:00:00Z');

describe('timers of a local Lambda', () => {
  let cloud: LocalCloud;

  beforeEach(async () => {
    cloud = await LocalCloud.start({ fastForward: true, startMs: START });
  });

  afterEach(async () => {
    await cloud.stop();
  });

  /** Runs a one-Task state machine on `fn` and resolves with the execution's output. */
  async function runTask(fn: () => Promise<unknown>): Promise<unknown> {
    const functionArn = cloud.registerLambda('task', fn);
    const sfn = new SFNClient({
      endpoint: cloud.endpoint,
      region: cloud.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const { stateMachineArn } = await sfn.send(
        new CreateStateMachineCommand({
          name: 'timers',
          roleArn: `arn:aws:iam::${cloud.accountId}:role/timers`,
          definition: JSON.stringify({
            StartAt: 'Run',
            States: { Run: { Type: 'Task', Resource: functionArn, End: true } },
          }),
        }),
      );
      const { executionArn } = (await cloud.stepFunctions.handle('StartExecution', { stateMachineArn })) as {
        executionArn: string;
      };
      const execution = await cloud.stepFunctions.waitForExecution(executionArn);
      expect(execution.status).toBe('SUCCEEDED');
      return JSON.parse(execution.output!);
    } finally {
      sfn.destroy();
    }
  }

  it('waits on virtual time: ten virtual minutes pass in well under a real second', async () => {
    const realStart = Date.now();

    const output = await runTask(async () => {
      const before = cloud.clock.now();
      await new Promise((resolve) => setTimeout(resolve, 10 * 60_000));
      return { waitedMs: cloud.clock.now() - before };
    });

    expect(output).toEqual({ waitedMs: 10 * 60_000 });
    expect(Date.now() - realStart).toBeLessThan(5_000);
  });

  it('never fires a cleared timer, whether cleared by handle or by number', async () => {
    const output = await runTask(async () => {
      const fired: string[] = [];
      const byHandle = setTimeout(() => fired.push('handle'), 1_000);
      const byNumber = Number(setTimeout(() => fired.push('number'), 1_000));
      clearTimeout(byHandle);
      clearTimeout(byNumber);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      return fired;
    });

    expect(output).toEqual([]);
  });

  it("retries a throttled SDK call on the SDK's own backoff, in virtual time", async () => {
    // Arrange: the next three ListStateMachines calls are throttled.
    cloud.faults.inject({ operation: 'ListStateMachines', error: 'ThrottlingException', count: 3 });
    const realStart = Date.now();

    // Act: a handler with the deployer's client settings lists state machines.
    const output = await runTask(async () => {
      const client = new SFNClient({
        maxAttempts: 8,
        retryMode: 'standard',
        endpoint: cloud.endpoint,
        region: cloud.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const before = cloud.clock.now();
      try {
        await client.send(new ListStateMachinesCommand({}));
        return { virtualMs: cloud.clock.now() - before };
      } finally {
        client.destroy();
      }
    });

    // Assert: four calls, the backoff passed on the virtual clock.
    expect(cloud.calls.count('ListStateMachines')).toBe(4);
    expect((output as { virtualMs: number }).virtualMs).toBeGreaterThan(0);
    expect(Date.now() - realStart).toBeLessThan(3_000);
  });

  it("keeps the SDK's HTTP deadlines off the virtual clock, and its backoff on it", async () => {
    // Arrange: the first ListStateMachines call is throttled; the client has the deployer's timeouts.
    cloud.faults.inject({ operation: 'ListStateMachines', error: 'ThrottlingException', count: 1 });
    const virtualSleeps = jest.spyOn(cloud.clock, 'sleep');

    // Act: two calls over HTTP, the first retried after a backoff.
    await runTask(async () => {
      const client = new SFNClient({
        maxAttempts: 8,
        retryMode: 'standard',
        requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
        endpoint: cloud.endpoint,
        region: cloud.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      try {
        await client.send(new ListStateMachinesCommand({}));
        await client.send(new ListStateMachinesCommand({}));
      } finally {
        client.destroy();
      }
    });

    // Assert: three requests, each with four deadlines that never became sleepers; one backoff did.
    expect(cloud.calls.count('ListStateMachines')).toBe(3);
    expect(virtualSleeps).toHaveBeenCalledTimes(1);
  });

  it('uses real timers outside an invocation', async () => {
    const before = cloud.clock.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(cloud.clock.now()).toBe(before);
  });
});
