/** Finds the deployer state machine: a flag, an environment variable, or the stack's output. */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { UsageError } from './errors';

export const DEFAULT_STACK_NAME = 'SfnDeployer';
export const DEPLOYER_OUTPUT = 'DeployerArn';
export const DEPLOYER_ENV = 'SFN_DEPLOYER_ARN';

export interface DeployerLookup {
  deployer?: string;
  stackName?: string;
  env: Record<string, string | undefined>;
  cloudFormation: CloudFormationClient;
}

/** `--deployer`, else `SFN_DEPLOYER_ARN`, else the `DeployerArn` output of the stack. */
export async function findDeployer(lookup: DeployerLookup): Promise<string> {
  if (lookup.deployer) return lookup.deployer;
  const fromEnv = lookup.env[DEPLOYER_ENV];
  if (fromEnv) return fromEnv;

  const stackName = lookup.stackName ?? DEFAULT_STACK_NAME;
  let reason: string;
  try {
    const { Stacks } = await lookup.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const output = Stacks?.[0]?.Outputs?.find((candidate) => candidate.OutputKey === DEPLOYER_OUTPUT);
    if (output?.OutputValue) return output.OutputValue;
    reason = `stack ${stackName} has no ${DEPLOYER_OUTPUT} output`;
  } catch (error) {
    reason = `stack ${stackName} could not be read: ${(error as Error).message}`;
  }
  throw new UsageError(
    `Cannot find the deployer (${reason}). Name it in one of three ways:\n` +
      '  --deployer <state-machine-arn>\n' +
      `  ${DEPLOYER_ENV}=<state-machine-arn>\n` +
      `  deploy the stack (npx cdk deploy), whose ${DEPLOYER_OUTPUT} output is read; --stack-name if it is not ${DEFAULT_STACK_NAME}`,
  );
}
