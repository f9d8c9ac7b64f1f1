/**
 * What a deployment report draws, computed from what was read: the weight
 * line with one point per shift, the markers, the alarm bands, the executions
 * per version per time bucket, the summary rows and the event log. Pure, so
 * the page's content is tested without a browser or AWS.
 */
import { formatDuration } from '../../lambda/shared/plan';
import { versionLabel } from '../../lambda/shared/routing';
import type { DeployEvent } from '../events';
import { formatEvent } from '../render';
import type { DeploymentData } from './read-deployment';

export interface WeightPoint {
  atMs: number;
  weight: number;
}

export interface Shift extends WeightPoint {
  step: number;
  of: number;
}

export type MarkerKind =
  'started' | 'signal' | 'verdict' | 'alarms-fired' | 'rollback' | 'pruned' | 'outcome';

export interface Marker {
  kind: MarkerKind;
  atMs: number;
  /** A few words drawn by the marker. */
  label: string;
  /** The whole story, shown on hover. */
  detail: string;
}

export interface AlarmBand {
  fromMs: number;
  toMs: number;
  state: string;
}

export interface ExecutionBucket {
  startMs: number;
  /** Per version, in the order of `ReportModel.versions`. */
  counts: { succeeded: number; failed: number }[];
}

export interface ReportModel {
  title: string;
  executionArn: string;
  status: string;
  /** PROMOTED, DeploymentRolledBack, … or RUNNING. */
  outcome: string;
  /** True when it succeeded, false when it failed, undefined while it runs. */
  succeeded?: boolean;
  /** The chart's span: the deployment and a margin either side. */
  fromMs: number;
  toMs: number;
  /** When the deployment started: times in the page are counted from here. */
  startMs: number;
  versions: { arn: string; label: string; role: 'old' | 'new' }[];
  /** The weight to the new version: a step line through these vertices. */
  weightLine: WeightPoint[];
  shifts: Shift[];
  markers: Marker[];
  alarms: { alarm: string; bands: AlarmBand[] }[];
  bucketMs: number;
  buckets: ExecutionBucket[];
  executionsTruncated: boolean;
  summary: [string, string][];
  log: { atMs: number; text: string }[];
}

/** Bucket widths the executions chart may use: one minute, unless that gives more than MAX_BUCKETS bars. */
const BUCKET_SIZES_MINUTES = [1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440, 2880, 10080];
export const MAX_BUCKETS = 120;

const FAILED_STATUSES = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

