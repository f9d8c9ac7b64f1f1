/**
 * SDK clients for the Lambdas. Created once per container at module scope by
 * each handler. The endpoint comes from the SDK's own `AWS_ENDPOINT_URL`
 * settings, which is how the local cloud points them at itself.
 *
 * Retries: the version and alias APIs refill at 1 request/s (bucket 100), so
 * throttling is expected in bursts; the SDK's standard mode backs off
 * exponentially with jitter (up to 20 s between tries), and 8 attempts
 * outlast a drained bucket. The state machine retries the whole task on top.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type DeploymentLock, DynamoDbDeploymentLock } from './lock';

export const SDK_MAX_ATTEMPTS = 8;

export function createSfnClient(): SFNClient {
  return new SFNClient({ maxAttempts: SDK_MAX_ATTEMPTS, retryMode: 'standard' });
}

export function createCloudWatchClient(): CloudWatchClient {
  return new CloudWatchClient({ maxAttempts: SDK_MAX_ATTEMPTS, retryMode: 'standard' });
}

/** The deployer's lock table, named by the construct in `DEPLOYMENTS_TABLE`. */
export function createDeploymentLock(env: NodeJS.ProcessEnv = process.env): DeploymentLock | undefined {
  const tableName = env.DEPLOYMENTS_TABLE;
  if (!tableName) return undefined;
  return new DynamoDbDeploymentLock(new DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS, retryMode: 'standard' }), tableName);
}
