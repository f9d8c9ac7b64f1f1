/**
 * After a promotion (recorded, and the alias freed, before this step runs:
 * nothing here can roll it back), deletes old versions so the state machine stays under
 * its 1000-version quota. Keeps the `historyMax` newest, and never deletes
 * the origin, the target, or a version any alias routes to. The delete API
 * refills at 1 request/s, so a large prune spans several invocations: each
 * stops before its time runs out and the state machine calls it again.
 * Throttling is expected here, not an error: a delete the SDK's retries could
 * not get through waits for the bucket to refill and goes again, as long as
 * the invocation has time (a long prune drains the SDK's retry quota, after
 * which it no longer retries at all).
 */
import { DeleteStateMachineVersionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { isNamed, listAllAliases, listAllVersions, readAliasRouting } from '../shared/aws';
import { createSfnClient } from '../shared/clients';
import { copyState, type DeployerState, type LoopEvent } from '../shared/deployment';
import { logDeployment, logger } from '../shared/logger';

export interface PruneVersionsDeps {
  sfn: SFNClient;
  /** Milliseconds this invocation has left; the Lambda context's `getRemainingTimeInMillis`. */
  timeLeftMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Alias updates are eventually consistent: a version just moved off an alias can still conflict for seconds. */
export const CONFLICT_RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16000];
/** The delete API's bucket refills one token a second: wait that long before trying a throttled delete again. */
export const THROTTLE_DELAY_MS = 1000;
/**
 * Stop deleting when less than this is left, so the invocation returns its progress in time: one
 * delete may back off through every conflict retry, plus 30 s for its calls and the SDK's own retries.
 */
export const TIME_MARGIN_MS = CONFLICT_RETRY_DELAYS_MS.reduce((sum, delay) => sum + delay, 0) + 30_000;

export async function pruneVersions(event: LoopEvent, deps: PruneVersionsDeps): Promise<DeployerState> {
  const state = copyState(event.state);
  const { deployment, request } = state;
  const timeLeftMs = deps.timeLeftMs ?? (() => Number.POSITIVE_INFINITY);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pruned = [...(state.result?.prunedVersionArns ?? [])];
  let finished = true;

  if (request.historyMax > 0) {
    const versions = await listAllVersions(deps.sfn, deployment.stateMachineArn);
    const kept = new Set([
      ...versions.slice(0, request.historyMax),
      deployment.originVersionArn,
      deployment.targetVersionArn,
      ...(await aliasReferencedVersions(deps.sfn, deployment.stateMachineArn)),
    ]);
    const candidates = versions.filter((version) => !kept.has(version));
    logger.info('Pruning versions', {
      total: versions.length,
      keep: request.historyMax,
      deleting: candidates.length,
    });
    for (const versionArn of candidates) {
      const outcome =
        timeLeftMs() < TIME_MARGIN_MS
          ? 'out-of-time'
          : await deleteVersion(deps.sfn, versionArn, sleep, timeLeftMs);
      if (outcome === 'out-of-time') {
        finished = false;
        break;
      }
      if (outcome === 'deleted') pruned.push(versionArn);
    }
  }

  state.result = {
    outcome: 'PROMOTED',
    stateMachineArn: deployment.stateMachineArn,
    aliasArn: deployment.aliasArn,
    fromVersionArn: deployment.originVersionArn,
    toVersionArn: deployment.targetVersionArn,
    timeline: deployment.timeline,
    prunedVersionArns: pruned,
    ...(deployment.signals ? { signals: deployment.signals } : {}),
    ...(deployment.verdicts ? { verdicts: deployment.verdicts } : {}),
  };
  deployment.next = finished ? 'FINISH' : 'PRUNE';
  return state;
}

/** Every version any alias of the state machine routes to. */
async function aliasReferencedVersions(sfn: SFNClient, stateMachineArn: string): Promise<string[]> {
  const referenced: string[] = [];
  for (const aliasArn of await listAllAliases(sfn, stateMachineArn)) {
    const routing = await readAliasRouting(sfn, aliasArn);
    referenced.push(...(routing ?? []).map((entry) => entry.stateMachineVersionArn));
  }
  return referenced;
}

/**
 * Deletes one version. A `ConflictException` means an alias still references
 * it: retried while alias updates settle, then the version is kept, since
 * something references it. A `ThrottlingException` the SDK gave up on is
 * waited out, one refill at a time, until the invocation runs short of time.
 */
async function deleteVersion(
  sfn: SFNClient,
  versionArn: string,
  sleep: (ms: number) => Promise<void>,
  timeLeftMs: () => number,
): Promise<'deleted' | 'kept' | 'out-of-time'> {
  for (let conflicts = 0; ;) {
    try {
      await sfn.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: versionArn }));
      return 'deleted';
    } catch (error) {
      if (isNamed(error, 'ThrottlingException')) {
        if (timeLeftMs() < TIME_MARGIN_MS) return 'out-of-time';
        await sleep(THROTTLE_DELAY_MS);
        continue;
      }
      if (!isNamed(error, 'ConflictException')) throw error;
      const delay = CONFLICT_RETRY_DELAYS_MS[conflicts++];
      if (delay === undefined) {
        logger.warn('Kept a version an alias still references', {
          versionArn,
          error: (error as Error).message,
        });
        return 'kept';
      }
      await sleep(delay);
    }
  }
}

const sfn = createSfnClient();

export const handler = async (
  event: LoopEvent,
  context?: { getRemainingTimeInMillis?: () => number },
): Promise<DeployerState> => {
  logDeployment(event.executionArn);
  return pruneVersions(event, { sfn, timeLeftMs: context?.getRemainingTimeInMillis?.bind(context) });
};
