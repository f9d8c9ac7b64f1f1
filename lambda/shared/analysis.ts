/**
 * Health judged from the new version's own executions: is the new version
 * failing more often than the version it replaces, with confidence?
 *
 * The test is Fisher's exact test, one-sided: with the two versions'
 * finished executions in the same window, the p-value is the chance of the
 * new version getting at least its observed failures if both versions
 * failed at the same rate (the upper tail of the hypergeometric
 * distribution, summed from stdlib's PMF). Exact, so it holds for the
 * handful of executions a canary sees. A ceiling on the new version's own
 * failure rate (`maxFailureRate`) catches a version worse than any baseline
 * once enough executions have finished, even when the old one fails too.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import hypergeometricPmf from '@stdlib/stats-base-dists-hypergeometric-pmf';

/** Finished executions of one version in the window, and how many of them failed (FAILED, TIMED_OUT, ABORTED). */
export interface VersionCounts {
  readonly finished: number;
  readonly failed: number;
}

export interface AnalysisSettings {
  /** Confidence that the new version is worse before rolling back, e.g. 0.99. */
  readonly confidence: number;
  /** Roll back when the new version's own failure rate exceeds this, once `minExecutions` have finished. */
  readonly maxFailureRate?: number;
  /** A step is not over until the new version finished at least this many executions. */
  readonly minExecutions: number;
  /** How long a step may hold past its end waiting for `minExecutions`. */
  readonly maxHoldSeconds: number;
  /** What happens when `minExecutions` are not reached within `maxHoldSeconds`. */
  readonly onInsufficientTraffic: 'rollBack' | 'promote';
  /** Compute, record and publish verdicts, but never act on them. */
  readonly dryRun: boolean;
}

export interface Verdict {
  readonly new: VersionCounts;
  readonly old: VersionCounts;
  /** One-sided p-value that the new version fails no more often than the old. */
  readonly pValue: number;
  readonly worse: boolean;
  /** Why it is worse, or why not, in one line: `new 3/30 failed · old 1/300 · p=0.0026 → roll back`. */
  readonly summary: string;
}

/**
 * Fisher's exact test, one-sided (greater): P(X >= newFailed) for X the new
 * version's failures, hypergeometric with all executions as the population
 * and all failures as the successes. 1 when there is nothing to compare.
 */
export function fisherExactGreater(newCounts: VersionCounts, oldCounts: VersionCounts): number {
  const population = newCounts.finished + oldCounts.finished;
  const failures = newCounts.failed + oldCounts.failed;
  const draws = newCounts.finished;
  if (draws === 0 || failures === 0) return 1;
  const highest = Math.min(failures, draws);
  let p = 0;
  for (let x = newCounts.failed; x <= highest; x++) p += hypergeometricPmf(x, population, failures, draws);
  return Math.min(1, p);
}

const rate = (counts: VersionCounts) => (counts.finished === 0 ? 0 : counts.failed / counts.finished);

/** The verdict for one window of executions. */
export function judge(
  newCounts: VersionCounts,
  oldCounts: VersionCounts,
  settings: AnalysisSettings,
): Verdict {
  const pValue = fisherExactGreater(newCounts, oldCounts);
  const significant = pValue < 1 - settings.confidence;
  const enough = newCounts.finished >= Math.max(1, settings.minExecutions);
  const overCeiling =
    settings.maxFailureRate !== undefined && enough && rate(newCounts) > settings.maxFailureRate;
  const worse = significant || overCeiling;
  const why = significant
    ? `p=${formatP(pValue)} < ${formatP(1 - settings.confidence)}`
    : overCeiling
      ? `failure rate ${percent(rate(newCounts))} > maxFailureRate ${percent(settings.maxFailureRate!)}`
      : `p=${formatP(pValue)}`;
  return {
    new: newCounts,
    old: oldCounts,
    pValue,
    worse,
    summary:
      `new ${newCounts.failed}/${newCounts.finished} failed · old ${oldCounts.failed}/${oldCounts.finished} · ` +
      `${why} → ${worse ? 'roll back' : 'healthy'}`,
  };
}

