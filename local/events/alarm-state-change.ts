/**
 * `CloudWatch Alarm State Change`: the event CloudWatch puts on the default
 * bus whenever an alarm (metric or composite) changes state, shaped as in
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html.
 * AWS does not document these as best effort (unlike Step Functions'
 * status-change events), but a rule's target can still fail; the drop switch
 * (`detailType: 'CloudWatch Alarm State Change'`) loses them on demand, so
 * code that reacts to them can be shown to survive a lost one.
 */
import { randomUUID } from 'node:crypto';
import { type Alarm, type AlarmStatus, reasonDataDate } from '../cloudwatch';
import type { BusEvent } from '../eventbridge/bus';

export const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

export function alarmStateChangeEvent(
  alarm: Alarm,
  previous: AlarmStatus,
  scope: { region: string; accountId: string },
): BusEvent {
  const state = (status: AlarmStatus) => ({
    value: status.value,
    reason: status.reason,
    ...(status.reasonData !== undefined ? { reasonData: status.reasonData } : {}),
    timestamp: reasonDataDate(status.updatedMs),
  });
  const configuration =
    alarm.type === 'MetricAlarm'
      ? {
          ...(alarm.description !== undefined ? { description: alarm.description } : {}),
          metrics: [
            {
              id: randomUUID().slice(0, 8),
              metricStat: {
                metric: {
                  namespace: alarm.config.metric.namespace,
                  name: alarm.config.metric.metricName,
                  dimensions: alarm.config.metric.dimensions,
                },
                period: alarm.config.periodSeconds,
                stat: alarm.config.statistic ?? alarm.config.extendedStatistic,
              },
              returnData: true,
            },
          ],
        }
      : {
          ...(alarm.description !== undefined ? { description: alarm.description } : {}),
          alarmRule: alarm.rule,
        };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': ALARM_STATE_CHANGE,
    source: 'aws.cloudwatch',
    account: scope.accountId,
    time: new Date(Math.floor(alarm.state.updatedMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: scope.region,
    resources: [alarm.arn],
    detail: {
      alarmName: alarm.name,
      state: state(alarm.state),
      previousState: state(previous),
      configuration,
    },
  };
}
