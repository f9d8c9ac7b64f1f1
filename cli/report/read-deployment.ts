/**
 * Everything a deployment report shows, read from the service after the fact:
 * the deployer execution's own history (and its continuations), each watched
 * alarm's state changes (`DescribeAlarmHistory`) and the executions each of
 * the two versions ran (`ListExecutions` by version ARN). All times are the
 * service's, so a report of a deployment on the local cloud is in its virtual time.
 */
import {
  type CloudWatchClient,
  paginateDescribeAlarmHistory,
  type AlarmHistoryItem,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionDoesNotExist,
  paginateListExecutions,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { UsageError } from '../errors';
import { type DeployEvent, initialProgress, type Progress, readHistoryEvent } from '../events';
import { continuation, finalEvent, historySince } from '../follow';

export interface AlarmChange {
  at: string;
  state: string;
}

export interface AlarmHistory {
  alarm: string;
  /** The state the alarm was in when the deployment started, when its history tells. */
  initial?: string;
  /** State changes during the deployment, oldest first. */
  changes: AlarmChange[];
}

/** An execution of a version that ended while the deployment ran. */
export interface EndedExecution {
  at: string;
  status: string;
}

export interface VersionExecutions {
  versionArn: string;
  ended: EndedExecution[];
  /** True when there were more than `MAX_EXECUTIONS_PER_VERSION` and the oldest were left out. */
  truncated: boolean;
}

export interface DeploymentData {
  executionArn: string;
  status: string;
  startedAt: string;
  endedAt?: string;
  /** The service's time when this was read: where the chart ends while the deployment runs. */
  readAt: string;
  /** What the report covers: the deployment, and a margin either side (none after it past `readAt`). */
  window: { fromMs: number; toMs: number };
  /** What the deployment did, in order, ending with its outcome once it ended. */
  events: DeployEvent[];
  progress: Progress;
  fromVersionArn?: string;
  toVersionArn?: string;
  alarms: AlarmHistory[];
  executions: VersionExecutions[];
}

/** A bound on what one report lists per version: 100 pages of `ListExecutions`. */
export const MAX_EXECUTIONS_PER_VERSION = 100_000;

/** How long before the deployment's start executions that ended during it are looked for. */
const LOOKBACK_MS = 15 * 60_000;

export interface ReadDeploymentDeps {
  sfn: SFNClient;
  cloudWatch: CloudWatchClient;
  /** The service's time now. */
  now: () => Date;
}

export async function readDeployment(
  executionArn: string,
  deps: ReadDeploymentDeps,
): Promise<DeploymentData> {
  const execution = await describe(deps.sfn, executionArn);
  const readAt = deps.now().toISOString();
  const progress = initialProgress(executionArn);
  const events = await readEvents(deps.sfn, executionArn, progress);
  const planned = events.find((event) => event.type === 'planned');
  if (!events.some((event) => event.type === 'started') || progress.alias === undefined) {
    throw new UsageError(
      `${executionArn} is not a deployment: its input names no alias to deploy (expected an execution of the deployer, as printed by sfn-deploy start)`,
    );
  }
  progress.status = execution.status ?? 'RUNNING';
  const ended = progress.status !== 'RUNNING' && progress.status !== 'PENDING_REDRIVE';
  if (ended) events.push(finalEvent(execution));

  const startedAt =
    execution.startDate?.toISOString() ?? events.find((event) => event.type === 'started')!.at;
  const endedAt = ended ? (execution.stopDate ?? new Date(readAt)).toISOString() : undefined;
  const window = reportWindow(
    Date.parse(startedAt),
    endedAt ? Date.parse(endedAt) : undefined,
    Date.parse(readAt),
  );
  const versionArns = planned
    ? [planned.fromVersionArn, planned.toVersionArn].filter((arn): arn is string => Boolean(arn))
    : [];
  return {
    executionArn,
    status: progress.status,
    startedAt,
    ...(endedAt ? { endedAt } : {}),
    readAt,
    window,
    events,
    progress,
    ...(planned ? { fromVersionArn: planned.fromVersionArn, toVersionArn: planned.toVersionArn } : {}),
    alarms: await Promise.all(
      progress.alarmNames.map((alarm) => alarmHistory(deps.cloudWatch, alarm, window)),
    ),
    executions: await Promise.all(
      versionArns.map((versionArn) => versionExecutions(deps.sfn, versionArn, window)),
    ),
  };
}

/**
 * The deployment with a tenth of its length (at least a minute) either side, so the
 * traffic before the first shift and the alarm after a rollback are in the picture.
 */
export function reportWindow(
  startMs: number,
  endMs: number | undefined,
  readMs: number,
): { fromMs: number; toMs: number } {
  const margin = Math.max(60_000, Math.round(((endMs ?? readMs) - startMs) / 10));
  return {
    fromMs: startMs - margin,
    toMs:
      endMs === undefined
        ? Math.max(readMs, startMs + 1000)
        : Math.max(endMs, Math.min(endMs + margin, readMs)),
  };
}

async function describe(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) {
      throw new UsageError(
        `No execution ${executionArn} (ExecutionDoesNotExist): check the ARN, and the region and endpoint it is in`,
      );
    }
    throw error;
  }
}

