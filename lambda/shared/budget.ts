/**
 * The execution-history budget. A Standard execution may run a year, but
 * its history holds at most 25,000 events, and each poll of the loop costs
 * some; so a long deployment continues in a fresh execution before the
 * limit. The counts are AWS's (recorded histories): a Lambda task is 5
 * events, a task-token wait 6, a Wait or Choice 2, each retry 3 more.
 */
import type { Deployment } from './deployment';

export const HISTORY_EVENT_LIMIT = 25_000;

export const EVENTS = {
  executionStarted: 1,
  choice: 2,
  wait: 2,
  lambdaTask: 5,
  /** A `.waitForTaskToken` task: entered, scheduled, started, submitted, succeeded or timed out, exited. */
  callbackTask: 6,
  retry: 3,
} as const;

/**
 * One poll: Wait for next poll (a task-token wait) → Check alarms → Alarms OK?. A wait that failed
 * for another reason went through a plain Wait as well: Check alarms adds that when it sees the
 * wait's error in the state.
 */
export const POLL_EVENTS = EVENTS.callbackTask + EVENTS.lambdaTask + EVENTS.choice;
/** One shift: Shift weight → Hold this step? (followed by a poll). */
export const SHIFT_EVENTS = EVENTS.lambdaTask + EVENTS.choice;
/** Every execution, new or continuing, starts with Publish version and the Choice after it. */
export const START_EVENTS = EVENTS.executionStarted + EVENTS.lambdaTask + EVENTS.choice;
export const RESUME_EVENTS = START_EVENTS;

/**
 * Continue in a new execution once this many events are used. The rest of
 * the limit is the margin: the longest way out of the loop (roll back with
 * its retries, or prune several times), and the retries of a step that
 * failed for good, which no Lambda sees (a step that succeeds counts its
 * own retries from `$$.State.RetryCount`).
 */
export const SEGMENT_EVENT_BUDGET = 20_000;

/**
 * Adds a step's events, and those of the retries it took, to the count of the execution running it. The first
 * step a continuation runs sees another execution ARN than the one counted
 * so far, and starts a fresh count.
 */
export function countEvents(
  deployment: Deployment,
  executionArn: string | undefined,
  events: number,
  retries = 0,
): void {
  if (executionArn && deployment.segmentExecutionArn !== executionArn) {
    deployment.segmentExecutionArn = executionArn;
    deployment.segments += 1;
    deployment.eventsUsed = RESUME_EVENTS;
  }
  deployment.eventsUsed += events + retries * EVENTS.retry;
}

/** Whether the loop must continue in a new execution before another shift and poll. */
export function mustContinue(deployment: Deployment): boolean {
  return deployment.eventsUsed + SHIFT_EVENTS + POLL_EVENTS > SEGMENT_EVENT_BUDGET;
}

/**
 * Traffic tests poll at most this many times per phase, however long their timeout: the
 * post-traffic checks run after the loop's last hand-off check, inside the margin below the limit.
 */
export const TRAFFIC_TEST_MAX_POLLS = 120;
/** The shortest wait between two polls of traffic tests. */
export const TRAFFIC_TEST_MIN_POLL_SECONDS = 5;

/** Seconds between two polls of traffic tests that may run `timeoutSeconds`. */
export function trafficTestPollSeconds(timeoutSeconds: number): number {
  return Math.max(TRAFFIC_TEST_MIN_POLL_SECONDS, Math.ceil(timeoutSeconds / TRAFFIC_TEST_MAX_POLLS));
}

/**
 * One run of the traffic tests: the task and the Choice after it; every run but the first
 * follows the Wait between polls.
 */
export function trafficTestEvents(first: boolean): number {
  return EVENTS.lambdaTask + EVENTS.choice + (first ? 0 : EVENTS.wait);
}

/** The most a phase of traffic tests can add to an execution's history, without retries. */
export const TRAFFIC_TEST_MAX_EVENTS =
  trafficTestEvents(true) + TRAFFIC_TEST_MAX_POLLS * trafficTestEvents(false);
