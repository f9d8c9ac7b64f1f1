/**
 * Ends a deployment's wait: `SendTaskSuccess` with the token its wait
 * stored on the lock. The wake-up is recorded on the lock first
 * (`DeploymentLock.wake`), so a token that is stale (the loop is between
 * waits, or the wait just timed out) loses nothing: the loop's next wait
 * finds the wake-up pending and checks at once.
 */
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { HeldLock } from './lock';
import { logger } from './logger';

/** What SendTaskSuccess answers for a token whose task is no longer waiting. */
const STALE_TOKEN_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Whether the wait was ended now; false when the loop was not waiting (it acts at its next check). */
export async function endWait(sfn: SFNClient, held: HeldLock, why: string): Promise<boolean> {
  if (!held.taskToken) return false;
  try {
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: held.taskToken, output: JSON.stringify({ wokenBy: why }) }),
    );
    return true;
  } catch (error) {
    if (STALE_TOKEN_ERRORS.has((error as Error).name)) return false;
    // The wake-up is on the lock: the next poll acts on it even if this call never succeeds.
    logger.warn('Could not end the wait; the deployment acts at its next poll', {
      aliasArn: held.aliasArn,
      error: (error as Error).name,
    });
    return false;
  }
}
