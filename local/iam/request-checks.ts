/**
 * What IAM authorizes for a request the local cloud serves: the action and
 * the resource ARN(s), per the Service Authorization Reference
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsstepfunctions.html,
 * .../list_amazoncloudwatch.html, .../list_amazondynamodb.html). An operation
 * missing here cannot be authorized, so a role's call to it is refused with
 * an error naming it rather than let through.
 */
import { busName } from '../eventbridge/service';
import { issuedExecution } from '../stepfunctions/task-tokens';
import type { AuthorizationCheck } from './identity-policies';

export interface RequestScope {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
}

type Input = Record<string, unknown>;
type Checks = (input: Input, scope: RequestScope) => AuthorizationCheck[];

/**
 * Step Functions authorizes versions and aliases on the unqualified state
 * machine ARN, the qualifier going in `states:StateMachineQualifier`
 * (https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html).
 */
const QUALIFIED = /^(arn:[^:]+:states:[^:]+:\d{12}:stateMachine:[^:]+)(?::([^:]+))?$/;

function stateMachine(action: string, arn: unknown): AuthorizationCheck {
  const match = QUALIFIED.exec(String(arn));
  if (!match) return { action, resource: String(arn) };
  const [, base, qualifier] = match as unknown as [string, string, string | undefined];
  return qualifier === undefined
    ? { action, resource: base }
    : { action, resource: base, context: { 'states:StateMachineQualifier': qualifier } };
}

const onStateMachine =
  (action: string, field: string): Checks =>
  (input) => [stateMachine(`states:${action}`, input[field])];
const onResource =
  (action: string, field: string): Checks =>
  (input) => [{ action, resource: String(input[field]) }];
const unscoped =
  (action: string): Checks =>
  () => [{ action, resource: '*' }];

/**
 * Task callbacks are authorized on the state machine whose execution issued the token (what CDK's
 * `grantTaskResponse` grants); a token the local cloud did not issue names none, so it needs `*`.
 */
const onTaskToken =
  (action: string): Checks =>
  (input) => {
    const execution = issuedExecution(String(input.taskToken ?? ''));
    const match = execution && /^(arn:[^:]+:states:[^:]+:\d{12}):execution:([^:]+):/.exec(execution);
    return [{ action, resource: match ? `${match[1]}:stateMachine:${match[2]}` : '*' }];
  };

const STEP_FUNCTIONS: Record<string, Checks> = {
  CreateStateMachine: (input, scope) => {
    const arn = `arn:${scope.partition}:states:${scope.region}:${scope.accountId}:stateMachine:${String(input.name)}`;
    const checks = [{ action: 'states:CreateStateMachine', resource: arn }];
    // Publishing on create also needs PublishStateMachineVersion (auth-version-alias.html).
    return input.publish === true
      ? [...checks, { action: 'states:PublishStateMachineVersion', resource: arn }]
      : checks;
  },
  UpdateStateMachine: (input) => {
    const checks = [stateMachine('states:UpdateStateMachine', input.stateMachineArn)];
    return input.publish === true
      ? [...checks, stateMachine('states:PublishStateMachineVersion', input.stateMachineArn)]
      : checks;
  },
  DescribeStateMachine: onStateMachine('DescribeStateMachine', 'stateMachineArn'),
  DeleteStateMachine: onStateMachine('DeleteStateMachine', 'stateMachineArn'),
  ListStateMachines: unscoped('states:ListStateMachines'),
  PublishStateMachineVersion: onStateMachine('PublishStateMachineVersion', 'stateMachineArn'),
  ListStateMachineVersions: onStateMachine('ListStateMachineVersions', 'stateMachineArn'),
  DeleteStateMachineVersion: onStateMachine('DeleteStateMachineVersion', 'stateMachineVersionArn'),
  // The alias does not exist yet: authorized on the state machine its routing names, qualified by the new alias.
  CreateStateMachineAlias: (input) => {
    const routing = (input.routingConfiguration as { stateMachineVersionArn?: unknown }[] | undefined) ?? [];
    const base =
      QUALIFIED.exec(String(routing[0]?.stateMachineVersionArn))?.[1] ??
      String(routing[0]?.stateMachineVersionArn);
    return [stateMachine('states:CreateStateMachineAlias', `${base}:${String(input.name)}`)];
  },
  DescribeStateMachineAlias: onStateMachine('DescribeStateMachineAlias', 'stateMachineAliasArn'),
  UpdateStateMachineAlias: onStateMachine('UpdateStateMachineAlias', 'stateMachineAliasArn'),
  DeleteStateMachineAlias: onStateMachine('DeleteStateMachineAlias', 'stateMachineAliasArn'),
  ListStateMachineAliases: onStateMachine('ListStateMachineAliases', 'stateMachineArn'),
  StartExecution: onStateMachine('StartExecution', 'stateMachineArn'),
  StartSyncExecution: onStateMachine('StartSyncExecution', 'stateMachineArn'),
  ListExecutions: onStateMachine('ListExecutions', 'stateMachineArn'),
  DescribeExecution: onResource('states:DescribeExecution', 'executionArn'),
  DescribeStateMachineForExecution: onResource('states:DescribeStateMachineForExecution', 'executionArn'),
  GetExecutionHistory: onResource('states:GetExecutionHistory', 'executionArn'),
  StopExecution: onResource('states:StopExecution', 'executionArn'),
  SendTaskSuccess: onTaskToken('states:SendTaskSuccess'),
  SendTaskFailure: onTaskToken('states:SendTaskFailure'),
  SendTaskHeartbeat: onTaskToken('states:SendTaskHeartbeat'),
};

