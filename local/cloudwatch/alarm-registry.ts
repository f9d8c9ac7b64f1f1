import type { Clock } from '../clock/clock';
import {
  Alarm,
  AlarmBase,
  AlarmStateValue,
  AlarmStatus,
  CompositeAlarm,
  MetricAlarm,
  MetricAlarmConfig,
  alarmArn,
  describeAlarm,
} from './alarm-model';
import { evaluateAlarmRule, parseAlarmRule, referencedAlarms } from './alarm-rule';
import { evaluateMetricAlarm, evaluationRangePeriods, PeriodDatapoint } from './evaluation';
import { compositeReasonDate, reasonDataDate } from './format';
import { AlarmHistory } from './history';
import { MetricStore } from './metric-store';
import { statisticValue } from './statistics';

/** Settings every alarm type shares, as PutMetricAlarm / PutCompositeAlarm take them. */
export interface AlarmSettings {
  name: string;
  description?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
}

const INITIAL_REASON = 'Unchecked: Initial alarm creation';

/**
 * The alarms of one account and region, their states and their history. Every state change goes
 * through `transition`, so SetAlarmState, metric evaluation and composite propagation all record
 * history the same way.
 */
export class AlarmRegistry {
  readonly history = new AlarmHistory();
  /** Called after every change of an alarm's state value (the `CloudWatch Alarm State Change` event). */
  onStateChange: ((alarm: Alarm, previous: AlarmStatus) => void) | undefined;
  private readonly alarms = new Map<string, Alarm>();

