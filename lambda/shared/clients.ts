/**
 * SDK clients for the Lambdas. Created once per container at module scope by
 * each handler. The endpoint comes from the SDK's own `AWS_ENDPOINT_URL`
 * settings, which is how the local cloud points them at itself.
 *
 * Retries: the version and alias APIs refill at 1 request/s (bucket 100), so
 * throttling is expected in bursts; the SDK's standard mode backs off
 * exponentially with jitter (up to 20 s between tries), and 8 attempts
 * outlast a drained bucket. The state machine retries the whole task on top.
 *
 * Timeouts: without them a call to a connection that hangs waits for the
 * Lambda's own timeout. 3 s to connect and 10 s for an answer are far above
 * the APIs' latency; a timed-out attempt is retried like a 5xx. Recovery's
 * fence (recovery.ts) relies on the request timeout: a write the loop sent
 * before recovery took its lock lands within it.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { EventBridgeLifecycleEvents, type LifecycleEvents } from './lifecycle';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type DeploymentLock, DynamoDbDeploymentLock } from './lock';

export const SDK_MAX_ATTEMPTS = 8;
export const CONNECTION_TIMEOUT_MS = 3_000;
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Where the local cloud runs these Lambdas in its own process, it lends their clients a request
 * handler that reaches it without TCP (local/wire/in-process-handler.ts). Unset on AWS.
 */
const LOCAL_REQUEST_HANDLER = Symbol.for('sfn-deployer.local-request-handler');

function requestHandler<T extends object>(options: T): T {
  return ((globalThis as Record<symbol, unknown>)[LOCAL_REQUEST_HANDLER] as T | undefined) ?? options;
}

/** The settings every client of the Lambdas shares (the bench replays their calls with them too). */
export const common = () => ({
  retryMode: 'standard',
  // The handlers add no middleware, so each command's stack is resolved once per container, not per call.
  cacheMiddleware: true,
  requestHandler: requestHandler({
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
  }),
});

/** `retries: false` for writes that check the lock before every attempt themselves (`writeAliasRoutingGuarded`). */
export function createSfnClient(options: { retries?: boolean } = {}): SFNClient {
  return new SFNClient({
    ...common(),
    maxAttempts: options.retries === false ? 1 : SDK_MAX_ATTEMPTS,
    // StartSyncExecution goes to the sync-states host on AWS; an endpoint given by URL has no such host.
    disableHostPrefix: Boolean(process.env.AWS_ENDPOINT_URL ?? process.env.AWS_ENDPOINT_URL_SFN),
  });
}

export function createCloudWatchClient(): CloudWatchClient {
  return new CloudWatchClient({ ...common(), maxAttempts: SDK_MAX_ATTEMPTS });
}

/**
 * For hook Lambdas, invoked and awaited (RequestResponse): the answer may take as long as
 * the hook runs, which the caller bounds with an abort signal. One attempt: a hook is not
 * invoked twice because an answer was slow.
 */
export function createHookLambdaClient(): LambdaClient {
  return new LambdaClient({
    retryMode: 'standard',
    cacheMiddleware: true,
    maxAttempts: 1,
    requestHandler: requestHandler({
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: HOOK_REQUEST_TIMEOUT_MS,
    }),
  });
}
/** Lambda's own longest run. */
export const HOOK_REQUEST_TIMEOUT_MS = 15 * 60 * 1000;

/** The hooks the deployer construct declared (`trafficTestHooks`), as JSON in `TRAFFIC_TEST_HOOKS`. */
export function declaredHooks(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env.TRAFFIC_TEST_HOOKS;
  if (!raw) return [];
  const parsed = JSON.parse(raw) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((arn) => typeof arn === 'string'))
    throw new Error(`TRAFFIC_TEST_HOOKS must be a JSON list of ARNs, got: ${raw}`);
  return parsed;
}

/** The deployer's lock table, named by the construct in `DEPLOYMENTS_TABLE`; every step needs it. */
export function createDeploymentLock(env: NodeJS.ProcessEnv = process.env): DeploymentLock {
  const tableName = env.DEPLOYMENTS_TABLE;
  if (!tableName)
    throw new Error('DEPLOYMENTS_TABLE is not set: the deployer construct names its deployments table there');
  return new DynamoDbDeploymentLock(
    new DynamoDBClient({ ...common(), maxAttempts: SDK_MAX_ATTEMPTS }),
    tableName,
  );
}

/** Where the deployer puts its lifecycle events: the bus the construct names in `EVENT_BUS_NAME`. */
export function createLifecycleEvents(env: NodeJS.ProcessEnv = process.env): LifecycleEvents {
  const eventBusName = env.EVENT_BUS_NAME;
  if (!eventBusName)
    throw new Error('EVENT_BUS_NAME is not set: the deployer construct names its lifecycle events bus there');
  // Few attempts: a notification is not worth holding up the deployment for.
  return new EventBridgeLifecycleEvents(new EventBridgeClient({ ...common(), maxAttempts: 3 }), eventBusName);
}

/** Creates the value on first use, once per container: a handler's module loads even where its environment is unset. */
export function lazily<T>(create: () => T): () => T {
  let value: { current: T } | undefined;
  return () => (value ??= { current: create() }).current;
}
