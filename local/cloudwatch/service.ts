import { AwsServiceError } from '../wire/aws-error';
import type { Clock } from '../clock/clock';
import type { AwsJsonService, MetricDatum, MetricSink, TokenBucketLimit } from '../wire/service';
import type { Alarm, AlarmStatus, MetricAlarm } from './alarm-model';
import { AlarmRegistry } from './alarm-registry';
import { deleteAlarms, putCompositeAlarm, putMetricAlarm, setAlarmState } from './handlers/alarms';
import type { CloudWatchContext, Handler } from './handlers/context';
import { describeAlarmHistory, describeAlarms } from './handlers/describe';
import {
  getMetricData,
  getMetricStatistics,
  listMetrics,
  putMetricData,
  singleValue,
} from './handlers/metrics';
import { Input } from './input';
import { metricKey, MetricStore } from './metric-store';
import { evaluationRangePeriods } from './evaluation';

export interface CloudWatchServiceOptions {
  clock: Clock;
  region: string;
  accountId: string;
}

const OPERATIONS: Record<string, Handler> = {
  PutMetricData: putMetricData,
  GetMetricStatistics: getMetricStatistics,
  GetMetricData: getMetricData,
  ListMetrics: listMetrics,
  PutMetricAlarm: putMetricAlarm,
  PutCompositeAlarm: putCompositeAlarm,
  DeleteAlarms: deleteAlarms,
  SetAlarmState: setAlarmState,
  DescribeAlarms: describeAlarms,
  DescribeAlarmHistory: describeAlarmHistory,
};

/**
 * CloudWatch's documented request-rate quotas for the reads the deployer polls with
 * ("Rate of DescribeAlarms requests: 9 per second", "DescribeAlarmHistory: 20 per second", cloudwatch_limits).
 */
const RATE_LIMITS: Record<string, TokenBucketLimit> = {
  DescribeAlarms: { bucketSize: 9, refillPerSecond: 9 },
  DescribeAlarmHistory: { bucketSize: 20, refillPerSecond: 20 },
};

/** Client writes after which the next evaluation may change an alarm's state. */
const CHANGES_EVALUATION = new Set(['PutMetricData', 'PutMetricAlarm', 'SetAlarmState']);

interface EvaluationTimer {
  readonly periodMs: number;
  stop: () => void;
  /** Stopped after an evaluation found nothing that could change the alarm's state. */
  dormant: boolean;
}

/** Metric points are pruned to CloudWatch's retention after this many writes, so pruning costs little. */
const PRUNE_EVERY_PUTS = 10_000;

/**
 * CloudWatch metrics and alarms on the local cloud's virtual clock.
 *
 * Evaluation timing: each metric alarm is evaluated at every boundary of its own period
 * (`clock.every(Period)`, boundaries are multiples of the period since the epoch). At boundary T it
 * evaluates the periods that ended at or before T, never the one in progress, so a datapoint stamped t
 * counts from the first boundary after t (a lag of at most one period). Late datapoints for a
 * completed period still count, at the next evaluations, as long as they are in the evaluation range.
 *
 * An alarm whose metric has no datapoint in its evaluation range nor after it is *dormant*: every later
 * evaluation would see the same empty range and give the state it already has, so its timer stops
 * until something can change that — a datapoint for its metric, or a write to any alarm (a new
 * configuration, a state set by hand that the next evaluation resets). A quiet alarm over a year-long
 * deployment then costs one evaluation, not one a period.
 */
export class CloudWatchService implements AwsJsonService, MetricSink {
  readonly targetPrefix = 'GraniteServiceVersion20100801';
  readonly awsQueryCompatible = true;

  private readonly clock: Clock;
  private readonly metrics = new MetricStore();
  private readonly alarms: AlarmRegistry;
  private readonly ctx: CloudWatchContext;
  /** One evaluation timer per metric alarm, restarted when its period changes; none while dormant. */
  private readonly timers = new Map<string, EvaluationTimer>();
  private dormantCount = 0;
  private putsSincePrune = 0;
  /** Evaluation boundaries a client's write asked the clock to reach. */
  private readonly wakeUps = new Set<number>();

  constructor(options: CloudWatchServiceOptions) {
    this.clock = options.clock;
    this.alarms = new AlarmRegistry(options.clock, this.metrics, options.region, options.accountId);
    this.ctx = { clock: options.clock, metrics: this.metrics, alarms: this.alarms };
  }

