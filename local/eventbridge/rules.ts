/**
 * The EventBridge rules of a synthesized template, with their CloudFormation
 * references resolved, ready for {@link matchesPattern} and {@link targetInput}.
 */
import type { RuleTargetInput } from './input';
import { type EventPattern, validatePattern } from './pattern';

export interface TemplateRule {
  readonly logicalId: string;
  readonly eventBusName: string;
  readonly enabled: boolean;
  /** Events the rule matches; a schedule rule has none. */
  readonly eventPattern?: EventPattern;
  /** A schedule rule's period in ms, from its `ScheduleExpression` (`rate(…)`). */
  readonly schedulePeriodMs?: number;
  readonly targets: readonly (RuleTargetInput & {
    readonly Id: string;
    readonly Arn: string;
    readonly RoleArn?: string;
  })[];
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** Gives the value of a `Ref` or `Fn::GetAtt` (`attribute` is undefined for a `Ref`). */
export type ReferenceResolver = (logicalIdOrPseudo: string, attribute?: string) => string;

export function rulesFromTemplate(template: Template, reference: ReferenceResolver): TemplateRule[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Events::Rule')
    .map(([logicalId, resource]) => {
      const properties = resolveIntrinsics(resource.Properties, reference) as Record<string, unknown>;
      const eventPattern = properties.EventPattern as EventPattern | undefined;
      if (eventPattern !== undefined) validatePattern(eventPattern);
      const schedule = properties.ScheduleExpression as string | undefined;
      if (eventPattern === undefined && schedule === undefined) {
        throw new Error(`Rule ${logicalId} has neither an EventPattern nor a ScheduleExpression`);
      }
      return {
        logicalId,
        eventBusName: String(properties.EventBusName ?? 'default'),
        enabled: properties.State !== 'DISABLED',
        eventPattern,
        schedulePeriodMs: schedule === undefined ? undefined : ratePeriodMs(schedule),
        targets: (properties.Targets ?? []) as TemplateRule['targets'],
      };
    });
}

const RATE_UNITS: Record<string, number> = {
  minute: 60_000,
  minutes: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
};

/**
 * The period of a `rate(value unit)` expression: a positive whole value, and the singular unit for 1
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html#eb-rate-expressions).
 * `cron(…)` is not served locally.
 */
export function ratePeriodMs(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  const value = Number(match?.[1]);
  const unit = match?.[2] ?? '';
  if (!match || value < 1 || (value === 1) !== !unit.endsWith('s')) {
    throw new Error(
      `The local event bus runs schedules written rate(value unit), with a singular unit for 1 (rate(1 minute), rate(5 minutes)), got: ${expression}`,
    );
  }
  return value * RATE_UNITS[unit]!;
}

/** Resolves `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Split` and `Fn::Select` anywhere in `value`; any other intrinsic throws. */
export function resolveIntrinsics(value: unknown, reference: ReferenceResolver): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, reference));
  if (value === null || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === 'Ref') return reference(String(node.Ref));
  if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
    const [logicalId, attribute] = node['Fn::GetAtt'] as [string, string];
    return reference(logicalId, attribute);
  }
  if (keys.length === 1 && keys[0] === 'Fn::Join') {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolveIntrinsics(part, reference))).join(separator);
  }
  if (keys.length === 1 && keys[0] === 'Fn::Split') {
    const [separator, text] = node['Fn::Split'] as [string, unknown];
    return String(resolveIntrinsics(text, reference)).split(separator);
  }
  if (keys.length === 1 && keys[0] === 'Fn::Select') {
    const [index, list] = node['Fn::Select'] as [number | string, unknown];
    return (resolveIntrinsics(list, reference) as unknown[])[Number(index)];
  }
  if (keys.length === 1 && keys[0]!.startsWith('Fn::'))
    throw new Error(`Cannot resolve ${keys[0]} in a rule: ${JSON.stringify(value)}`);
  return Object.fromEntries(keys.map((key) => [key, resolveIntrinsics(node[key], reference)]));
}
