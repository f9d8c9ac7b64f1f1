/**
 * Reading a synthesized deployer template in construct tests: apps that skip
 * bundling and CDK's built-in template validation (seconds per synthesis,
 * and not what these tests are about), ARNs with `AWS::Partition` resolved,
 * and each Lambda's IAM permissions as (action, resource) pairs.
 */
import { App } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { DeployerFunctionName } from '../../lib/deployer-functions';

/** An app for tests: no bundling, path metadata on (the template readers use it), no built-in validation. */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true, ...context },
    builtinCloudFormationValidation: false,
  });
}

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
>;

function resources(template: Template): Resources {
  return (template.toJSON() as { Resources: Resources }).Resources;
}

/** Runs `synth` with CDK's built-in template validation switched off (`CDK_VALIDATION=false`). */
export function withoutTemplateValidation<T>(synth: () => T): T {
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    return synth();
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
  }
}

/** Joins `Fn::Join`s and replaces `AWS::Partition` by `aws`; other references are shown as `${Ref}` or `${Id.Attr}`. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as Record<string, unknown>;
  if (node && 'Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(separator);
  }
  if (node && 'Ref' in node) return node.Ref === 'AWS::Partition' ? 'aws' : `\${${String(node.Ref)}}`;
  if (node && 'Fn::GetAtt' in node) return `\${${(node['Fn::GetAtt'] as string[]).join('.')}}`;
  return JSON.stringify(value);
}

/** Logical ids of the resources of a type whose construct path contains `pathPart`. */
export function logicalIdsAt(template: Template, type: string, pathPart: string): string[] {
  return Object.entries(resources(template))
    .filter(
      ([, resource]) =>
        resource.Type === type && String(resource.Metadata?.['aws:cdk:path'] ?? '').includes(pathPart),
    )
    .map(([id]) => id);
}

/** The logical id of one deployer Lambda; `deployerId` tells deployers in one stack apart. */
export function functionLogicalId(
  template: Template,
  step: DeployerFunctionName,
  deployerId = 'Deployer',
): string {
  const ids = logicalIdsAt(template, 'AWS::Lambda::Function', `/${deployerId}/Functions/${step}/`);
  if (ids.length !== 1) throw new Error(`Expected one ${step} Lambda in ${deployerId}, found ${ids.length}`);
  return ids[0]!;
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of every inline policy attached to the role with this logical id. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(resources(template))
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) =>
      (policy.Properties?.Roles as Array<{ Ref?: string }> | undefined)?.some(
        (role) => role.Ref === roleLogicalId,
      ),
    )
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Every statement in the template's inline policies. */
export function allStatements(template: Template): Statement[] {
  return Object.values(resources(template))
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .flatMap((policy) => (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** A statement's grants as sorted `action on resource` strings, resources flattened. */
export function grants(statements: Statement[], actionPrefix: string): string[] {
  const pairs: string[] = [];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    const actions = ([] as string[])
      .concat(statement.Action)
      .filter((action) => action.startsWith(actionPrefix));
    const resourceList = ([] as unknown[]).concat(statement.Resource).map(flatten);
    for (const action of actions) for (const resource of resourceList) pairs.push(`${action} on ${resource}`);
  }
  return [...new Set(pairs)].sort();
}

/** The `actionPrefix` grants of one deployer Lambda's role. */
export function functionGrants(
  template: Template,
  step: DeployerFunctionName,
  actionPrefix: string,
  deployerId = 'Deployer',
): string[] {
  const fn = resources(template)[functionLogicalId(template, step, deployerId)]!;
  const roleId = (fn.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return grants(roleStatements(template, roleId), actionPrefix);
}

/** Every `action on resource` pair for these actions and resources, sorted like {@link grants}. */
export function expectedGrants(actions: string[], resourceArns: string[]): string[] {
  return actions.flatMap((action) => resourceArns.map((resource) => `${action} on ${resource}`)).sort();
}
