import type { AlarmStateValue, RuleNode } from './alarm-rule';
import type { MetricId } from './metric-store';

export type { AlarmStateValue } from './alarm-rule';
export const STATE_VALUES: readonly AlarmStateValue[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export const COMPARISON_OPERATORS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];
/** Valid in the API but only for anomaly-detection alarms, which the local cloud does not model. */
export const ANOMALY_OPERATORS: readonly string[] = [
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
];

export const TREAT_MISSING_DATA = ['missing', 'ignore', 'breaching', 'notBreaching'] as const;
export type TreatMissingData = (typeof TREAT_MISSING_DATA)[number];

export type AlarmType = 'MetricAlarm' | 'CompositeAlarm';

export interface AlarmStatus {
  value: AlarmStateValue;
  reason: string;
  /** JSON text, as `StateReasonData` is on the wire. */
  reasonData?: string;
  /** Last change of value or reason. */
  updatedMs: number;
  /** Last change of value. */
  transitionedMs: number;
}

/** What every alarm has, metric or composite. */
export interface AlarmBase {
  name: string;
  arn: string;
  description?: string;
  actionsEnabled: boolean;
  okActions: string[];
  alarmActions: string[];
  insufficientDataActions: string[];
  configUpdatedMs: number;
  state: AlarmStatus;
}

export interface MetricAlarmConfig {
  metric: MetricId;
  /** Exactly one of `statistic` and `extendedStatistic` is set. */
  statistic?: string;
  extendedStatistic?: string;
  periodSeconds: number;
  evaluationPeriods: number;
  /** As given; evaluation uses `evaluationPeriods` when absent, and DescribeAlarms omits it then, as AWS does. */
  datapointsToAlarm?: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  /** As given; `missing` when absent. */
  treatMissingData?: TreatMissingData;
  unit?: string;
  evaluateLowSampleCountPercentile?: string;
}

export interface MetricAlarm extends AlarmBase {
  type: 'MetricAlarm';
  config: MetricAlarmConfig;
}

export interface CompositeAlarm extends AlarmBase {
  type: 'CompositeAlarm';
  rule: string;
  ast: RuleNode;
  /** Names (not ARNs) of the alarms the rule references. */
  children: string[];
}

export type Alarm = MetricAlarm | CompositeAlarm;

export function alarmArn(region: string, accountId: string, name: string): string {
  return `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`;
}

/** The JSON protocol carries timestamps as epoch seconds. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** The alarm as DescribeAlarms returns it. Optional members AWS omits when unset are omitted here too. */
export function describeAlarm(alarm: Alarm): Record<string, unknown> {
  const common = {
    ActionsEnabled: alarm.actionsEnabled,
    AlarmActions: alarm.alarmActions,
    AlarmArn: alarm.arn,
    AlarmConfigurationUpdatedTimestamp: epochSeconds(alarm.configUpdatedMs),
    ...(alarm.description !== undefined && { AlarmDescription: alarm.description }),
    AlarmName: alarm.name,
    InsufficientDataActions: alarm.insufficientDataActions,
    OKActions: alarm.okActions,
    StateReason: alarm.state.reason,
    ...(alarm.state.reasonData !== undefined && { StateReasonData: alarm.state.reasonData }),
    StateTransitionedTimestamp: epochSeconds(alarm.state.transitionedMs),
    StateUpdatedTimestamp: epochSeconds(alarm.state.updatedMs),
    StateValue: alarm.state.value,
  };
  if (alarm.type === 'CompositeAlarm') return { ...common, AlarmRule: alarm.rule };
  const c = alarm.config;
  return {
    ...common,
    ComparisonOperator: c.comparisonOperator,
    ...(c.datapointsToAlarm !== undefined && { DatapointsToAlarm: c.datapointsToAlarm }),
    Dimensions: Object.entries(c.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
    ...(c.evaluateLowSampleCountPercentile !== undefined && {
      EvaluateLowSampleCountPercentile: c.evaluateLowSampleCountPercentile,
    }),
    EvaluationPeriods: c.evaluationPeriods,
    ...(c.extendedStatistic !== undefined && { ExtendedStatistic: c.extendedStatistic }),
    MetricName: c.metric.metricName,
    Namespace: c.metric.namespace,
    Period: c.periodSeconds,
    ...(c.statistic !== undefined && { Statistic: c.statistic }),
    Threshold: c.threshold,
    ...(c.treatMissingData !== undefined && { TreatMissingData: c.treatMissingData }),
    ...(c.unit !== undefined && { Unit: c.unit }),
  };
}