function formatP(p: number): string {
  return p === 0 ? '0' : p >= 0.01 ? p.toFixed(2) : p.toPrecision(2);
}

function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(3))}%`;
}

/** ListExecutions pages read per version and poll: 10,000 executions, within the API's 2-per-second refill. */
export const MAX_PAGES = 10;
const FAILED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/**
 * The version's executions started at or after `sinceMs` that have finished, and how many failed,
 * from `ListExecutions` on the version ARN (newest first; it stops at the window's start, or after
 * {@link MAX_PAGES} pages, counting what it read). Executions still running are not counted yet.
 */
export async function countFinishedExecutions(
  sfn: SFNClient,
  versionArn: string,
  sinceMs: number,
): Promise<VersionCounts & { truncated: boolean }> {
  let finished = 0;
  let failed = 0;
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const out = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: versionArn, maxResults: 1000, nextToken }),
    );
    for (const execution of out.executions ?? []) {
      if ((execution.startDate?.getTime() ?? 0) < sinceMs) return { finished, failed, truncated: false };
      if (execution.status === 'RUNNING' || execution.status === 'PENDING_REDRIVE') continue;
      finished += 1;
      if (FAILED.has(execution.status ?? '')) failed += 1;
    }
    nextToken = out.nextToken;
    if (!nextToken) return { finished, failed, truncated: false };
  }
  return { finished, failed, truncated: true };
}

/** The `AWS/States` metrics that end an execution; all but the first are failures. */
const ENDINGS = [
  'ExecutionsSucceeded',
  'ExecutionsFailed',
  'ExecutionsTimedOut',
  'ExecutionsAborted',
] as const;

/**
 * An Express version's finished executions and failures since `sinceMs`, from its `AWS/States`
 * metrics (`StateMachineArn` and `Version` dimensions, Sum per minute): Express executions cannot
 * be listed. Metrics are best effort and per minute, so the window starts at the minute of
 * `sinceMs` and a datapoint may come late; the next check counts it.
 */
export async function countFinishedFromMetrics(
  cloudWatch: CloudWatchClient,
  versionArn: string,
  sinceMs: number,
  nowMs: number,
): Promise<VersionCounts & { truncated: boolean }> {
  const qualifier = versionArn.lastIndexOf(':');
  const stateMachineArn = versionArn.slice(0, qualifier);
  const version = versionArn.slice(qualifier + 1);
  const queries: MetricDataQuery[] = ENDINGS.map((metricName, index) => ({
    Id: `m${index}`,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/States',
        MetricName: metricName,
        Dimensions: [
          { Name: 'StateMachineArn', Value: stateMachineArn },
          { Name: 'Version', Value: version },
        ],
      },
      Period: 60,
      Stat: 'Sum',
    },
  }));
  const start = Math.floor(sinceMs / 60_000) * 60_000;
  // The minute now is in counts too: its datapoint holds what finished so far.
  const end = Math.max(start + 60_000, Math.ceil((nowMs + 1) / 60_000) * 60_000);
  const totals = new Map<string, number>();
  let nextToken: string | undefined;
  do {
    const out = await cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(start),
        EndTime: new Date(end),
        NextToken: nextToken,
      }),
    );
    for (const result of out.MetricDataResults ?? []) {
      const sum = (result.Values ?? []).reduce((total, value) => total + value, 0);
      totals.set(result.Id ?? '', (totals.get(result.Id ?? '') ?? 0) + sum);
    }
    nextToken = out.NextToken;
  } while (nextToken);
  const count = (index: number) => Math.round(totals.get(`m${index}`) ?? 0);
  const failed = count(1) + count(2) + count(3);
  return { finished: count(0) + failed, failed, truncated: false };
}
