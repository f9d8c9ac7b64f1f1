export { CloudWatchService } from './service';
export type { CloudWatchServiceOptions } from './service';
export { parseAlarmRule, evaluateAlarmRule, referencedAlarms, AlarmRuleSyntaxError } from './alarm-rule';
export type { RuleNode, AlarmStateValue } from './alarm-rule';
export type { Alarm, AlarmStatus } from './alarm-model';
export { reasonDataDate } from './format';
