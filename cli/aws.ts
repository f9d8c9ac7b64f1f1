/** SDK clients configured like the AWS CLI: `--region`, `--profile`, `--endpoint-url` and their variables. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { UsageError } from './errors';
import { ServiceClock } from './service-clock';
import type { AwsClients, AwsOptions } from './io';

export type Env = Record<string, string | undefined>;

/**
 * Client configuration for the given options. The region is `--region`, else
 * `AWS_REGION`, else `AWS_DEFAULT_REGION` (the AWS CLI's order; the SDK reads
 * only `AWS_REGION`), else left to the SDK's profile lookup. Profile and
 * endpoint, when not given, are the SDK's own: `AWS_PROFILE`, the shared
 * config files, and `AWS_ENDPOINT_URL`.
 */
export function clientConfig(
  options: AwsOptions,
  env: Env = {},
): { region?: string; profile?: string; endpoint?: string } {
  const region = options.region ?? (env.AWS_REGION || undefined) ?? (env.AWS_DEFAULT_REGION || undefined);
  return {
    ...(region ? { region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
  };
}

export function createClients(options: AwsOptions, env: Env = process.env): AwsClients {
  const config = clientConfig(options, env);
  const sfn = new SFNClient(config);
  const clock = new ServiceClock();
  clock.watch(sfn);
  return {
    sfn,
    cloudWatch: new CloudWatchClient(config),
    cloudFormation: new CloudFormationClient(config),
    lambda: new LambdaClient(config),
    sts: new STSClient(config),
    dynamo: new DynamoDBClient(config),
    serviceNow: () => clock.now(),
  };
}

/**
 * Resolves the region and the credentials before any call, so a missing one
 * is one clear line (exit 2, nothing started) instead of the SDK's
 * `Region is missing` or `CredentialsProviderError` from the first request.
 */
export async function checkAwsSetup(sfn: Pick<SFNClient, 'config'>): Promise<void> {
  try {
    await sfn.config.region();
  } catch (error) {
    throw new UsageError(
      `No AWS region is set (${(error as Error).message}). Set one of: --region <region>, AWS_REGION, ` +
        'AWS_DEFAULT_REGION, or region in the profile (aws configure).',
    );
  }
  try {
    await sfn.config.credentials();
  } catch (error) {
    throw new UsageError(
      `No AWS credentials were found (${(error as Error).name}: ${firstLine((error as Error).message)}). Set ` +
        'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile with --profile or AWS_PROFILE ' +
        '(aws configure; aws sso login for SSO). Against the local cloud any key works, e.g. AWS_ACCESS_KEY_ID=local.',
    );
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