export function buildReportModel(data: DeploymentData): ReportModel {
  const { fromMs, toMs } = data.window;
  const startMs = Date.parse(data.startedAt);
  const endMs = Date.parse(data.endedAt ?? data.readAt);
  const after = (atMs: number) => offset(atMs - startMs);
  const final = data.events.find(
    (event): event is Extract<DeployEvent, { type: 'succeeded' | 'failed' }> =>
      event.type === 'succeeded' || event.type === 'failed',
  );
  const outcome =
    final?.type === 'succeeded'
      ? (final.result.outcome ?? 'SUCCEEDED')
      : final?.type === 'failed'
        ? final.error
        : data.status;
  const { progress } = data;
  const versions = [
    ...(data.fromVersionArn ? [{ arn: data.fromVersionArn, role: 'old' as const }] : []),
    ...(data.toVersionArn ? [{ arn: data.toVersionArn, role: 'new' as const }] : []),
  ].map((version) => ({ ...version, label: versionLabel(version.arn) }));

  const shifts: Shift[] = [];
  const markers: Marker[] = [];
  const weightLine: WeightPoint[] = [{ atMs: fromMs, weight: 0 }];
  for (const event of data.events) {
    const atMs = Date.parse(event.at);
    const detail = logText(event);
    switch (event.type) {
      case 'started':
        markers.push({ kind: 'started', atMs, label: 'started', detail });
        break;
      case 'shifted':
        shifts.push({ atMs, weight: event.weight, step: event.step, of: event.of });
        weightLine.push({ atMs, weight: event.weight });
        break;
      case 'rolled-back':
        weightLine.push({ atMs, weight: 0 });
        markers.push({ kind: 'rollback', atMs, label: 'rolled back', detail: `${detail}: ${event.cause}` });
        break;
      case 'alarms-fired':
        markers.push({ kind: 'alarms-fired', atMs, label: 'alarm fired', detail: event.alarms.join('\n') });
        break;
      case 'signal':
        markers.push({ kind: 'signal', atMs, label: event.action, detail });
        break;
      case 'verdict':
        markers.push({ kind: 'verdict', atMs, label: event.worse ? 'verdict: worse' : 'verdict', detail });
        break;
      case 'pruned':
        markers.push({ kind: 'pruned', atMs, label: 'pruned', detail });
        break;
      case 'succeeded':
      case 'failed':
        markers.push({ kind: 'outcome', atMs, label: outcome, detail });
        break;
      default:
        break;
    }
  }
  weightLine.push({ atMs: toMs, weight: weightLine.at(-1)!.weight });

  const alarms = data.alarms.map((history) => {
    const bands: AlarmBand[] = [];
    let state = history.initial ?? 'UNKNOWN';
    let since = fromMs;
    for (const change of history.changes) {
      const atMs = Date.parse(change.at);
      if (atMs > since) bands.push({ fromMs: since, toMs: atMs, state });
      state = change.state;
      since = Math.max(since, atMs);
    }
    bands.push({ fromMs: since, toMs, state });
    return { alarm: history.alarm, bands };
  });

  const bucketMs = bucketSize(toMs - fromMs);
  const firstBucket = Math.floor(fromMs / bucketMs) * bucketMs;
  const buckets: ExecutionBucket[] = [];
  for (let start = firstBucket; start < toMs; start += bucketMs) {
    buckets.push({ startMs: start, counts: versions.map(() => ({ succeeded: 0, failed: 0 })) });
  }
  const totals = versions.map(() => ({ succeeded: 0, failed: 0 }));
  data.executions.forEach((version) => {
    const index = versions.findIndex((v) => v.arn === version.versionArn);
    if (index < 0) return;
    for (const execution of version.ended) {
      const atMs = Date.parse(execution.at);
      const bucket = buckets[Math.floor((atMs - firstBucket) / bucketMs)];
      const kind = FAILED_STATUSES.has(execution.status)
        ? 'failed'
        : execution.status === 'SUCCEEDED'
          ? 'succeeded'
          : undefined;
      if (!bucket || !kind) continue;
      bucket.counts[index]![kind] += 1;
      // The totals are the deployment's own; the margins either side are drawn only.
      if (atMs >= startMs && atMs <= endMs) totals[index]![kind] += 1;
    }
  });

  const alarmEvents: DeployEvent[] = data.alarms.flatMap((history) =>
    history.changes.map((change, index) => ({
      type: 'alarm' as const,
      at: change.at,
      alarm: history.alarm,
      state: change.state,
      ...((index === 0 ? history.initial : history.changes[index - 1]?.state)
        ? { previous: index === 0 ? history.initial : history.changes[index - 1]!.state }
        : {}),
    })),
  );
  // Alarm changes first: an alarm goes to ALARM before the deployer can see it and roll back.
  const log = [...alarmEvents, ...data.events]
    .map((event) => ({ atMs: Date.parse(event.at), text: logText(event) }))
    .sort((a, b) => a.atMs - b.atMs);

  const target = `${progress.stateMachine ?? '?'}:${progress.alias ?? '?'}`;
  const versionsText = versions.map((version) => version.label).join(' → ');
  const summary: [string, string][] = [
    ['Outcome', final ? `${outcome} (${data.status})` : `${data.status}, as of ${data.readAt}`],
    ...(final?.type === 'failed' ? [['Cause', final.cause] as [string, string]] : []),
    ['Alias', target],
    ['Versions', versionsText || '?'],
    [
      'Strategy',
      `${progress.strategy ?? '?'}${progress.steps.length > 0 ? `: ${progress.steps.map((step) => `${step.weight}%`).join(' → ')}` : ''}`,
    ],
    ['Started', data.startedAt],
    [
      data.endedAt ? 'Ended' : 'Read at',
      `${data.endedAt ?? data.readAt} (after ${formatDuration((endMs - startMs) / 1000)})`,
    ],
    [
      'Shifts',
      shifts.length === 0
        ? 'none'
        : shifts.map((shift) => `${shift.weight}% at ${after(shift.atMs)}`).join(', '),
    ],
    ...versions.map(
      (version, index) =>
        [
          `${version.label} (${version.role}) during it`,
          `${totals[index]!.succeeded} succeeded, ${totals[index]!.failed} failed${data.executions[index]?.truncated ? ' (only the newest were read)' : ''}`,
        ] as [string, string],
    ),
    ...alarms.map(
      ({ alarm, bands }) =>
        [`Alarm ${alarm}`, bands.map((band) => `${band.state} from ${after(band.fromMs)}`).join(', ')] as [
          string,
          string,
        ],
    ),
    ...data.events.flatMap((event): [string, string][] => {
      if (event.type === 'signal')
        return [
          [
            'Signal',
            `${event.action} by ${event.sender} at ${after(Date.parse(event.at))}${event.reason ? `: ${event.reason}` : ''}`,
          ],
        ];
      if (event.type === 'verdict')
        return [['Verdict', `at ${after(Date.parse(event.at))}: ${event.summary}`]];
      if (event.type === 'pruned')
        return [['Pruned', event.versionArns.map(versionLabel).join(', ') || 'none']];
      return [];
    }),
    ['Deployer execution', data.executionArn],
  ];

  return {
    title: `${target}: ${versionsText ? `${versionsText}, ` : ''}${outcome}`,
    executionArn: data.executionArn,
    status: data.status,
    outcome,
    ...(final ? { succeeded: final.type === 'succeeded' } : {}),
    fromMs,
    toMs,
    startMs,
    versions,
    weightLine,
    shifts,
    markers,
    alarms,
    bucketMs,
    buckets,
    executionsTruncated: data.executions.some((version) => version.truncated),
    summary,
    log,
  };
}

/** The smallest bucket width that keeps the executions chart to MAX_BUCKETS bars. */
export function bucketSize(spanMs: number): number {
  const minutes =
    BUCKET_SIZES_MINUTES.find((size) => spanMs / (size * 60_000) <= MAX_BUCKETS) ??
    BUCKET_SIZES_MINUTES.at(-1)!;
  return minutes * 60_000;
}

/** `+1m 30s` or `-1m`: a time counted from the deployment's start. */
export function offset(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${formatDuration(Math.abs(ms) / 1000)}`;
}

/** An event as `watch` prints it, without its time (the log shows that in a column of its own). */
function logText(event: DeployEvent): string {
  return formatEvent(event).replace(/^\d\d:\d\d:\d\d\s+/, '');
}
