import {
  createCloudWatchClient,
  createDeploymentLock,
  createHookLambdaClient,
  createLifecycleEvents,
  createSfnClient,
  SDK_MAX_ATTEMPTS,
} from '../../lambda/shared/clients';

/** The SDK client behind a lock or an event sink, which keep theirs private. */
const clientOf = (holder: object) =>
  Object.values(holder).find((value) => typeof (value as { send?: unknown })?.send === 'function') as {
    config: Record<string, unknown>;
  };

describe('the Lambdas’ SDK clients', () => {
  const env = { DEPLOYMENTS_TABLE: 'deployments', EVENT_BUS_NAME: 'deployer-events' };
  const clients = {
    sfn: createSfnClient(),
    sfnWithoutRetries: createSfnClient({ retries: false }),
    cloudWatch: createCloudWatchClient(),
    hooks: createHookLambdaClient(),
    dynamoDb: clientOf(createDeploymentLock(env)),
    eventBridge: clientOf(createLifecycleEvents(env)),
  };

  it.each(Object.entries(clients))(
    '%s resolves each command’s middleware once per container, not on every call',
    (_, client) => {
      // Nothing adds middleware to these clients, so the cached stack is the stack.
      expect(client.config.cacheMiddleware).toBe(true);
    },
  );

  it('retries in standard mode, with the attempts each client is documented to make', async () => {
    expect(await (clients.sfn.config.maxAttempts as () => Promise<number>)()).toBe(SDK_MAX_ATTEMPTS);
    expect(await (clients.sfnWithoutRetries.config.maxAttempts as () => Promise<number>)()).toBe(1);
    expect(clients.cloudWatch.config.retryMode).toBe('standard');
  });
});
