import { findDefinitionProblem } from './asl-check';
import { constraint, invalidDefinition, invalidName, sensitiveConstraint, validation } from './errors';
import type { RoutingEntry } from './model';

/** Readers for request members that fail the way AWS's model validation does. */

export function requireString(input: Record<string, unknown>, member: string, maxLength = 256): string {
  const value = input[member];
  if (value === undefined || value === null) throw constraint(null, member, 'Member must not be null');
  return checkString(value, member, maxLength);
}

export function optionalString(
  input: Record<string, unknown>,
  member: string,
  maxLength = 256,
): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  return checkString(value, member, maxLength);
}

/** Members the model marks sensitive (`SensitiveData`, `SensitiveCause`, `SensitiveError`): their values are not echoed. */
const SENSITIVE = new Set(['input', 'output', 'cause', 'error']);

function checkString(value: unknown, member: string, maxLength: number): string {
  if (typeof value !== 'string') throw validation(`Value at '${member}' must be a string`);
  if (value.length > maxLength) {
    const rule = `Member must have length less than or equal to ${maxLength}`;
    throw SENSITIVE.has(member) ? sensitiveConstraint(member, rule) : constraint(value, member, rule);
  }
  return value;
}

export function optionalBoolean(input: Record<string, unknown>, member: string): boolean | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw validation(`Value at '${member}' must be a boolean`);
  return value;
}

export function optionalObject(
  input: Record<string, unknown>,
  member: string,
): Record<string, unknown> | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw validation(`Value at '${member}' must be an object`);
  return value as Record<string, unknown>;
}

/** `maxResults`: 0..1000, where 0 (or absent) means the default page of 100. */
export function readMaxResults(input: Record<string, unknown>): number {
  const value = input.maxResults;
  if (value === undefined || value === null || value === 0) return 100;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw validation("Value at 'maxResults' must be an integer");
  if (value > 1000)
    throw constraint(value, 'maxResults', 'Member must have value less than or equal to 1000');
  if (value < 0) throw constraint(value, 'maxResults', 'Member must have value greater than or equal to 0');
  return value;
}

/** Names of state machines and executions: 1–80 characters, none of AWS's forbidden ones. */
export function checkResourceName(name: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are among the ones AWS forbids
  const forbidden = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
  if (name.length < 1 || name.length > 80 || forbidden.test(name)) throw invalidName(name);
}

const ALIAS_NAME = /^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]+$/;

export function checkAliasName(name: string): void {
  if (name.length > 80) throw constraint(name, 'name', 'Member must have length less than or equal to 80');
  if (name.length < 1) throw constraint(name, 'name', 'Member must have length greater than or equal to 1');
  if (!ALIAS_NAME.test(name)) {
    throw constraint(
      name,
      'name',
      'Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$',
    );
  }
}

/** Parses and validates an Amazon States Language definition; AWS answers `InvalidDefinition` for both failures. */
export function checkDefinition(text: string): void {
  if (text.length > 1_048_576)
    throw constraint('<definition>', 'definition', 'Member must have length less than or equal to 1048576');
  let definition: unknown;
  try {
    definition = JSON.parse(text);
  } catch (err) {
    throw invalidDefinition(`INVALID_JSON_DESCRIPTION: ${(err as Error).message}`);
  }
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    throw invalidDefinition('SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object at /');
  }
  const problem = findDefinitionProblem(definition as Record<string, unknown>);
  if (problem) throw invalidDefinition(problem);
}

/**
 * `ValidateStateMachineDefinition`: the same checks as `checkDefinition`, answered as diagnostics
 * (`result` FAIL with an ERROR per problem, `location` a JSON pointer) instead of an exception.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinition.html
 */
export function validateStateMachineDefinition(input: Record<string, unknown>): {
  result: 'OK' | 'FAIL';
  diagnostics: { severity: 'ERROR'; code: string; message: string; location?: string }[];
  truncated: boolean;
} {
  const text = requireString(input, 'definition', 1_048_576);
  const type = optionalString(input, 'type');
  if (type !== undefined && type !== 'STANDARD' && type !== 'EXPRESS') {
    throw constraint(type, 'type', 'Member must satisfy enum value set: [STANDARD, EXPRESS]');
  }
  try {
    checkDefinition(text);
    return { result: 'OK', diagnostics: [], truncated: false };
  } catch (err) {
    const detail = /^Invalid State Machine Definition: '(.*)'$/s.exec((err as Error).message)?.[1];
    if (detail === undefined) throw err;
    // The problems read `CODE: message at /pointer`, as AWS's InvalidDefinition messages do.
    const parts = /^([A-Z_]+): (.*?)(?: at (\/\S*))?$/s.exec(detail);
    const diagnostic = parts
      ? {
          severity: 'ERROR' as const,
          code: parts[1]!,
          message: parts[2]!,
          ...(parts[3] ? { location: parts[3] } : {}),
        }
      : { severity: 'ERROR' as const, code: 'SCHEMA_VALIDATION_FAILED', message: detail };
    return { result: 'FAIL', diagnostics: [diagnostic], truncated: false };
  }
}

function describeRouting(routing: RoutingEntry[]): string {
  const items = routing.map(
    (r) =>
      `RoutingConfigurationListItem(stateMachineVersionArn=${r.stateMachineVersionArn}, weight=${r.weight})`,
  );
  return `[${items.join(', ')}]`;
}

/** The shape rules of a routing configuration, with AWS's messages, in the order AWS checks them. */
export function readRouting(value: unknown): RoutingEntry[] {
  if (!Array.isArray(value)) throw constraint(null, 'routingConfiguration', 'Member must not be null');
  const routing = value.map((item, i) => {
    const entry = (item ?? {}) as Record<string, unknown>;
    const arn = entry.stateMachineVersionArn;
    const weight = entry.weight;
    if (typeof arn !== 'string') {
      throw constraint(
        null,
        `routingConfiguration.${i + 1}.member.stateMachineVersionArn`,
        'Member must not be null',
      );
    }
    if (typeof weight !== 'number' || !Number.isInteger(weight)) {
      throw constraint(null, `routingConfiguration.${i + 1}.member.weight`, 'Member must not be null');
    }
    return { stateMachineVersionArn: arn, weight };
  });
  if (routing.length > 2) {
    throw constraint(
      describeRouting(routing),
      'routingConfiguration',
      'Member must have length less than or equal to 2',
    );
  }
  if (routing.length < 1) {
    throw constraint('[]', 'routingConfiguration', 'Member must have length greater than or equal to 1');
  }
  const arns = routing.map((r) => r.stateMachineVersionArn);
  if (new Set(arns).size < arns.length) {
    throw validation(
      `Routing configuration must contain distinct state machine version ARNs. Received: [${arns.join(', ')}]`,
    );
  }
  routing.forEach((r, i) => {
    const member = `routingConfiguration.${i + 1}.member.weight`;
    if (r.weight > 100)
      throw constraint(r.weight, member, 'Member must have value less than or equal to 100');
    if (r.weight < 0) throw constraint(r.weight, member, 'Member must have value greater than or equal to 0');
  });
  const weights = routing.map((r) => r.weight);
  if (weights.reduce((a, b) => a + b, 0) !== 100) {
    throw validation(
      `Sum of routing configuration weights must equal 100. Received: [${weights.join(', ')}]`,
    );
  }
  return routing;
}
