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
  readonly eventPattern: EventPattern;
  readonly targets: readonly (RuleTargetInput & { readonly Id: string; readonly Arn: string; readonly RoleArn?: string })[];
}

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** Gives the value of a `Ref` or `Fn::GetAtt` (`attribute` is undefined for a `Ref`). */
export type ReferenceResolver = (logicalIdOrPseudo: string, attribute?: string) => string;

export function rulesFromTemplate(template: Template, reference: ReferenceResolver): TemplateRule[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Events::Rule' && resource.Properties?.EventPattern !== undefined)
    .map(([logicalId, resource]) => {
      const properties = resolveIntrinsics(resource.Properties, reference) as Record<string, unknown>;
      const eventPattern = properties.EventPattern as EventPattern;
      validatePattern(eventPattern);
      return {
        logicalId,
        eventBusName: String(properties.EventBusName ?? 'default'),
        enabled: properties.State !== 'DISABLED',
        eventPattern,
        targets: (properties.Targets ?? []) as TemplateRule['targets'],
      };
    });
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
  if (keys.length === 1 && keys[0]!.startsWith('Fn::')) throw new Error(`Cannot resolve ${keys[0]} in a rule: ${JSON.stringify(value)}`);
  return Object.fromEntries(keys.map((key) => [key, resolveIntrinsics(node[key], reference)]));
}
