/**
 * IAM for the local cloud: the identity policies of the roles it knows (the
 * deployer's, read from its synthesized template), evaluated with
 * `pbac` (an MIT-licensed evaluator of AWS's policy language: Allow and
 * Deny, wildcards, NotAction/NotResource, condition operators) for every
 * call made as one of those roles.
 * A role the cloud has no policies for (a test's own Lambda, the AWS CLI's
 * user) is not checked, so only the deployer is held to its grants.
 */
import PBAC from 'pbac';
import { AwsServiceError } from '../wire/aws-error';

/** One authorization AWS makes for a request: an action on a resource, with the request's context keys. */
export interface AuthorizationCheck {
  /** `service:Action`, e.g. `states:UpdateStateMachineAlias`. */
  readonly action: string;
  /** The resource ARN the action is authorized on, or `*` for actions that take none. */
  readonly resource: string;
  /** Service context keys, e.g. `states:StateMachineQualifier`. */
  readonly context?: Readonly<Record<string, string | string[]>>;
}

/** A policy document as IAM takes it (`Version`, `Statement`). */
export type PolicyDocument = Record<string, unknown>;

/** Who makes a call: a role and the session it was assumed with. */
export interface RoleSession {
  readonly roleArn: string;
  /** The session name: a Lambda's is its function name. */
  readonly sessionName: string;
}

const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

/** `arn:aws:sts::<account>:assumed-role/<role name>/<session>`, the principal a role session calls as. */
export function assumedRoleArn(session: RoleSession): string {
  const match = ROLE_ARN.exec(session.roleArn);
  if (!match)
    throw new Error(
      `Expected an IAM role ARN (arn:<partition>:iam::<account>:role/<name>), got: ${session.roleArn}`,
    );
  const [, partition, account, roleName] = match;
  return `arn:${partition}:sts::${account}:assumed-role/${roleName}/${session.sessionName}`;
}

/**
 * IAM's refusal, worded as AWS words it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
 * `AccessDeniedException` is HTTP 400 in the AWS JSON services
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html).
 */
export function accessDenied(
  session: RoleSession,
  check: AuthorizationCheck,
  explicitDeny: boolean,
): AwsServiceError {
  const reason = explicitDeny
    ? `with an explicit deny in an identity-based policy`
    : `because no identity-based policy allows the ${check.action} action`;
  return new AwsServiceError(
    'AccessDeniedException',
    `User: ${assumedRoleArn(session)} is not authorized to perform: ${check.action} on resource: ${check.resource} ${reason}`,
  );
}

/** The identity policies of the roles the local cloud enforces, by role ARN. */
export class IdentityPolicies {
  private readonly roles = new Map<string, PolicyDocument[]>();
  /**
   * Outcomes by role and check (the session name is in no condition key): a deployment repeats the same few
   * calls thousands of times (a year-long one), and policies change only through {@link set}.
   */
  private readonly decisions = new Map<
    string,
    Promise<'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied'>
  >();

  /** Replaces the policies of `roleArn`; from then on every call made as that role is checked against them. */
  set(roleArn: string, policies: readonly PolicyDocument[]): void {
    assumedRoleArn({ roleArn, sessionName: 'check' });
    this.roles.set(roleArn, [...policies]);
    this.decisions.clear();
  }

  /** The policies of `roleArn`, if the cloud enforces it. */
  get(roleArn: string): PolicyDocument[] | undefined {
    const policies = this.roles.get(roleArn);
    return policies && [...policies];
  }

  /** Whether calls made as `roleArn` are checked. */
  enforces(roleArn: string): boolean {
    return this.roles.has(roleArn);
  }

  /**
   * The refusal for the first check the session's role does not allow, or
   * `undefined` when all are allowed (or the role is not enforced).
   */
  async authorize(
    session: RoleSession,
    checks: readonly AuthorizationCheck[],
  ): Promise<AwsServiceError | undefined> {
    const policies = this.roles.get(session.roleArn);
    if (!policies) return undefined;
    for (const check of checks) {
      const key = JSON.stringify([session.roleArn, check.action, check.resource, check.context ?? {}]);
      let decision = this.decisions.get(key);
      if (!decision) {
        decision = evaluate(session, policies, check);
        this.decisions.set(key, decision);
        decision.catch(() => this.decisions.delete(key));
      }
      const result = await decision;
      if (result !== 'Allowed') return accessDenied(session, check, result === 'ExplicitlyDenied');
    }
    return undefined;
  }
}

/**
 * IAM's decision on one check, with the role's identity policies only (no SCPs, boundaries or resource
 * policies): an explicit deny wins, then an allow, else the implicit deny
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 */
async function evaluate(
  _session: RoleSession,
  policies: readonly PolicyDocument[],
  check: AuthorizationCheck,
): Promise<'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied'> {
  const engine = new PBAC(policies.map(asLists));
  const request = {
    action: check.action,
    resource: check.resource,
    context: nestedContext(check.context ?? {}),
  };
  if (engine.filterPoliciesBy({ ...request, effect: 'Deny', principal: {} })) return 'ExplicitlyDenied';
  return engine.evaluate(request) ? 'Allowed' : 'ImplicitlyDenied';
}

/** IAM takes a string or a list in Action, NotAction, Resource and NotResource; pbac's schema takes lists. */
function asLists(policy: PolicyDocument): PolicyDocument {
  const statements = ([] as Record<string, unknown>[]).concat(policy.Statement as Record<string, unknown>[]);
  return {
    ...policy,
    Statement: statements.map((statement) => {
      const listed = { ...statement };
      for (const key of ['Action', 'NotAction', 'Resource', 'NotResource']) {
        if (listed[key] !== undefined) listed[key] = ([] as unknown[]).concat(listed[key]);
      }
      return listed;
    }),
  };
}

/** pbac reads a condition key `service:Key` from `context.service.Key`. */
function nestedContext(
  keys: Readonly<Record<string, string | string[]>>,
): Record<string, Record<string, string | string[]>> {
  const nested: Record<string, Record<string, string | string[]>> = {};
  for (const [key, value] of Object.entries(keys)) {
    const [service, name] = key.split(':') as [string, string];
    (nested[service] ??= {})[name] = value;
  }
  return nested;
}
