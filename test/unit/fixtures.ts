/** ARNs, states and helpers the unit tests share. */
import { SFNServiceException } from '@aws-sdk/client-sfn';
import type { Deployment, DeployerState } from '../../lambda/shared/deployment';
import { logger } from '../../lambda/shared/logger';
import { START_EVENTS } from '../../lambda/shared/budget';
import { recordKey } from '../../lambda/shared/lock';
import { stepsOf } from '../../lambda/shared/plan';
import { parseDeployRequest } from '../../lambda/shared/request';
import type { RoutingEntry } from '../../lambda/shared/routing';

// The Lambdas log every step as JSON: keep the test output readable.
logger.setLogLevel('SILENT');

export const ACCOUNT = '123456789012';
export const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:orders`;
export const ALIAS_ARN = `${STATE_MACHINE_ARN}:live`;
export const EXECUTION_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:execution:sfn-deployer:deploy-orders-42`;

/** `arn:aws:states:us-east-1:123456789012:stateMachine:orders:<n>` */
export function version(n: number): string {
  return `${STATE_MACHINE_ARN}:${n}`;
}

/** The start of a deployment in the examples: the first shift happens here. */
export const T0 = new Date('2026-03-02T10:00:00.000Z');

/** ISO time `seconds` after T0. */
export function at(seconds: number): string {
  return new Date(T0.getTime() + seconds * 1000).toISOString();
}

export function entry(stateMachineVersionArn: string, weight: number): RoutingEntry {
  return { stateMachineVersionArn, weight };
}

/** A carried request (defaults applied, no definition) for the loop Lambdas. */
export function carriedRequest(overrides: Record<string, unknown> = {}): DeployerState['request'] {
  const { definition: _definition, ...carried } = parseDeployRequest({
    stateMachine: 'orders',
    alias: 'live',
    ...overrides,
  });
  return carried;
}

/**
 * A deployment of orders:3 over orders:2 with the request's plan, before its
 * first shift unless overridden.
 */
export function loopState(
  requestOverrides: Record<string, unknown> = {},
  deploymentOverrides: Partial<Deployment> = {},
): DeployerState {
  const request = carriedRequest(requestOverrides);
  return {
    request,
    deployment: {
      owner: EXECUTION_ARN,
      recordKey: recordKey(T0.toISOString(), EXECUTION_ARN),
      stateMachineArn: STATE_MACHINE_ARN,
      aliasArn: ALIAS_ARN,
      originVersionArn: version(2),
      targetVersionArn: version(3),
      steps: stepsOf(request),
      stepIndex: 0,
      watchStartedAt: T0.toISOString(),
      lastCheckedAt: T0.toISOString(),
      routing: [entry(version(2), 100)],
      timeline: [],
      waitSeconds: 0,
      next: 'SHIFT',
      polls: 0,
      segmentExecutionArn: EXECUTION_ARN,
      eventsUsed: START_EVENTS,
      segments: 1,
      ...deploymentOverrides,
    },
  };
}

/** What the SDK throws when the control plane's token bucket is empty. */
export function throttling(): SFNServiceException {
  return new SFNServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: {},
    message: 'Rate exceeded',
  });
}

/** Anything with the mock's `calls()`: an SFN or CloudWatch client mock. */
interface RecordedCalls {
  calls(): ReadonlyArray<{ args: readonly unknown[] }>;
}

/** Names of the commands a mock received, in order (`DescribeStateMachineCommand`, …). */
export function commandNames(mock: RecordedCalls): string[] {
  return mock.calls().map((call) => (call.args[0] as object).constructor.name);
}

/** The commands received that change something in the account: creates, updates, publishes, deletes. */
export function writeCommands(mock: RecordedCalls): string[] {
  return commandNames(mock).filter((name) =>
    /^(Create|Update|Publish|Delete|Put|Tag|Untag|Start)/.test(name),
  );
}
