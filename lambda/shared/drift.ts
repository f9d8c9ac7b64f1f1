/** Drift: the alias no longer routes as this deployment left it. */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { readAliasRouting } from './aws';
import { AliasDriftError } from './errors';
import { describeRouting, type RoutingEntry, sameRouting } from './routing';

/** Throws `AliasDrift` unless the alias routes as one of the expected routings. */
export async function assertNoDrift(sfn: SFNClient, aliasArn: string, expected: RoutingEntry[][]): Promise<void> {
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

