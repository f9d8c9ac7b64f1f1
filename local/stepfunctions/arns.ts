import { invalidArn } from './errors';

/** Where a resource lives: every ARN the service mints carries these. */
export interface Scope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

export interface StateMachineArn extends Scope {
  readonly name: string;
  /** The unqualified ARN, `arn:…:stateMachine:<name>`. */
  readonly base: string;
  /** Version number or alias name after the name, if any. */
  readonly qualifier?:
    | { readonly kind: 'version'; readonly version: number }
    | { readonly kind: 'alias'; readonly alias: string };
}

export interface ExecutionArn extends Scope {
  readonly stateMachineName: string;
  readonly name: string;
}

const ARN = /^arn:([^:]+):([^:]*):([^:]*):([^:]*):(.*)$/;

function parseArn(
  arn: string,
  resourceType: 'stateMachine' | 'execution',
): { scope: Scope; parts: string[] } {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) throw invalidArn(`Invalid ARN prefix: ${arn}`);
  const match = ARN.exec(arn);
  if (!match || match[2] !== 'states' || !match[3] || !/^\d{12}$/.test(match[4] ?? '')) throw invalidArn(arn);
  const parts = match[5]!.split(':');
  if (parts[0] !== resourceType)
    throw invalidArn(`Resource type not valid in this context: ${parts[0]?.toLowerCase()}`);
  return { scope: { partition: match[1]!, region: match[3], accountId: match[4]! }, parts: parts.slice(1) };
}

export function parseStateMachineArn(arn: string): StateMachineArn {
  const { scope, parts } = parseArn(arn, 'stateMachine');
  const [name, qualifier, ...rest] = parts;
  if (!name || rest.length > 0 || qualifier === '') throw invalidArn(arn);
  const base = stateMachineArn(scope, name);
  if (qualifier === undefined) return { ...scope, name, base };
  if (/^\d+$/.test(qualifier))
    return { ...scope, name, base, qualifier: { kind: 'version', version: Number(qualifier) } };
  return { ...scope, name, base, qualifier: { kind: 'alias', alias: qualifier } };
}

export function parseExecutionArn(arn: string): ExecutionArn {
  const { scope, parts } = parseArn(arn, 'execution');
  const [stateMachineName, name, ...rest] = parts;
  if (!stateMachineName || !name || rest.length > 0) throw invalidArn(arn);
  return { ...scope, stateMachineName, name };
}

export function stateMachineArn(scope: Scope, name: string): string {
  return `arn:${scope.partition}:states:${scope.region}:${scope.accountId}:stateMachine:${name}`;
}

export function executionArn(scope: Scope, stateMachineName: string, name: string): string {
  return `arn:${scope.partition}:states:${scope.region}:${scope.accountId}:execution:${stateMachineName}:${name}`;
}

/** The partition AWS uses for a region. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