/** The deployment's events from its history and the histories of the executions it continued in. */
async function readEvents(sfn: SFNClient, executionArn: string, progress: Progress): Promise<DeployEvent[]> {
  const events: DeployEvent[] = [];
  let historyArn: string | undefined = executionArn;
  while (historyArn) {
    const history = await historySince(sfn, historyArn, 0);
    historyArn = undefined;
    const continued = events.length > 0;
    for (const historyEvent of history) {
      // A continuation's start is a step of the deployment, not its start.
      if (continued && historyEvent.type === 'ExecutionStarted') continue;
      events.push(...readHistoryEvent(historyEvent, progress));
      historyArn = continuation(historyEvent);
      if (historyArn) break;
    }
  }
  return events;
}

/**
 * The alarm's state changes during the window, and its state at the window's
 * start: the new state of the last change before it, or else the old state of
 * the first change in it. CloudWatch keeps alarm history for 30 days
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
 */
async function alarmHistory(
  cloudWatch: CloudWatchClient,
  alarm: string,
  window: { fromMs: number; toMs: number },
): Promise<AlarmHistory> {
  const items: AlarmHistoryItem[] = [];
  for await (const page of paginateDescribeAlarmHistory(
    { client: cloudWatch },
    {
      AlarmName: alarm,
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      HistoryItemType: 'StateUpdate',
      EndDate: new Date(window.toMs),
      ScanBy: 'TimestampAscending',
    },
  )) {
    items.push(...(page.AlarmHistoryItems ?? []));
  }
  let initial: string | undefined;
  let firstOld: string | undefined;
  const changes: AlarmChange[] = [];
  for (const item of items) {
    const states = statesOf(item);
    const at = item.Timestamp ?? new Date(0);
    if (at.getTime() < window.fromMs) {
      initial = states.new ?? initial;
    } else if (states.new) {
      if (changes.length === 0) firstOld = states.old;
      changes.push({ at: at.toISOString(), state: states.new });
    }
  }
  initial ??= firstOld;
  return { alarm, ...(initial ? { initial } : {}), changes };
}

/** `oldState` and `newState` of a `StateUpdate` item's `HistoryData`; an unreadable one gives neither. */
function statesOf(item: AlarmHistoryItem): { old?: string; new?: string } {
  try {
    const data = JSON.parse(item.HistoryData ?? '{}') as {
      oldState?: { stateValue?: string };
      newState?: { stateValue?: string };
    };
    return { old: data.oldState?.stateValue, new: data.newState?.stateValue };
  } catch {
    return {};
  }
}

/**
 * The executions of a version that ended during the window, read newest first
 * (the order `ListExecutions` lists in) until one started before the window.
 */
async function versionExecutions(
  sfn: SFNClient,
  versionArn: string,
  window: { fromMs: number; toMs: number },
): Promise<VersionExecutions> {
  const ended: EndedExecution[] = [];
  let listed = 0;
  let truncated = false;
  pages: for await (const page of paginateListExecutions(
    { client: sfn, pageSize: 1000 },
    { stateMachineArn: versionArn },
  )) {
    for (const execution of page.executions ?? []) {
      if (++listed > MAX_EXECUTIONS_PER_VERSION) {
        truncated = true;
        break pages;
      }
      const stoppedMs = execution.stopDate?.getTime();
      if (stoppedMs !== undefined && stoppedMs >= window.fromMs && stoppedMs <= window.toMs) {
        ended.push({ at: execution.stopDate!.toISOString(), status: execution.status ?? 'FAILED' });
      }
      // Listed newest first by start: stop a while before the window, where executions that
      // could still end in it are behind us (a Standard execution running longer is left out).
      if ((execution.startDate?.getTime() ?? 0) < window.fromMs - LOOKBACK_MS) break pages;
    }
  }
  return { versionArn, ended: ended.reverse(), truncated };
}
