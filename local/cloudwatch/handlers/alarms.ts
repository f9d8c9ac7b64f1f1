import { AwsServiceError } from '../../wire/aws-error';
import {
  ANOMALY_OPERATORS,
  AlarmStateValue,
  COMPARISON_OPERATORS,
  ComparisonOperator,
  MetricAlarmConfig,
  TREAT_MISSING_DATA,
  TreatMissingData,
} from '../alarm-model';
import { AlarmSettings } from '../alarm-registry';
import { AlarmRuleSyntaxError, parseAlarmRule, referencedAlarms } from '../alarm-rule';
import {
  Input,
  constraintError,
  invalidParameterCombination,
  invalidParameterValue,
  missingParameter,
  validationError,
} from '../input';
import { SIMPLE_STATISTICS, isSupportedPercentile } from '../statistics';
import { CloudWatchContext, STANDARD_UNITS } from './context';
import { readDimensions } from './dimensions';

const MAX_RULE_CHILDREN = 100;

export function putMetricAlarm(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const settings = readSettings(input);
  for (const unsupported of ['Metrics', 'EvaluationCriteria', 'ThresholdMetricId']) {
    if (input.has(unsupported)) {
      throw validationError(
        `${unsupported} is not supported by this CloudWatch: only alarms on a single metric with a static threshold are.`,
      );
    }
  }
  const config = readMetricAlarmConfig(input);
  if (ctx.alarms.get(settings.name)?.type === 'CompositeAlarm') {
    throw validationError(`The alarm ${settings.name} already exists as a composite alarm.`);
  }
  ctx.alarms.putMetricAlarm(settings, config);
  return {};
}

export function putCompositeAlarm(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const settings = readSettings(input);
  const rule = input.requiredString('AlarmRule', { min: 1, max: 10240 });
  let children: string[];
  try {
    children = referencedAlarms(parseAlarmRule(rule)).map((r) => ctx.alarms.resolveReference(r));
  } catch (e) {
    if (e instanceof AlarmRuleSyntaxError) throw validationError(`The AlarmRule is not valid: ${e.message}.`);
    throw e;
  }
  if (children.length > MAX_RULE_CHILDREN) {
    throw validationError(
      `The AlarmRule references ${children.length} alarms; at most ${MAX_RULE_CHILDREN} are allowed.`,
    );
  }
  const missing = children.filter((c) => ctx.alarms.get(c) === undefined);
  if (missing.length > 0) {
    throw validationError(
      `Could not save the composite alarm as alarms [${missing.join(', ')}] in the alarm rule do not exist`,
    );
  }
  if (ctx.alarms.get(settings.name)?.type === 'MetricAlarm') {
    throw validationError(`The alarm ${settings.name} already exists as a metric alarm.`);
  }
  ctx.alarms.putCompositeAlarm(settings, rule);
  return {};
}

/**
 * Deletes the named alarms; unknown names are skipped ("If you specify any incorrect alarm names,
 * the alarms you specify with correct names are still deleted"). At most one composite alarm per call,
 * and an alarm a remaining composite alarm references cannot be deleted (AWS's DeleteAlarms docs).
 */
export function deleteAlarms(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const names = input.stringList('AlarmNames', { required: true, max: 100 }) as string[];
  const existing = names.filter((n) => ctx.alarms.get(n) !== undefined);
  const composites = existing.filter((n) => ctx.alarms.get(n)?.type === 'CompositeAlarm');
  if (composites.length > 1) {
    throw validationError(
      `You can delete at most one composite alarm per DeleteAlarms call; got ${composites.length}: [${composites.join(', ')}].`,
    );
  }
  const deleting = new Set(existing);
  for (const name of existing) {
    const parents = ctx.alarms.parentsOf(name).filter((p) => !deleting.has(p.name));
    if (parents.length > 0) {
      throw validationError(
        `Alarm ${name} cannot be deleted because it is referenced by composite alarm(s) [${parents.map((p) => p.name).join(', ')}].`,
      );
    }
  }
  ctx.alarms.delete(existing);
  return {};
}

export function setAlarmState(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const name = input.requiredString('AlarmName', { min: 1, max: 255 });
  // AWS lists this enum in this order in its message (recorded against AWS by LocalStack).
  const value = input.enumValue(
    'StateValue',
    ['INSUFFICIENT_DATA', 'ALARM', 'OK'] as const,
    true,
  ) as AlarmStateValue;
  const reason = input.requiredString('StateReason', { min: 0, max: 1023 });
  const reasonData = input.string('StateReasonData', { min: 0, max: 4000 });
  const alarm = ctx.alarms.get(name);
  // AWS names no alarm and sends no message here.
  if (!alarm) throw new AwsServiceError('ResourceNotFound', '', 404);
  if (reasonData !== undefined) {
    try {
      JSON.parse(reasonData);
    } catch {
      throw new AwsServiceError('InvalidFormat', 'StateReasonData is not valid JSON.', 400);
    }
  }
  ctx.alarms.setState(alarm, value, reason, reasonData);
  return {};
}