  constructor(
    private readonly clock: Clock,
    private readonly metrics: MetricStore,
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  get(name: string): Alarm | undefined {
    return this.alarms.get(name);
  }

  /** All alarms sorted by name, the order DescribeAlarms returns them in. */
  all(): Alarm[] {
    return [...this.alarms.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A rule may name an alarm by ARN; an ARN of this account and region resolves to the name. */
  resolveReference(ref: string): string {
    const prefix = alarmArn(this.region, this.accountId, '');
    return ref.startsWith(prefix) ? ref.slice(prefix.length) : ref;
  }

  /** Composite alarms whose rule references `name`. */
  parentsOf(name: string): CompositeAlarm[] {
    return this.all().filter(
      (a): a is CompositeAlarm => a.type === 'CompositeAlarm' && a.children.includes(name),
    );
  }

  putMetricAlarm(settings: AlarmSettings, config: MetricAlarmConfig): MetricAlarm {
    const existing = this.alarms.get(settings.name);
    const now = this.clock.now();
    const alarm: MetricAlarm = {
      type: 'MetricAlarm',
      ...this.baseFor(settings, existing, now),
      config,
    };
    this.alarms.set(alarm.name, alarm);
    this.recordConfiguration(alarm, existing);
    return alarm;
  }

  /** Creates or updates a composite alarm and evaluates its rule at once; its children must exist (checked by the caller). */
  putCompositeAlarm(settings: AlarmSettings, rule: string): CompositeAlarm {
    const existing = this.alarms.get(settings.name);
    const now = this.clock.now();
    const ast = parseAlarmRule(rule);
    const alarm: CompositeAlarm = {
      type: 'CompositeAlarm',
      ...this.baseFor(settings, existing, now),
      rule,
      ast,
      children: referencedAlarms(ast).map((r) => this.resolveReference(r)),
    };
    this.alarms.set(alarm.name, alarm);
    this.recordConfiguration(alarm, existing);
    // "For a composite alarm, this initial time after creation is the only time that the alarm can be in INSUFFICIENT_DATA state."
    const verb = existing ? 'updated' : 'created';
    const value = this.ruleState(alarm);
    this.evaluateComposite(
      alarm,
      `${alarm.arn} was ${verb} and its alarm rule evaluates to ${value}`,
      this.childAlarms(alarm),
    );
    return alarm;
  }

  delete(names: string[]): void {
    for (const name of names) {
      const alarm = this.alarms.get(name);
      if (!alarm) continue;
      this.alarms.delete(name);
      this.history.record({
        alarmName: name,
        alarmType: alarm.type,
        timestampMs: this.clock.now(),
        type: 'ConfigurationUpdate',
        summary: `Alarm "${name}" deleted`,
        data: JSON.stringify({ type: 'Delete', version: '1.0', deletedAlarm: configurationSnapshot(alarm) }),
      });
    }
  }

  /** Sets the state as SetAlarmState does: a change of value is recorded and propagated like any other. */
  setState(alarm: Alarm, value: AlarmStateValue, reason: string, reasonData?: string): void {
    this.transition(alarm, value, reason, reasonData);
  }

  /** Evaluates a metric alarm over the periods completed by `nowMs` (see evaluation.ts for the rules). */
  evaluate(alarm: MetricAlarm, nowMs: number): void {
    const c = alarm.config;
    const periodMs = c.periodSeconds * 1000;
    const end = Math.floor(nowMs / periodMs) * periodMs;
    const periods = evaluationRangePeriods(c.evaluationPeriods);
    const start = end - periods * periodMs;
    const buckets = this.metrics.buckets(c.metric, start, end, periodMs, c.unit);
    const statistic = c.statistic ?? c.extendedStatistic ?? 'Average';
    const range: PeriodDatapoint[] = [];
    for (let s = start; s < end; s += periodMs) {
      const agg = buckets.get(s);
      const value = agg && statisticValue(agg, statistic);
      range.push(
        agg && value !== undefined ? { startMs: s, value, sampleCount: agg.sampleCount } : { startMs: s },
      );
    }
    const verdict = evaluateMetricAlarm(c, range, nowMs);
    if (verdict && verdict.state !== alarm.state.value) {
      this.transition(alarm, verdict.state, verdict.reason, JSON.stringify(verdict.reasonData));
    }
  }

  private baseFor(settings: AlarmSettings, existing: Alarm | undefined, now: number): AlarmBase {
    return {
      ...settings,
      arn: alarmArn(this.region, this.accountId, settings.name),
      configUpdatedMs: now,
      // "When you update an existing alarm, its state is left unchanged."
      state: existing?.state ?? {
        value: 'INSUFFICIENT_DATA',
        reason: INITIAL_REASON,
        updatedMs: now,
        transitionedMs: now,
      },
    };
  }

  private recordConfiguration(alarm: Alarm, previous: Alarm | undefined): void {
    const data = previous
      ? {
          type: 'Update',
          version: '1.0',
          originalAlarm: configurationSnapshot(previous),
          updatedAlarm: configurationSnapshot(alarm),
        }
      : { type: 'Create', version: '1.0', createdAlarm: configurationSnapshot(alarm) };
    this.history.record({
      alarmName: alarm.name,
      alarmType: alarm.type,
      timestampMs: this.clock.now(),
      type: 'ConfigurationUpdate',
      summary: `Alarm "${alarm.name}" ${previous ? 'updated' : 'created'}`,
      data: JSON.stringify(data),
    });
  }

  private transition(
    alarm: Alarm,
    value: AlarmStateValue,
    reason: string,
    reasonData: string | undefined,
    visiting = new Set<string>(),
  ): void {
    const now = this.clock.now();
    const old = alarm.state;
    alarm.state = {
      value,
      reason,
      ...(reasonData !== undefined && { reasonData }),
      updatedMs: now,
      transitionedMs: value === old.value ? old.transitionedMs : now,
    };
    if (value === old.value) return;
    this.history.record({
      alarmName: alarm.name,
      alarmType: alarm.type,
      timestampMs: now,
      type: 'StateUpdate',
      summary: `Alarm updated from ${old.value} to ${value}`,
      data: JSON.stringify({
        version: '1.0',
        oldState: stateForHistory(old.value, old.reason, old.reasonData),
        newState: stateForHistory(value, reason, reasonData),
      }),
    });
    this.onStateChange?.(alarm, old);
    // "The evaluation of composite alarms stops if CloudWatch detects a cycle in the evaluation path."
    visiting.add(alarm.name);
    for (const parent of this.parentsOf(alarm.name)) {
      if (visiting.has(parent.name)) continue;
      const why = `${alarm.arn} transitioned to ${value} at ${compositeReasonDate(now)}`;
      this.evaluateComposite(parent, why, [alarm], visiting);
    }
  }

  private ruleState(c: CompositeAlarm): AlarmStateValue {
    return evaluateAlarmRule(c.ast, (ref) => this.alarms.get(this.resolveReference(ref))?.state.value)
      ? 'ALARM'
      : 'OK';
  }

  private childAlarms(c: CompositeAlarm): Alarm[] {
    return c.children.map((n) => this.alarms.get(n)).filter((a): a is Alarm => a !== undefined);
  }

  private evaluateComposite(
    c: CompositeAlarm,
    reason: string,
    triggering: Alarm[],
    visiting?: Set<string>,
  ): void {
    const value = this.ruleState(c);
    if (value === c.state.value) return;
    const reasonData = JSON.stringify({
      triggeringAlarms: triggering.map((a) => ({
        arn: a.arn,
        state: { value: a.state.value, timestamp: reasonDataDate(a.state.transitionedMs) },
      })),
    });
    this.transition(c, value, reason, reasonData, visiting);
  }
}

/** `stateReasonData` is embedded as JSON, not as text, in `HistoryData` (see the AWS CLI example in reference §4.2). */
function stateForHistory(
  value: AlarmStateValue,
  reason: string,
  reasonData: string | undefined,
): Record<string, unknown> {
  let data: unknown;
  if (reasonData !== undefined) {
    try {
      data = JSON.parse(reasonData);
    } catch {
      data = reasonData;
    }
  }
  return { stateValue: value, stateReason: reason, ...(data !== undefined && { stateReasonData: data }) };
}

/** The configuration part of an alarm, camel-cased, as `HistoryData` of a ConfigurationUpdate carries it. */
function configurationSnapshot(alarm: Alarm): Record<string, unknown> {
  const skip = new Set([
    'StateValue',
    'StateReason',
    'StateReasonData',
    'StateUpdatedTimestamp',
    'StateTransitionedTimestamp',
  ]);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(describeAlarm(alarm))) {
    if (skip.has(k)) continue;
    if (k === 'AlarmConfigurationUpdatedTimestamp') out['timestamp'] = reasonDataDate(alarm.configUpdatedMs);
    else out[k.charAt(0).toLowerCase() + k.slice(1)] = v;
  }
  return out;
}