function alarmArn(scope: RequestScope, name: unknown): string {
  return `arn:${scope.partition}:cloudwatch:${scope.region}:${scope.accountId}:alarm:${String(name)}`;
}

/** Alarm actions name their alarms; without names they read every alarm (`alarm:*`). */
const onAlarms =
  (action: string, field: string, many: boolean): Checks =>
  (input, scope) => {
    const names = many
      ? ((input[field] as unknown[] | undefined) ?? [])
      : input[field] === undefined
        ? []
        : [input[field]];
    return names.length === 0
      ? [{ action, resource: alarmArn(scope, '*') }]
      : names.map((name) => ({ action, resource: alarmArn(scope, name) }));
  };

const CLOUDWATCH: Record<string, Checks> = {
  DescribeAlarms: onAlarms('cloudwatch:DescribeAlarms', 'AlarmNames', true),
  DescribeAlarmHistory: onAlarms('cloudwatch:DescribeAlarmHistory', 'AlarmName', false),
  PutMetricAlarm: onAlarms('cloudwatch:PutMetricAlarm', 'AlarmName', false),
  PutCompositeAlarm: onAlarms('cloudwatch:PutCompositeAlarm', 'AlarmName', false),
  DeleteAlarms: onAlarms('cloudwatch:DeleteAlarms', 'AlarmNames', true),
  SetAlarmState: onAlarms('cloudwatch:SetAlarmState', 'AlarmName', false),
  PutMetricData: unscoped('cloudwatch:PutMetricData'),
  GetMetricData: unscoped('cloudwatch:GetMetricData'),
  GetMetricStatistics: unscoped('cloudwatch:GetMetricStatistics'),
  ListMetrics: unscoped('cloudwatch:ListMetrics'),
};

function tableArn(scope: RequestScope, table: unknown, index?: unknown): string {
  const arn = `arn:${scope.partition}:dynamodb:${scope.region}:${scope.accountId}:table/${String(table)}`;
  return index === undefined ? arn : `${arn}/index/${String(index)}`;
}

const onTable =
  (action: string): Checks =>
  (input, scope) => [
    { action: `dynamodb:${action}`, resource: tableArn(scope, input.TableName, input.IndexName) },
  ];
/** Batch calls are authorized per table they touch. */
const onRequestItems =
  (action: string): Checks =>
  (input, scope) =>
    Object.keys((input.RequestItems as Input | undefined) ?? {}).map((table) => ({
      action: `dynamodb:${action}`,
      resource: tableArn(scope, table),
    }));
/** Each item of a transaction is authorized as the single-item action it is. */
const transactItems: Checks = (input, scope) =>
  ((input.TransactItems as Input[] | undefined) ?? []).flatMap((item) =>
    Object.entries(item).map(([kind, request]) => ({
      action: `dynamodb:${kind === 'ConditionCheck' ? 'ConditionCheckItem' : kind === 'Get' ? 'GetItem' : `${kind}Item`}`,
      resource: tableArn(scope, (request as Input).TableName),
    })),
  );

const DYNAMODB: Record<string, Checks> = {
  ...Object.fromEntries(
    [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
      'Query',
      'Scan',
      'DescribeTable',
      'CreateTable',
      'DeleteTable',
      'UpdateTable',
    ].map((operation) => [operation, onTable(operation)]),
  ),
  BatchGetItem: onRequestItems('BatchGetItem'),
  BatchWriteItem: onRequestItems('BatchWriteItem'),
  TransactWriteItems: transactItems,
  TransactGetItems: transactItems,
  ListTables: unscoped('dynamodb:ListTables'),
};

/** Each entry is authorized on its bus, with its source and detail-type as condition keys (list_amazoneventbridge.html). */
const EVENTBRIDGE: Record<string, Checks> = {
  PutEvents: (input, scope) =>
    (Array.isArray(input.Entries) ? (input.Entries as Input[]) : []).map((entry) => ({
      action: 'events:PutEvents',
      resource: `arn:${scope.partition}:events:${scope.region}:${scope.accountId}:event-bus/${busName(entry.EventBusName)}`,
      context: {
        ...(typeof entry.Source === 'string' ? { 'events:source': entry.Source } : {}),
        ...(typeof entry.DetailType === 'string' ? { 'events:detail-type': entry.DetailType } : {}),
      },
    })),
};

/** By `X-Amz-Target` prefix. */
const SERVICES: Record<string, Record<string, Checks>> = {
  AWSStepFunctions: STEP_FUNCTIONS,
  GraniteServiceVersion20100801: CLOUDWATCH,
  DynamoDB_20120810: DYNAMODB,
  AWSEvents: EVENTBRIDGE,
};

/** What IAM checks for `<targetPrefix>.<operation>` with `input`; throws for a request the local cloud cannot authorize. */
export function authorizationChecks(
  targetPrefix: string,
  operation: string,
  input: Input,
  scope: RequestScope,
): AuthorizationCheck[] {
  const service = SERVICES[targetPrefix];
  const checks = service && Object.hasOwn(service, operation) ? service[operation]! : undefined;
  if (!checks) {
    throw new Error(
      `The local cloud does not know what IAM authorizes for ${targetPrefix}.${operation}; ` +
        `expected one of: ${Object.entries(SERVICES)
          .flatMap(([prefix, ops]) => Object.keys(ops).map((op) => `${prefix}.${op}`))
          .join(', ')}`,
    );
  }
  return checks(input, scope);
}
