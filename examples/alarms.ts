/**
 * Alarms of the kind a deployment watches, as `PutMetricAlarm` inputs: used by
 * the demo, the end-to-end tests, the command line's tests and the bench.
 */
import type { PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';

/** Fires on the first failure in a period: Sum >= 1; no data (no traffic) is healthy. */
const ANY_FAILURE = {
  Statistic: 'Sum',
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
} as const;

/** `ExecutionsFailed` of an alias of a state machine, Sum >= 1 over 60 s: how a release is watched. */
export function failedExecutionsAlarm(
  alarmName: string,
  stateMachineArn: string,
  alias: string,
): PutMetricAlarmCommandInput {
  return {
    AlarmName: alarmName,
    Namespace: 'AWS/States',
    MetricName: 'ExecutionsFailed',
    Dimensions: [
      { Name: 'StateMachineArn', Value: stateMachineArn },
      { Name: 'Alias', Value: alias },
    ],
    Period: 60,
    ...ANY_FAILURE,
  };
}

/**
 * An alarm on a metric of its own that nothing emits: it stays OK until its
 * state is set. A long period keeps long virtual runs from evaluating it often.
 */
export function quietAlarm(
  alarmName: string,
  namespace: string,
  periodSeconds = 60,
): PutMetricAlarmCommandInput {
  return {
    AlarmName: alarmName,
    Namespace: namespace,
    MetricName: 'Errors',
    Dimensions: [{ Name: 'Alarm', Value: alarmName }],
    Period: periodSeconds,
    ...ANY_FAILURE,
  };
}
