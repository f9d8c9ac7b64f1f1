/**
 * The deployer's read-only checks of a request against the account: the
 * target exists, the version to deploy exists, every alarm exists and none is
 * already firing. The first step of a deployment runs them before its first
 * write, and `sfn-deploy start` before it starts one, so both reject alike.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeStateMachineCommand,
  ListStateMachineVersionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { versionArnOf } from './arns';
import { describeAlarms, isNamed } from './aws';
import {
  AlarmAlreadyFiringError,
  AlarmNotFoundError,
  StateMachineNotFoundError,
  VersionNotFoundError,
} from './errors';
import type { DeployRequest } from './request';

/**
 * The target's latest revision id, and its type (an Express target's traffic tests run with
 * StartSyncExecution and its executions are counted from metrics); `StateMachineNotFound` when
 * there is no such state machine.
 */
export async function describeTarget(
  sfn: SFNClient,
  stateMachineArn: string,
): Promise<{ revisionId?: string; type?: string }> {
  let described;
  try {
    described = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
  } catch (error) {
    if (isNamed(error, 'StateMachineDoesNotExist') || isNamed(error, 'InvalidArn')) {
      throw new StateMachineNotFoundError(`State machine ${stateMachineArn} does not exist`, {
        cause: error,
      });
    }
    throw error;
  }
  return { revisionId: described.revisionId, type: described.type };
}

/** Every alarm exists, and none is failing unless the request ignores alarms already firing. */
export async function checkAlarms(cloudWatch: CloudWatchClient, request: DeployRequest): Promise<void> {
  const alarms = await describeAlarms(cloudWatch, request.alarms);
  const missing = request.alarms.filter((name) => !alarms.has(name));
  if (missing.length > 0) throw new AlarmNotFoundError(missing);
  if (request.ignoreAlarmsAlreadyFiring) return;
  const failing = new Set(request.failOnInsufficientData ? ['ALARM', 'INSUFFICIENT_DATA'] : ['ALARM']);
  const firing = [...alarms.values()]
    .filter((alarm) => failing.has(alarm.state))
    .map((alarm) => `${alarm.name} (${alarm.state})`);
  if (firing.length > 0) throw new AlarmAlreadyFiringError(firing);
}

/** The existing version to deploy: the one named, or the newest when nothing is to be published. */
export async function findExistingVersion(
  sfn: SFNClient,
  request: DeployRequest,
  stateMachineArn: string,
): Promise<string | undefined> {
  if (request.version !== undefined) {
    const versionArn = String(request.version).startsWith('arn:')
      ? String(request.version)
      : versionArnOf(stateMachineArn, Number(request.version));
    try {
      await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: versionArn }));
    } catch (error) {
      if (isNamed(error, 'StateMachineDoesNotExist') || isNamed(error, 'ResourceNotFound')) {
        throw new VersionNotFoundError(`Version ${versionArn} does not exist`, { cause: error });
      }
      throw error;
    }
    return versionArn;
  }
  if (request.definition !== undefined || request.publishRevision) return undefined;
  const newest = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn, maxResults: 1 }));
  const versionArn = newest.stateMachineVersions?.[0]?.stateMachineVersionArn;
  if (!versionArn) {
    throw new VersionNotFoundError(
      `State machine ${stateMachineArn} has no published version: set publishRevision, or give a definition, to publish one`,
    );
  }
  return versionArn;
}
