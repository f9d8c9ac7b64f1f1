/** SDK clients configured like the AWS CLI: `--region`, `--profile`, `--endpoint-url`. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { AwsClients, AwsOptions } from './io';

/**
 * Client configuration for the given options. Unset options are left out so
 * the SDK's own chain applies: `AWS_REGION`, `AWS_PROFILE`, the shared config
 * files, and `AWS_ENDPOINT_URL` (which SDK v3 reads itself, as the CLI does).
 */
export function clientConfig(options: AwsOptions): { region?: string; profile?: string; endpoint?: string } {
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
  };
}

export function createClients(options: AwsOptions): AwsClients {
  const config = clientConfig(options);
  return {
    sfn: new SFNClient(config),
    cloudWatch: new CloudWatchClient(config),
    cloudFormation: new CloudFormationClient(config),
  };
}
