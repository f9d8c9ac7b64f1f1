/**
 * Follows a deployer execution to its end: polls `DescribeExecution` and the
 * new part of `GetExecutionHistory` every refresh, and the watched alarms,
 * and tells an observer each event as it happens.
 */
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { DeploymentResult } from '../lambda/shared/deployment';
import { type DeployEvent, initialProgress, parseJson, type Progress, readHistoryEvent } from './events';

export type FinalEvent = Extract<DeployEvent, { type: 'succeeded' | 'failed' }>;

export interface Observer {
  event(event: DeployEvent, progress: Progress): void;
  /** Called after every poll, so a live view can count down to the next shift. */
  tick(progress: Progress): void;
}

export interface FollowDeps {
  sfn: SFNClient;
  cloudWatch: CloudWatchClient;
  sleep: (milliseconds: number) => Promise<void>;
  now: () => Date;
  refreshSeconds: number;
}

export async function follow(
  executionArn: string,
  deps: FollowDeps,
  observer: Observer,
): Promise<FinalEvent> {
  const progress = initialProgress(executionArn);
  // A long deployment continues in child executions; their histories hold its events, while
  // the started execution keeps the final status.
  let historyArn = executionArn;
  let lastEventId = 0;
  for (;;) {
    // Describe first: once it reports the end, the history read after it holds every event.
    const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const told: DeployEvent[] = [];
    let continued = true;
    while (continued) {
      continued = false;
      for (const historyEvent of await historySince(deps.sfn, historyArn, lastEventId)) {
        lastEventId = Math.max(lastEventId, historyEvent.id ?? 0);
        told.push(...readHistoryEvent(historyEvent, progress));
        const child = continuation(historyEvent);
        if (child) {
          historyArn = child;
          lastEventId = 0;
          continued = true;
          break;
        }
      }
    }
    progress.status = execution.status ?? 'RUNNING';
    const running = progress.status === 'RUNNING' || progress.status === 'PENDING_REDRIVE';
    if (running) told.push(...(await pollAlarms(deps.cloudWatch, progress, deps.now)));
    // An alarm read after the history may have changed before its last events: told in time order.
    for (const event of inTimeOrder(told)) observer.event(event, progress);
    if (!running) {
      const final = finalEvent(execution);
      observer.event(final, progress);
      return final;
    }
    observer.tick(progress);
    await deps.sleep(deps.refreshSeconds * 1000);
  }
}

/** Sorted by `at`, ties kept in the order they were read (`Array.prototype.sort` is stable). */
export function inTimeOrder(events: DeployEvent[]): DeployEvent[] {
  return [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** The child execution a `Continue in a new execution` task started, from its `TaskSubmitted` event. */
export function continuation(event: HistoryEvent): string | undefined {
  if (event.type !== 'TaskSubmitted' || event.taskSubmittedEventDetails?.resourceType !== 'states')
    return undefined;
  const output = parseJson(event.taskSubmittedEventDetails.output) as { ExecutionArn?: unknown } | undefined;
  return typeof output?.ExecutionArn === 'string' ? output.ExecutionArn : undefined;
}

/**
 * The events after `lastEventId`, oldest first. Read newest first and stop at
 * the last one seen, so a poll costs one call however long the history grows
 * (a long deployment has thousands of events; the API refills at a few per second).
 */
export async function historySince(
  sfn: SFNClient,
  executionArn: string,
  lastEventId: number,
): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 100,
        includeExecutionData: true,
        nextToken,
      }),
    );
    for (const event of page.events ?? []) {
      if ((event.id ?? 0) <= lastEventId) return fresh.reverse();
      fresh.push(event);
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return fresh.reverse();
}

/** The watched alarms' states, as events when they change. Both alarm types, or composites go unseen. */
async function pollAlarms(
  cloudWatch: CloudWatchClient,
  progress: Progress,
  now: () => Date,
): Promise<DeployEvent[]> {
  if (progress.alarmNames.length === 0) return [];
  const changes: DeployEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cloudWatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: progress.alarmNames,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        NextToken: nextToken,
      }),
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      const name = alarm.AlarmName ?? '';
      const state = alarm.StateValue ?? 'UNKNOWN';
      const previous = progress.alarmStates[name];
      if (previous === state) continue;
      progress.alarmStates[name] = state;
      // A change is stamped when the alarm changed; the first reading is the state as of now (its
      // last change may be days old, and would print before the deployment started).
      const at = (previous ? (alarm.StateUpdatedTimestamp ?? now()) : now()).toISOString();
      changes.push({ type: 'alarm', at, alarm: name, state, ...(previous ? { previous } : {}) });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return changes;
}

/** The outcome of an execution that ended, as an event. */
export function finalEvent(execution: DescribeExecutionCommandOutput): FinalEvent {
  const at = (execution.stopDate ?? new Date(0)).toISOString();
  if (execution.status === 'SUCCEEDED') {
    return {
      type: 'succeeded',
      at,
      result: (parseJson(execution.output) ?? {}) as Partial<DeploymentResult>,
    };
  }
  return {
    type: 'failed',
    at,
    status: execution.status ?? 'FAILED',
    error: execution.error ?? `States.${execution.status ?? 'Failed'}`,
    cause: execution.cause ?? `the execution ended ${execution.status ?? 'FAILED'}`,
  };
}
