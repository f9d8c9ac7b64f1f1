/** The part of pbac's API the local cloud uses (the package ships no types). */
declare module 'pbac' {
  interface Request {
    action: string;
    resource: string;
    context?: Record<string, unknown>;
    principal?: Record<string, unknown>;
  }
  export default class PBAC {
    constructor(
      policies: readonly Record<string, unknown>[],
      options?: { validateSchema?: boolean; validatePolicies?: boolean },
    );
    /** Whether the policies allow the request: no matching Deny, and a matching Allow. */
    evaluate(request: Request): boolean;
    /** The first statement with this effect that matches the request, if any. */
    filterPoliciesBy(request: Request & { effect: 'Allow' | 'Deny' }): Record<string, unknown> | undefined;
  }
}
