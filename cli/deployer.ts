/** Finds the deployer state machine: a flag, an environment variable, the stack's output, or the local cloud's. */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { paginateListStateMachines, type SFNClient } from '@aws-sdk/client-sfn';
import { UsageError } from './errors';

export const DEFAULT_STACK_NAME = 'SfnDeployer';
export const DEPLOYER_OUTPUT = 'DeployerArn';
export const DEPLOYER_ENV = 'SFN_DEPLOYER_ARN';
/** The name the local cloud gives the deployer it loads from cdk.out (`local/deployer`). */
export const LOCAL_DEPLOYER_NAME = 'sfn-deployer';

export interface DeployerLookup {
  deployer?: string;
  stackName?: string;
  /** `--endpoint-url` or `AWS_ENDPOINT_URL`: the local cloud serves no CloudFormation, so its deployer is looked up by name. */
  endpointUrl?: string;
  env: Record<string, string | undefined>;
  cloudFormation: CloudFormationClient;
  sfn: SFNClient;
}

/**
 * `--deployer`, else `SFN_DEPLOYER_ARN`, else the `DeployerArn` output of the
 * stack; and when the stack cannot be read from a custom endpoint (the local
 * cloud), the state machine named `sfn-deployer` there.
 */
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
    if (lookup.endpointUrl) {
      const local = await findByName(lookup.sfn, LOCAL_DEPLOYER_NAME);
      if (local) return local;
      reason =
        `${lookup.endpointUrl} serves no CloudFormation stack ${stackName} ` +
        `(${(error as Error).name}) and has no state machine named ${LOCAL_DEPLOYER_NAME}`;
    } else {
      reason = `stack ${stackName} could not be read: ${(error as Error).message}`;
    }
  }
  throw new UsageError(
    `Cannot find the deployer (${reason}). Name it in one of three ways:\n` +
      '  --deployer <state-machine-arn>\n' +
      `  ${DEPLOYER_ENV}=<state-machine-arn>\n` +
      `  deploy the stack (npx cdk deploy), whose ${DEPLOYER_OUTPUT} output is read; --stack-name if it is not ${DEFAULT_STACK_NAME}`,
  );
}

/** `findDeployer` from a command's `--deployer`, `--stack-name` and `--endpoint-url` (or `AWS_ENDPOINT_URL`). */
export function deployerFromOptions(
  options: { deployer?: string; stackName?: string; endpointUrl?: string },
  clients: { cloudFormation: CloudFormationClient; sfn: SFNClient },
  env: Record<string, string | undefined>,
): Promise<string> {
  return findDeployer({
    deployer: options.deployer,
    stackName: options.stackName,
    endpointUrl: options.endpointUrl ?? env.AWS_ENDPOINT_URL,
    env,
    cloudFormation: clients.cloudFormation,
    sfn: clients.sfn,
  });
}

/** The state machine with this exact name, if the endpoint has one; an endpoint that cannot list is treated as having none. */
async function findByName(sfn: SFNClient, name: string): Promise<string | undefined> {
  try {
    for await (const page of paginateListStateMachines({ client: sfn }, {})) {
      const found = page.stateMachines?.find((machine) => machine.name === name);
      if (found?.stateMachineArn) return found.stateMachineArn;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
