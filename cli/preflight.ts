/**
 * What `sfn-deploy start` checks, read-only, before it starts a deployment:
 * that an uploaded definition is valid Amazon States Language
 * (`ValidateStateMachineDefinition`), and the deployer's own checks of the
 * target, the version and the alarms (`lambda/shared/preflight.ts`). A
 * problem found here exits 2 with nothing started, where the deployment
 * would otherwise start and then fail.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { type SFNClient, ValidateStateMachineDefinitionCommand } from '@aws-sdk/client-sfn';
import { isVersionArn, resolveStateMachineArn, scopeOf, stateMachineOfVersion } from '../lambda/shared/arns';
import { DeployerError, InvalidDeployRequestError } from '../lambda/shared/errors';
import { checkAlarms, describeTarget, findExistingVersion } from '../lambda/shared/preflight';
import { type DeployRequest, definitionString } from '../lambda/shared/request';
import { UsageError } from './errors';

export interface PreflightDeps {
  sfn: SFNClient;
  cloudWatch: CloudWatchClient;
  /** Told when a check could not be made (no permission to read): the deployer still makes it. */
  warn: (line: string) => void;
}

/** A deployment with no alarm shifts on schedule and promotes whatever the new version does. */
export const NO_ALARMS_WARNING =
  'warning: this deployment watches no alarms: traffic moves on schedule and nothing rolls it back if the new version fails; pass --alarms <names...>';

/** Errors that mean "this caller may not make this read-only call", so the check is left to the deployer. */
const CANNOT_CHECK = new Set(['AccessDeniedException', 'AccessDenied', 'UnknownOperationException']);

export async function preflight(
  request: DeployRequest,
  deployerArn: string,
  deps: PreflightDeps,
): Promise<void> {
  const stateMachineArn = targetArn(request.stateMachine, deployerArn);
  if (request.definition !== undefined)
    await skipIfUnreadable(deps, 'the definition', () => validateDefinition(deps.sfn, request.definition!));
  // The schema checks a version ARN against a target ARN; a target given by name is only known now.
  if (
    typeof request.version === 'string' &&
    isVersionArn(request.version) &&
    stateMachineOfVersion(request.version) !== stateMachineArn
  ) {
    throw new InvalidDeployRequestError([
      `version must be a version of ${stateMachineArn}, got: ${JSON.stringify(request.version)}`,
    ]);
  }
  try {
    await skipIfUnreadable(deps, `state machine ${stateMachineArn}`, () =>
      describeTarget(deps.sfn, stateMachineArn),
    );
    await skipIfUnreadable(deps, 'the version to deploy', () =>
      findExistingVersion(deps.sfn, request, stateMachineArn),
    );
    if (request.alarms.length > 0)
      await skipIfUnreadable(deps, 'the alarms', () => checkAlarms(deps.cloudWatch, request));
  } catch (error) {
    if (error instanceof DeployerError) {
      throw new UsageError(`${error.name}: ${error.message} (checked before starting; nothing was started)`);
    }
    throw error;
  }
  // Said once everything else passed, just before starting.
  if (request.alarms.length === 0) deps.warn(NO_ALARMS_WARNING);
}

/** A target given by name lives in the deployer's partition, region and account, as the deployer resolves it. */
function targetArn(stateMachine: string, deployerArn: string): string {
  try {
    return resolveStateMachineArn(stateMachine, scopeOf(deployerArn));
  } catch {
    throw new UsageError(
      `the deployer must be a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>), got: ${deployerArn}`,
    );
  }
}

/** `ValidateStateMachineDefinition`: each ERROR diagnostic becomes a problem of the request. */
async function validateDefinition(
  sfn: SFNClient,
  definition: Record<string, unknown> | string,
): Promise<void> {
  const { result, diagnostics = [] } = await sfn.send(
    new ValidateStateMachineDefinitionCommand({ definition: definitionString(definition) }),
  );
  if (result !== 'FAIL') return;
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 'ERROR');
  throw new InvalidDeployRequestError(
    errors.map(
      (diagnostic) =>
        `definition is not valid Amazon States Language: ${diagnostic.code}${diagnostic.location ? ` at ${diagnostic.location}` : ''}: ${diagnostic.message}`,
    ),
  );
}

async function skipIfUnreadable(
  deps: PreflightDeps,
  what: string,
  check: () => Promise<unknown>,
): Promise<void> {
  try {
    await check();
  } catch (error) {
    const name = (error as Error).name;
    if (!CANNOT_CHECK.has(name)) throw error;
    deps.warn(
      `warning: could not check ${what} before starting (${name}); the deployer checks it when it starts`,
    );
  }
}
