import {
  countEvents,
  EVENTS,
  HISTORY_EVENT_LIMIT,
  mustContinue,
  POLL_EVENTS,
  RESUME_EVENTS,
  SEGMENT_EVENT_BUDGET,
  SHIFT_EVENTS,
  START_EVENTS,
  TRAFFIC_TEST_MAX_EVENTS,
  TRAFFIC_TEST_MAX_POLLS,
  trafficTestPollSeconds,
} from '../../lambda/shared/budget';
import { EXECUTION_ARN, loopState } from './fixtures';

const CHILD_EXECUTION_ARN = `${EXECUTION_ARN}-2`;
const deployment = (overrides = {}) => loopState({}, overrides).deployment!;

describe('the history budget', () => {
  it('counts a poll as AWS records it: a task-token wait, a Lambda task and a Choice', () => {
    expect(POLL_EVENTS).toBe(EVENTS.callbackTask + EVENTS.lambdaTask + EVENTS.choice);
    expect(POLL_EVENTS).toBe(13);
    // Shift weight, then the Choice that skips the wait for a step held for no time.
    expect(SHIFT_EVENTS).toBe(7);
    // ExecutionStarted, Publish version (which also resumes a continuation) and the Choice after it.
    expect(START_EVENTS).toBe(8);
    expect(RESUME_EVENTS).toBe(8);
  });

  it('counts the retries a step took, three events each, from $$.State.RetryCount', () => {
    const loop = deployment({ eventsUsed: 100 });

    countEvents(loop, EXECUTION_ARN, POLL_EVENTS, 4);

    expect(loop.eventsUsed).toBe(100 + POLL_EVENTS + 4 * EVENTS.retry);
  });

  it('leaves a margin under the 25,000-event limit for retries and the way out of the loop', () => {
    const margin = HISTORY_EVENT_LIMIT - SEGMENT_EVENT_BUDGET;
    // The longest exit: a rollback retried 10 times, its Fail, and the closing event.
    const longestExit = EVENTS.lambdaTask + 10 * EVENTS.retry + 2 + 1;
    expect(margin).toBeGreaterThan(longestExit + 1000 * EVENTS.retry);
  });

  it('adds the events of a step to the execution running it', () => {
    const loop = deployment({ eventsUsed: 100 });

    countEvents(loop, EXECUTION_ARN, POLL_EVENTS);

    expect(loop).toMatchObject({ eventsUsed: 113, segments: 1, segmentExecutionArn: EXECUTION_ARN });
  });

  it('starts a fresh count in a continuation', () => {
    const loop = deployment({ eventsUsed: 19_995 });

    countEvents(loop, CHILD_EXECUTION_ARN, SHIFT_EVENTS);

    expect(loop).toMatchObject({
      eventsUsed: RESUME_EVENTS + SHIFT_EVENTS,
      segments: 2,
      segmentExecutionArn: CHILD_EXECUTION_ARN,
    });
  });

  it('continues once another shift and poll would pass the budget', () => {
    const room = SEGMENT_EVENT_BUDGET - SHIFT_EVENTS - POLL_EVENTS;
    expect(mustContinue(deployment({ eventsUsed: room }))).toBe(false);
    expect(mustContinue(deployment({ eventsUsed: room + 1 }))).toBe(true);
  });

  it('spreads a year of 60-second polls over about 340 executions', () => {
    // 525,600 polls at 13 events is ~6.8 million events: at 20,000 per execution, ~342 executions.
    const polls = 365 * 24 * 60;
    expect(Math.ceil((polls * POLL_EVENTS) / (SEGMENT_EVENT_BUDGET - RESUME_EVENTS))).toBe(342);
  });
});

describe('traffic tests in the history budget', () => {
  it('poll at most 120 times per phase, every 5 s or more, so the checks after the last hand-off fit the margin', () => {
    expect(trafficTestPollSeconds(60)).toBe(5);
    expect(trafficTestPollSeconds(3600)).toBe(30);
    expect(Math.ceil(3600 / trafficTestPollSeconds(3600))).toBeLessThanOrEqual(TRAFFIC_TEST_MAX_POLLS);
    // The longest check phase plus a rollback with all its retries, after the budget is spent.
    const rollbackWithRetries = EVENTS.lambdaTask + 10 * EVENTS.retry + EVENTS.choice + 2;
    expect(SEGMENT_EVENT_BUDGET + TRAFFIC_TEST_MAX_EVENTS + rollbackWithRetries).toBeLessThan(
      HISTORY_EVENT_LIMIT,
    );
  });
});