  /** Receives each alarm state change, e.g. to put its event on the bus. */
  set onAlarmStateChange(listener: ((alarm: Alarm, previous: AlarmStatus) => void) | undefined) {
    this.alarms.onStateChange = listener;
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<unknown> {
    const handler = OPERATIONS[operation];
    if (!handler) {
      throw new AwsServiceError(
        'UnknownOperationException',
        `Operation ${operation} is not supported by this CloudWatch.`,
      );
    }
    try {
      return handler(this.ctx, new Input(input ?? {}));
    } finally {
      if (CHANGES_EVALUATION.has(operation)) this.wakeDormant(() => true);
      this.syncTimers();
      this.countPuts(operation === 'PutMetricData' ? 1 : 0);
      if (CHANGES_EVALUATION.has(operation)) this.wakeForNextEvaluations();
    }
  }

  /**
   * After a client's write that the next evaluation can act on (new data, a new alarm, a state set by
   * hand that the next evaluation resets), the next evaluation boundary of each metric alarm becomes a
   * wake-up: with the clock fast-forwarding, time moves there as soon as nothing is busy, as it does on
   * AWS within a period, even when no execution is running to pull it along. Evaluation timers alone
   * never pull time (they would make an idle cloud race through empty periods).
   */
  private wakeForNextEvaluations(): void {
    const now = this.clock.now();
    for (const alarm of this.alarms.all()) {
      if (alarm.type !== 'MetricAlarm') continue;
      const periodMs = alarm.config.periodSeconds * 1000;
      const boundary = (Math.floor(now / periodMs) + 1) * periodMs;
      if (this.wakeUps.has(boundary)) continue;
      this.wakeUps.add(boundary);
      void this.clock.sleepUntil(boundary).finally(() => this.wakeUps.delete(boundary));
    }
  }

  rateLimit(operation: string): TokenBucketLimit | undefined {
    return RATE_LIMITS[operation];
  }

  /** In-process emitters (the Step Functions service's `AWS/States` metrics) publish here, any namespace allowed. */
  putMetric(datum: MetricDatum): void {
    this.metrics.put(
      { namespace: datum.namespace, metricName: datum.metricName, dimensions: datum.dimensions },
      datum.timestampMs,
      datum.unit,
      singleValue(datum.value),
    );
    this.countPuts(1);
    if (this.dormantCount > 0) {
      const key = metricKey(datum);
      this.wakeDormant((alarm) => metricKey(alarm.config.metric) === key);
    }
  }

  /** Evaluates every metric alarm now, over the periods completed by the current virtual time. */
  evaluateNow(): void {
    const now = this.clock.now();
    for (const alarm of this.alarms.all()) {
      if (alarm.type === 'MetricAlarm') this.alarms.evaluate(alarm, now);
    }
  }

  /** Stops every evaluation timer. */
  close(): void {
    for (const t of this.timers.values()) t.stop();
    this.timers.clear();
  }

  private syncTimers(): void {
    const metricAlarms = new Map<string, MetricAlarm>();
    for (const a of this.alarms.all()) if (a.type === 'MetricAlarm') metricAlarms.set(a.name, a);
    for (const [name, timer] of this.timers) {
      const alarm = metricAlarms.get(name);
      if (!alarm || alarm.config.periodSeconds * 1000 !== timer.periodMs) {
        timer.stop();
        this.timers.delete(name);
      }
    }
    for (const [name, alarm] of metricAlarms) {
      if (!this.timers.has(name)) this.startTimer(name, alarm.config.periodSeconds * 1000);
    }
  }

  private startTimer(name: string, periodMs: number): void {
    const timer: EvaluationTimer = {
      periodMs,
      stop: () => undefined,
      dormant: false,
    };
    timer.stop = this.clock.every(periodMs, (nowMs) => {
      const current = this.alarms.get(name);
      if (current?.type !== 'MetricAlarm') return;
      this.alarms.evaluate(current, nowMs);
      if (this.isDormant(current, nowMs)) {
        timer.stop();
        timer.dormant = true;
        this.dormantCount++;
      }
    });
    const stop = timer.stop;
    timer.stop = () => {
      stop();
      if (timer.dormant) this.dormantCount--;
      timer.dormant = false;
    };
    this.timers.set(name, timer);
  }

  /** No datapoint of the alarm's metric in the range evaluated at `nowMs`, nor after it: nothing left to change. */
  private isDormant(alarm: MetricAlarm, nowMs: number): boolean {
    const periodMs = alarm.config.periodSeconds * 1000;
    const rangeStart =
      (Math.floor(nowMs / periodMs) - evaluationRangePeriods(alarm.config.evaluationPeriods)) * periodMs;
    const latest = this.metrics.latestTimestamp(alarm.config.metric);
    return latest === undefined || latest < rangeStart;
  }

  /** Restarts the timers of dormant alarms that `matches`, from the next boundary of their period. */
  private wakeDormant(matches: (alarm: MetricAlarm) => boolean): void {
    if (this.dormantCount === 0) return;
    for (const [name, timer] of this.timers) {
      if (!timer.dormant) continue;
      const alarm = this.alarms.get(name);
      if (alarm?.type !== 'MetricAlarm' || !matches(alarm)) continue;
      timer.stop();
      this.timers.delete(name);
      this.startTimer(name, timer.periodMs);
    }
  }

  private countPuts(n: number): void {
    this.putsSincePrune += n;
    if (this.putsSincePrune >= PRUNE_EVERY_PUTS) {
      this.putsSincePrune = 0;
      this.metrics.prune(this.clock.now());
    }
  }
}
