/** Step Functions ARNs: `arn:<partition>:states:<region>:<account>:<resource>:<name>[:<qualifier>]`. */

/**
 * AWS's state machine name rule (CreateStateMachine, `name`): 1-80 characters, none of them white space,
 * `< > { } [ ] ? * " # % \ ^ | ~ \` $ & , ; : /`, or a control character (U+0000-001F, U+007F-009F).
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html#StepFunctions-CreateStateMachine-request-name
 */
export const STATE_MACHINE_NAME_RULE =
  '1-80 characters with no white space, no control characters and none of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /';
const NAME_CHAR = '[^\\s<>{}\\[\\]?*"#%\\\\^|~`$&,;:/\\u0000-\\u001f\\u007f-\\u009f]';
export const STATE_MACHINE_NAME = new RegExp(`^${NAME_CHAR}{1,80}$`, 'u');
const STATE_MACHINE_ARN = new RegExp(
  `^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\\d{12}):stateMachine:(${NAME_CHAR}{1,80})$`,
  'u',
);
const VERSION_ARN = new RegExp(
  `^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\\d{12}):stateMachine:(${NAME_CHAR}{1,80}):(\\d+)$`,
  'u',
);
const ANY_STATES_ARN = /^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\d{12}):[A-Za-z]+:/;
/** AWS's alias name rule: 1–80 characters of letters, digits, `_-.`, and not all digits. */
export const ALIAS_NAME = /^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]{1,80}$/;

export interface ArnScope {
  partition: string;
  region: string;
  account: string;
}

/** Partition, region and account of any Step Functions ARN (e.g. the deployer's own execution). */
export function scopeOf(arn: string): ArnScope {
  const match = ANY_STATES_ARN.exec(arn);
  if (!match) throw new Error(`Not a Step Functions ARN: ${arn}`);
  return { partition: match[1]!, region: match[2]!, account: match[3]! };
}

export function isStateMachineArn(value: string): boolean {
  return STATE_MACHINE_ARN.test(value);
}

export function isVersionArn(value: string): boolean {
  return VERSION_ARN.test(value);
}

/** The target's unqualified ARN: a name lives in the deployer's own partition, region and account. */
export function resolveStateMachineArn(nameOrArn: string, scope: ArnScope): string {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  return `arn:${scope.partition}:states:${scope.region}:${scope.account}:stateMachine:${nameOrArn}`;
}

/** The unqualified state machine ARN a version ARN belongs to. */
export function stateMachineOfVersion(versionArn: string): string {
  return versionArn.replace(/:\d+$/, '');
}

export function versionArnOf(stateMachineArn: string, version: number): string {
  return `${stateMachineArn}:${version}`;
}

export function aliasArnOf(stateMachineArn: string, aliasName: string): string {
  return `${stateMachineArn}:${aliasName}`;
}

const ALIAS_ARN = new RegExp(
  `^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\\d{12}):stateMachine:(${NAME_CHAR}{1,80}):(?=[^:]*[a-zA-Z_\\-.])[a-zA-Z0-9_\\-.]{1,80}$`,
  'u',
);
const EXECUTION_ARN = new RegExp(
  `^arn:(aws[a-z-]*):states:([a-z0-9-]+):(\\d{12}):execution:(${NAME_CHAR}{1,80}):[^:]{1,80}$`,
  'u',
);

export function isAliasArn(value: string): boolean {
  return ALIAS_ARN.test(value);
}

export function isExecutionArn(value: string): boolean {
  return EXECUTION_ARN.test(value);
}

/**
 * The name of a deployer's signal function: its state machine's name and `-signal`, cut to
 * Lambda's 64 characters, so `sfn-deploy` finds it from the deployer's ARN alone.
 */
export function signalFunctionName(deployerName: string): string {
  return `${deployerName.slice(0, 64 - '-signal'.length)}-signal`;
}
