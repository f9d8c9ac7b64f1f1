/**
 * One poll of the deployment: are the alarms healthy, and is the current
 * step over? Reads both alarm types, plus the alarm history since the last
 * poll, so an alarm that fired and recovered between two polls still counts.
 * Its verdict is data (`next`), not an exception: the Choice routes on it.
 *
 * Two verdicts are recorded before they are returned: a finished deployment
 * is recorded as promoted (and its lock freed) before pruning, so nothing
 * after it can roll it back; and a loop that must continue in a new
 * execution hands its state over on the lock, to the one execution name the
 * continuation is started with.
 */
import {
  type CloudWatchClient,
  DescribeAlarmHistoryCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { randomUUID } from 'node:crypto';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { type AlarmStatus, describeAlarms } from '../shared/aws';
import { countEvents, EVENTS, mustContinue, POLL_EVENTS } from '../shared/budget';
import {
  createCloudWatchClient,
  createDeploymentLock,
  createLifecycleEvents,
  createSfnClient,
  lazily,
} from '../shared/clients';
import {
  type Clock,
  copyState,
  type DeployerState,
  type Deployment,
  eventTime,
  type LoopEvent,
  type RecordedVerdict,
  systemClock,
} from '../shared/deployment';
import { assertNoDrift, releasingOnDrift } from '../shared/drift';
import {
  type AnalysisSettings,
  countFinishedExecutions,
  countFinishedFromMetrics,
  judge,
} from '../shared/analysis';
import { DETAIL_TYPES, type LifecycleEvents, LifecycleLog } from '../shared/lifecycle';
import type { DeploymentLock, Signal } from '../shared/lock';
import { AlarmNotFoundError } from '../shared/errors';
import { ALARM_REASON_MAX_CHARS, truncate } from '../shared/limits';
import { logDeployment, logger } from '../shared/logger';
import { recordPromotion } from '../shared/promotion';

export interface CheckAlarmsDeps {
  sfn: SFNClient;
  cloudWatch: CloudWatchClient;
  lock: DeploymentLock;
  clock?: Clock;
  /** Names the execution a continuation runs in. @default a random UUID */
  newExecutionName?: () => string;
  /** Where `Deployment Paused`, `Deployment Resumed` and `Deployment Promoted` go. @default none */
  lifecycle?: LifecycleEvents;
}

export async function checkAlarms(event: LoopEvent, deps: CheckAlarmsDeps): Promise<DeployerState> {
  const state = copyState(event.state);
  const { deployment, request } = state;
  const now = eventTime(event.now, deps.clock ?? systemClock);

  // Takes the operators' signals and the wake-up, which also proves the lock is still held: a
  // deployment that lost it (recovered after a stop, or taken over) stops here, before it decides anything.
  const signals = await deps.lock.takeSignals(deployment.aliasArn, deployment.owner);
  await releasingOnDrift(deps.lock, deployment, now, () =>
    assertNoDrift(deps.sfn, deployment.aliasArn, [deployment.routing]),
  );
  const steering = applySignals(deployment, signals);
  const events = new LifecycleLog(deployment);
  for (const signal of signals) {
    const type = { pause: DETAIL_TYPES.paused, resume: DETAIL_TYPES.resumed }[signal.action as string];
    if (type) events.add(type, now, { sender: signal.sender, reason: signal.reason, signaledAt: signal.at });
  }
  // Who steered the deployment, and why, goes on its record as soon as it is acted on.
  if (signals.length > 0)
    await deps.lock.update(deployment.aliasArn, deployment.owner, { signals: deployment.signals });
  // An abort rolls back at once; anything else is decided only after the alarms are read.
  const fired = deployment.aborted
    ? []
    : await firedAlarms(deps.cloudWatch, {
        names: request.alarms,
        failingStates: request.failOnInsufficientData ? ['ALARM', 'INSUFFICIENT_DATA'] : ['ALARM'],
        since: new Date(deployment.lastCheckedAt),
        watchStartedAt: new Date(deployment.watchStartedAt),
        countAlreadyFiring: !request.ignoreAlarmsAlreadyFiring,
      });
  deployment.polls += 1;
  deployment.lastCheckedAt = now.toISOString();
  // A wait that failed fell back to a plain Wait: two more events, and worth a warning.
  if (state.waitFailure)
    logger.warn('The wait could not store its token; fell back to a plain Wait', state.waitFailure);
  countEvents(
    deployment,
    event.executionArn,
    POLL_EVENTS + (state.waitFailure ? EVENTS.wait : 0),
    event.retries,
  );
  delete state.waitFailure;
  if (fired.length > 0) deployment.firedAlarms = fired;
  const analysis = request.analysis;
  const previous = deployment.verdict;
  const verdict =
    analysis && !deployment.aborted
      ? await analyzeStep(deps.sfn, deps.cloudWatch, deployment, analysis, now)
      : undefined;
  if (verdict?.worse) {
    // Told once per step: a dry run's verdict stays "worse" at every poll after.
    if (!(previous?.worse && previous.step === verdict.step))
      events.add(DETAIL_TYPES.analyzed, now, { verdict });
    if (!verdict.dryRun) deployment.analysisFailed = verdict.summary;
  }
  decideNextMove(deployment, request.alarmPollingSeconds, now, {
    ...steering,
    alarmsFired: fired.length > 0 || deployment.analysisFailed !== undefined,
    traffic:
      analysis && !analysis.dryRun && verdict
        ? {
            short: verdict.new.finished < analysis.minExecutions,
            minExecutions: analysis.minExecutions,
            maxHoldSeconds: analysis.maxHoldSeconds,
            onInsufficient: analysis.onInsufficientTraffic,
          }
        : undefined,
  });
  // A step that is over keeps its last verdict, in the state and on the deployment's record.
  if (verdict && deployment.next !== 'POLL') {
    deployment.verdicts = [...(deployment.verdicts ?? []), verdict];
    await deps.lock.update(deployment.aliasArn, deployment.owner, { verdicts: deployment.verdicts });
  }

  if ((deployment.next === 'SHIFT' || deployment.next === 'POLL') && mustContinue(deployment)) {
    // The history is nearly full: a new execution, and only that one, carries the loop on from here.
    deployment.resumeWith = deployment.next;
    deployment.next = 'CONTINUE';
    deployment.handoffTo = `continue-${deployment.segments + 1}-${(deps.newExecutionName ?? randomUUID)()}`;
    await deps.lock.handOff(deployment.aliasArn, deployment.owner, {
      executionName: deployment.handoffTo,
      state: JSON.stringify(state),
    });
  }
  // With post-traffic checks, the promotion waits for them (lambda/traffic-tests records it).
  if (deployment.next === 'FINISH' && request.postTraffic) deployment.next = 'VERIFY';
  // Promoted: recorded now, so a stop or a failure while pruning leaves the alias on the new version.
  if (deployment.next === 'FINISH') await recordPromotion(deps.lock, deployment, now, events);
  await events.flush(deps.lifecycle);
  logger.info('Checked alarms', {
    next: deployment.next,
    fired,
    signals,
    step: deployment.stepIndex + 1,
    polls: deployment.polls,
  });
  return state;
}

/** What the signals taken at one check ask for, beyond what they set on the deployment. */
export interface Steering {
  /** `promote` was sent: go to 100% now, and with `full` skip the bake there too. */
  promote?: Signal;
  /** `resume` (or `promote`) was sent: a pause step is answered. */
  resumed: boolean;
}

/**
 * Records the signals on the deployment, in the order they were sent: `pause` holds, `resume`
 * and `promote` release a hold, `abort` wins over everything.
 */
export function applySignals(deployment: Deployment, signals: readonly Signal[]): Steering {
  const steering: Steering = { resumed: false };
  for (const signal of signals) {
    deployment.signals = [...(deployment.signals ?? []), signal];
    switch (signal.action) {
      case 'abort':
        deployment.aborted ??= signal;
        break;
      case 'pause':
        deployment.paused = signal;
        break;
      case 'resume':
        delete deployment.paused;
        steering.resumed = true;
        break;
      case 'promote':
        delete deployment.paused;
        steering.promote = signal;
        steering.resumed = true;
        break;
    }
  }
  return steering;
}

/**
 * The loop's next move after a check, from the alarms, the signals and the clock. Sets `next`,
 * and the step index and wait that go with it.
 */
export function decideNextMove(
  deployment: Deployment,
  pollSeconds: number,
  now: Date,
  check: Steering & {
    alarmsFired: boolean;
    /** With `analysis`: whether the step has seen too few of the new version's executions to end. */
    traffic?: {
      short: boolean;
      minExecutions: number;
      maxHoldSeconds: number;
      onInsufficient: 'rollBack' | 'promote';
    };
  },
): void {
  const step = deployment.steps[deployment.stepIndex];
  const last = deployment.stepIndex >= deployment.steps.length - 1;
  const stepEndsAt = new Date(deployment.stepEndsAt ?? now.toISOString()).getTime();
  const due = now.getTime() >= stepEndsAt;
  const poll = (seconds: number) => {
    deployment.next = 'POLL';
    deployment.waitSeconds = Math.max(1, Math.min(pollSeconds, seconds));
  };
  const advance = () => {
    deployment.next = last ? 'FINISH' : 'SHIFT';
    if (!last) deployment.stepIndex += 1;
  };

  if (deployment.aborted || check.alarmsFired) {
    deployment.next = 'ROLL_BACK';
  } else if (check.promote) {
    const atFull = step?.weight === 100;
    if (atFull && (check.promote.full || due)) {
      deployment.next = 'FINISH';
    } else if (atFull) {
      poll(Math.ceil((stepEndsAt - now.getTime()) / 1000));
    } else {
      // Straight to 100%: the final step, with its bake unless `full` skips it.
      const finalHold = check.promote.full ? 0 : (deployment.steps.at(-1)?.holdSeconds ?? 0);
      deployment.steps = [
        ...deployment.steps.slice(0, deployment.stepIndex + 1),
        { weight: 100, holdSeconds: finalHold },
      ];
      advance();
    }
  } else if (step?.pause) {
    if (check.resumed) advance();
    else if (due && step.pause.timeoutSeconds !== undefined) {
      if (step.pause.onTimeout === 'continue') advance();
      else {
        deployment.next = 'ROLL_BACK';
        deployment.gateTimedOut =
          `pause step ${deployment.stepIndex + 1} was not resumed or promoted within ` +
          `${step.pause.timeoutSeconds} s`;
      }
    } else {
      poll(due ? pollSeconds : Math.ceil((stepEndsAt - now.getTime()) / 1000));
    }
  } else if (due && deployment.paused) {
    // Held past the step's end until someone resumes; the alarms are still watched at every poll.
    poll(pollSeconds);
  } else if (due && check.traffic?.short) {
    // No blind promotion: the step holds until the new version has finished enough executions.
    const heldSeconds = (now.getTime() - stepEndsAt) / 1000;
    if (heldSeconds < check.traffic.maxHoldSeconds) {
      poll(Math.min(pollSeconds, Math.ceil(check.traffic.maxHoldSeconds - heldSeconds)));
    } else if (check.traffic.onInsufficient === 'promote') {
      advance();
    } else {
      deployment.next = 'ROLL_BACK';
      deployment.insufficientTraffic =
        `step ${deployment.stepIndex + 1} saw ${deployment.verdict?.new.finished ?? 0} finished executions of the new ` +
        `version, fewer than analysis.minExecutions (${check.traffic.minExecutions}), ` +
        `${check.traffic.maxHoldSeconds} s past its end`;
    }
  } else if (due) {
    advance();
  } else {
    // The last wait of a step ends exactly at its end, so every step gets a final check before the next shift.
    poll(Math.ceil((stepEndsAt - now.getTime()) / 1000));
  }
}

export interface AlarmWatch {
  names: readonly string[];
  failingStates: StateValue[];
  /** Start of the window not yet checked. */
  since: Date;
  watchStartedAt: Date;
  /** Whether an alarm already failing when the watch started counts (unless it transitioned since). */
  countAlreadyFiring: boolean;
}

/** Descriptions of the watched alarms that are failing now, or went to a failing state since `since`. */
/**
 * The analysis of the current step: the new and the origin version's executions finished since the
 * step's shift, and Fisher's exact test on them. Recorded on the deployment as its latest verdict.
 */
export async function analyzeStep(
  sfn: SFNClient,
  cloudWatch: CloudWatchClient,
  deployment: Deployment,
  settings: AnalysisSettings,
  now: Date,
): Promise<RecordedVerdict> {
  const since = Date.parse(deployment.timeline.at(-1)?.at ?? deployment.watchStartedAt);
  // Standard executions are listed (Step Functions' own record); Express ones only counted in metrics.
  const count = (versionArn: string) =>
    deployment.express
      ? countFinishedFromMetrics(cloudWatch, versionArn, since, now.getTime())
      : countFinishedExecutions(sfn, versionArn, since);
  const [newCounts, oldCounts] = await Promise.all([
    count(deployment.targetVersionArn),
    count(deployment.originVersionArn),
  ]);
  const verdict = judge(newCounts, oldCounts, settings);
  const recorded: RecordedVerdict = {
    step: Math.min(deployment.stepIndex + 1, deployment.steps.length),
    at: now.toISOString(),
    new: { finished: newCounts.finished, failed: newCounts.failed },
    old: { finished: oldCounts.finished, failed: oldCounts.failed },
    pValue: verdict.pValue,
    worse: verdict.worse,
    dryRun: settings.dryRun,
    summary: settings.dryRun ? `${verdict.summary} (dry run)` : verdict.summary,
  };
  deployment.verdict = recorded;
  logger.info('Analyzed the new version’s executions', {
    ...recorded,
    truncated: newCounts.truncated || oldCounts.truncated,
  });
  return recorded;
}

export async function firedAlarms(cloudWatch: CloudWatchClient, watch: AlarmWatch): Promise<string[]> {
  if (watch.names.length === 0) return [];
  const alarms = await describeAlarms(cloudWatch, watch.names);
  const missing = watch.names.filter((name) => !alarms.has(name));
  if (missing.length > 0) throw new AlarmNotFoundError(missing);

  const fired: string[] = [];
  for (const alarm of alarms.values()) {
    if (
      watch.failingStates.includes(alarm.state) &&
      (watch.countAlreadyFiring || transitionedSince(alarm, watch.watchStartedAt))
    ) {
      fired.push(`${alarm.name} is ${alarm.state}: ${truncate(alarm.reason, ALARM_REASON_MAX_CHARS)}`);
    } else if (transitionedSince(alarm, watch.since)) {
      // Its state changed since the last poll: look for a blip into a failing state in between.
      const blip = await failingTransitionSince(cloudWatch, alarm.name, watch);
      if (blip)
        fired.push(
          `${alarm.name} was ${blip.state} at ${blip.at.toISOString()}: ${truncate(blip.reason, ALARM_REASON_MAX_CHARS)}`,
        );
    }
  }
  return fired;
}

function transitionedSince(alarm: AlarmStatus, since: Date): boolean {
  return alarm.transitionedAt === undefined || alarm.transitionedAt.getTime() >= since.getTime();
}

async function failingTransitionSince(
  cloudWatch: CloudWatchClient,
  alarmName: string,
  watch: AlarmWatch,
): Promise<{ state: string; at: Date; reason: string } | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await cloudWatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: alarmName,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        HistoryItemType: 'StateUpdate',
        StartDate: watch.since,
        ScanBy: 'TimestampAscending',
        MaxRecords: 100,
        NextToken: nextToken,
      }),
    );
    for (const item of page.AlarmHistoryItems ?? []) {
      const newState = parseNewState(item.HistoryData);
      if (newState && watch.failingStates.includes(newState.stateValue as StateValue)) {
        return {
          state: newState.stateValue,
          at: item.Timestamp ?? watch.since,
          reason: newState.stateReason ?? '',
        };
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return undefined;
}

/** `HistoryData` of a `StateUpdate` is a JSON string: `{"oldState": {...}, "newState": {"stateValue": "ALARM", ...}}`. */
function parseNewState(
  historyData: string | undefined,
): { stateValue: string; stateReason?: string } | undefined {
  if (!historyData) return undefined;
  try {
    const parsed = JSON.parse(historyData) as { newState?: { stateValue?: string; stateReason?: string } };
    return parsed.newState?.stateValue
      ? { stateValue: parsed.newState.stateValue, stateReason: parsed.newState.stateReason }
      : undefined;
  } catch {
    return undefined;
  }
}

const sfn = createSfnClient();
const cloudWatch = createCloudWatchClient();
const lock = lazily(createDeploymentLock);
const lifecycle = lazily(createLifecycleEvents);

export const handler = async (event: LoopEvent): Promise<DeployerState> => {
  logDeployment(event.executionArn);
  return checkAlarms(event, { sfn, cloudWatch, lock: lock(), lifecycle: lifecycle() });
};