function readSettings(input: Input): AlarmSettings {
  const name = input.requiredString('AlarmName', { min: 1, max: 255 });
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(name)) {
    throw invalidParameterValue(
      `The alarm name must not contain ASCII control characters; got ${JSON.stringify(name)}.`,
    );
  }
  const description = input.string('AlarmDescription', { min: 0, max: 1024 });
  return {
    name,
    ...(description !== undefined && { description }),
    actionsEnabled: input.bool('ActionsEnabled') ?? true,
    okActions: input.stringList('OKActions', { max: 5 }) ?? [],
    alarmActions: input.stringList('AlarmActions', { max: 5 }) ?? [],
    insufficientDataActions: input.stringList('InsufficientDataActions', { max: 5 }) ?? [],
  };
}

function readMetricAlarmConfig(input: Input): MetricAlarmConfig {
  const metricName = input.string('MetricName', { min: 1, max: 255 });
  if (metricName === undefined) throw missingParameter('MetricName');
  const namespace = input.string('Namespace', { min: 1, max: 255 });
  if (namespace === undefined) throw missingParameter('Namespace');
  if (namespace.startsWith(':'))
    throw constraintError(namespace, 'Namespace', 'Member must satisfy regular expression pattern: [^:].*');

  const statistic = input.enumValue('Statistic', SIMPLE_STATISTICS);
  const extendedStatistic = input.string('ExtendedStatistic');
  if (statistic !== undefined && extendedStatistic !== undefined) {
    throw invalidParameterCombination(
      'Statistic and ExtendedStatistic are mutually exclusive; specify only one of them.',
    );
  }
  if (statistic === undefined && extendedStatistic === undefined) {
    throw missingParameter('Statistic or ExtendedStatistic');
  }
  if (extendedStatistic !== undefined && !isSupportedPercentile(extendedStatistic)) {
    throw invalidParameterValue(
      `The value ${extendedStatistic} for parameter ExtendedStatistic is not supported: only percentiles p0 to p100 are.`,
    );
  }

  const period = input.int('Period', { min: 1 });
  if (period === undefined) throw missingParameter('Period');
  if (![10, 20, 30].includes(period) && period % 60 !== 0) {
    throw validationError(`Period must be 10, 20, 30 or a multiple of 60 seconds; got ${period}.`);
  }
  const evaluationPeriods = input.int('EvaluationPeriods', { min: 1 });
  if (evaluationPeriods === undefined) throw missingParameter('EvaluationPeriods');
  // "Period multiplied by EvaluationPeriods can't be more than 604,800 seconds. For alarms with a period
  // of less than one hour, the total evaluation period can't be longer than one day."
  const maxWindow = period < 3600 ? 86400 : 604800;
  if (period * evaluationPeriods > maxWindow) {
    throw validationError(
      `Period * EvaluationPeriods must not exceed ${maxWindow} seconds for a period of ${period} seconds; got ${period * evaluationPeriods}.`,
    );
  }
  const datapointsToAlarm = input.int('DatapointsToAlarm', { min: 1 });
  if (datapointsToAlarm !== undefined && datapointsToAlarm > evaluationPeriods) {
    throw validationError(
      `DatapointsToAlarm (${datapointsToAlarm}) must be less than or equal to EvaluationPeriods (${evaluationPeriods}).`,
    );
  }
  const threshold = input.double('Threshold');
  if (threshold === undefined) throw missingParameter('Threshold');
  if (!Number.isFinite(threshold))
    throw invalidParameterValue(`The value ${threshold} for parameter Threshold is invalid.`);

  const comparisonOperator = readComparisonOperator(input);
  const treatMissingData = readOption(input, 'TreatMissingData', TREAT_MISSING_DATA) as
    TreatMissingData | undefined;
  const evaluateLowSampleCountPercentile = readOption(input, 'EvaluateLowSampleCountPercentile', [
    'evaluate',
    'ignore',
  ]);
  const unit = input.enumValue('Unit', STANDARD_UNITS);

  return {
    metric: { namespace, metricName, dimensions: readDimensions(input) },
    ...(statistic !== undefined && { statistic }),
    ...(extendedStatistic !== undefined && { extendedStatistic }),
    periodSeconds: period,
    evaluationPeriods,
    ...(datapointsToAlarm !== undefined && { datapointsToAlarm }),
    threshold,
    comparisonOperator,
    ...(treatMissingData !== undefined && { treatMissingData }),
    ...(unit !== undefined && { unit }),
    ...(evaluateLowSampleCountPercentile !== undefined && { evaluateLowSampleCountPercentile }),
  };
}

function readComparisonOperator(input: Input): ComparisonOperator {
  const op = input.enumValue('ComparisonOperator', [...COMPARISON_OPERATORS, ...ANOMALY_OPERATORS]);
  if (op === undefined) throw missingParameter('ComparisonOperator');
  if (ANOMALY_OPERATORS.includes(op)) {
    throw validationError(
      `ComparisonOperator ${op} is only valid for anomaly detection alarms, which this CloudWatch does not support.`,
    );
  }
  return op as ComparisonOperator;
}

/** Free-text options CloudWatch checks itself, with its "Option … is not supported" message. */
function readOption(input: Input, name: string, options: readonly string[]): string | undefined {
  const v = input.string(name, { min: 1, max: 255 });
  if (v !== undefined && !options.includes(v)) {
    const list = `${options.slice(0, -1).join(', ')} and ${options[options.length - 1]}`;
    throw validationError(
      `Option ${v} is not supported. Supported options for parameter ${name} are ${list}.`,
    );
  }
  return v;
}
