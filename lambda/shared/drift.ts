/** Drift: the alias no longer routes as this deployment left it. */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { readAliasRouting } from './aws';
import type { Deployment } from './deployment';
import { AliasDriftError } from './errors';
import type { DeploymentLock } from './lock';
import { describeRouting, type RoutingEntry, sameRouting } from './routing';

/**
 * Runs a step of the loop; when it finds drift, records it and frees the
 * alias before failing, since the deployer leaves someone else's routing alone.
 */
export async function releasingOnDrift<T>(
  lock: DeploymentLock,
  deployment: Deployment,
  now: Date,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof AliasDriftError) {
      await lock.release(deployment.aliasArn, deployment.owner, {
        status: 'DRIFTED',
        endedAt: now.toISOString(),
        timeline: deployment.timeline,
        error: error.name,
        cause: error.message,
      });
    }
    throw error;
  }
}

/** Throws `AliasDrift` unless the alias routes as one of the expected routings. */
export async function assertNoDrift(
  sfn: SFNClient,
  aliasArn: string,
  expected: RoutingEntry[][],
): Promise<void> {
  const observed = await readAliasRouting(sfn, aliasArn);
  if (!observed) {
    throw new AliasDriftError(`Alias ${aliasArn} was deleted during the deployment; nothing was changed`);
  }
  if (!expected.some((routing) => sameRouting(observed, routing))) {
    throw new AliasDriftError(
      `Alias ${aliasArn} was changed outside this deployment: expected ${describeRouting(expected[0]!)}, ` +
        `found ${describeRouting(observed)}. The deployer left it untouched.`,
    );
  }
}
