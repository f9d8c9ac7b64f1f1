import type { TokenBucketLimit } from '../wire/service';

/** Regions with Step Functions' larger StartExecution bucket. */
const LARGE_REGIONS = new Set(['us-east-1', 'us-west-2', 'eu-west-1']);

/** AWS's documented token buckets (bucket size / refill per second) for the APIs the deployer uses. */
const BUCKETS: Record<string, TokenBucketLimit> = {
  CreateStateMachineAlias: { bucketSize: 100, refillPerSecond: 1 },
  DeleteStateMachineAlias: { bucketSize: 100, refillPerSecond: 1 },
  DeleteStateMachineVersion: { bucketSize: 100, refillPerSecond: 1 },
  DescribeStateMachineAlias: { bucketSize: 200, refillPerSecond: 1 },
  DescribeStateMachine: { bucketSize: 200, refillPerSecond: 20 },
  ListStateMachineAliases: { bucketSize: 100, refillPerSecond: 1 },
  ListStateMachineVersions: { bucketSize: 100, refillPerSecond: 1 },
  PublishStateMachineVersion: { bucketSize: 100, refillPerSecond: 1 },
  UpdateStateMachine: { bucketSize: 100, refillPerSecond: 1 },
  UpdateStateMachineAlias: { bucketSize: 100, refillPerSecond: 1 },
};

export function stepFunctionsRateLimit(operation: string, region: string): TokenBucketLimit | undefined {
  if (operation === 'StartExecution') {
    return LARGE_REGIONS.has(region)
      ? { bucketSize: 1300, refillPerSecond: 300 }
      : { bucketSize: 800, refillPerSecond: 150 };
  }
  return BUCKETS[operation];
}
