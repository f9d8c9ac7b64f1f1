/**
 * The deployments table's schema: names both the construct (the table, its index, the loop's
 * wait) and the Lambdas (the lock) use. No imports, so the construct library can read it without
 * the AWS SDK.
 */

/** The sort key of an alias's lock item; each deployment's record has its own. */
export const LOCK_KEY = 'LOCK';
/** Index of lock items by owner, for recovering a deployer execution that ended without cleaning up. */
export const OWNER_INDEX = 'owner-index';
/** The lock item's TTL attribute (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';
/**
 * The lock's wake-up mechanism. The loop's wait stores its task token in `taskToken` on condition
 * that `wake` is absent (lib/deployer-workflow.ts); a waker sets `wake` first and then sends the token
 * it read back. So an event that arrives while the loop is between waits is not lost: the next wait
 * fails its condition and the loop checks at once. The check takes `wake`, `signals` and the token.
 */
export const WAKE_ATTRIBUTE = 'wake';
export const SIGNALS_ATTRIBUTE = 'signals';
export const TOKEN_ATTRIBUTE = 'taskToken';
