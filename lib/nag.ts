/**
 * Acknowledging cdk-nag findings the deployer keeps on purpose. cdk-nag 3
 * reads CDK's own `Validations.of(scope).acknowledge()` entries, matching
 * each finding by its exact id, so an acknowledgment names one finding
 * (one wildcard resource, say) rather than a whole rule.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges one finding on `scope` and everything under it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The id of the `AwsSolutions-IAM5` finding for a wildcard resource, as
 * cdk-nag writes it: references flattened to `<LogicalId.Attribute>` and
 * `<AWS::Partition>`, e.g. `AwsSolutions-IAM5[Resource::<FnArn.Arn>:*]`.
 */
export function wildcardResource(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

/** cdk-nag's flattening of a resolved CloudFormation value. */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, unknown>;
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (value['Fn::Sub']) return flatten(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue']) return flatten(value['Fn::ImportValue']);
  if (value.Ref) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}
