import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { LocalCloud, type LocalCloudOptions } from '../../local';

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/local-states';
export const START = Date.parse('2025-06-01T00:00:00Z');

/** Starts a cloud on a free port with a real SDK client; fast-forward on virtual time by default. */
export async function startCloud(options: LocalCloudOptions = {}) {
  const cloud = await LocalCloud.start({ fastForward: true, startMs: START, seed: 7, ...options });
  const sfn = new SFNClient({
    endpoint: cloud.endpoint,
    region: cloud.region,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    cloud,
    sfn,
    async stop() {
      sfn.destroy();
      await cloud.stop();
    },
    async createStateMachine(name: string, definition: object, extra: { publish?: boolean } = {}) {
      const out = await sfn.send(
        new CreateStateMachineCommand({
          name,
          definition: JSON.stringify(definition),
          roleArn: ROLE_ARN,
          ...extra,
        }),
      );
      return out;
    },
    /** Waits for the execution to close, then describes it through the API. */
    async finished(executionArn: string) {
      await cloud.stepFunctions.waitForExecution(executionArn);
      return sfn.send(new DescribeExecutionCommand({ executionArn }));
    },
  };
}

export type Fixture = Awaited<ReturnType<typeof startCloud>>;

/** A one-state machine whose output tells which revision ran. */
export const passDefinition = (tag: string) => ({
  StartAt: 'Tag',
  States: { Tag: { Type: 'Pass', Result: { tag }, End: true } },
});

/** What a rejected SDK call raised: its name and message. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}
