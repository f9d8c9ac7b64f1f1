/**
 * The identity policies of each role in a synthesized template, with their
 * CloudFormation references resolved to the local cloud's resources.
 */
import { type ReferenceResolver, resolveIntrinsics } from '../eventbridge/rules';
import type { PolicyDocument } from './identity-policies';

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export interface TemplatePolicyOptions {
  /** Gives the local value of a `Ref` / `Fn::GetAtt`; must resolve roles to their local ARNs. */
  readonly reference: ReferenceResolver;
  /**
   * State machines the template names literally (its own `StateMachineName`
   * inside a policy, where a reference would be circular) that the local cloud
   * creates under another name: template name → local name.
   */
  readonly renamedStateMachines?: Readonly<Record<string, string>>;
}

/**
 * Each role's policies, by local role ARN: its inline `Policies`, and the
 * `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` resources attached to it.
 * AWS managed policies (`ManagedPolicyArns`) are not in the template and are
 * not applied: they can only add grants, so a call they alone would allow is refused.
 */
export function rolePoliciesFromTemplate(
  template: Template,
  options: TemplatePolicyOptions,
): Map<string, PolicyDocument[]> {
  const resolve = (value: unknown) =>
    renameStateMachines(resolveIntrinsics(value, options.reference), options.renamedStateMachines ?? {});
  const roles = new Map<string, PolicyDocument[]>();
  const roleIds = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const roleArn = options.reference(logicalId, 'Arn');
    roleIds.set(logicalId, roleArn);
    const inline = (resource.Properties?.Policies as { PolicyDocument?: unknown }[] | undefined) ?? [];
    roles.set(
      roleArn,
      inline.map((policy) => resolve(policy.PolicyDocument) as PolicyDocument),
    );
  }
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const attached = (resource.Properties?.Roles as unknown[] | undefined) ?? [];
    for (const role of attached) {
      const ref = (role as { Ref?: string }).Ref;
      const roleArn = ref === undefined ? undefined : roleIds.get(ref);
      if (roleArn === undefined) {
        throw new Error(
          `Policy ${logicalId} is attached to ${JSON.stringify(role)}; expected a Ref to a role of the template`,
        );
      }
      roles.get(roleArn)!.push(resolve(resource.Properties?.PolicyDocument) as PolicyDocument);
    }
  }
  return roles;
}

const STATES_ARN = /^(arn:[^:]+:states:[^:]+:[^:]+:(?:stateMachine|execution|express):)([^:]+)(.*)$/;

/** Renames state machines in the Step Functions ARNs of a resolved policy document. */
function renameStateMachines(value: unknown, renamed: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(value)) return value.map((item) => renameStateMachines(item, renamed));
  if (typeof value === 'string') {
    const match = STATES_ARN.exec(value);
    const local = match ? renamed[match[2]!] : undefined;
    return match && local !== undefined ? `${match[1]}${local}${match[3]}` : value;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renameStateMachines(item, renamed)]),
    );
  }
  return value;
}
