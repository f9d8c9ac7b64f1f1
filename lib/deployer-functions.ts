import { Arn, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEPLOYER_FUNCTIONS, type DeployerFunctionName } from '../lambda/shared/functions';
import { lambdaAssetPath } from './lambda-assets';
import { acknowledge, wildcardResource } from './nag';

export { DEPLOYER_FUNCTIONS, type DeployerFunctionName };

const TIMEOUTS: Record<DeployerFunctionName, Duration> = {
  'publish-version': Duration.minutes(2),
  'shift-weight': Duration.minutes(1),
  'check-alarms': Duration.minutes(2),
  rollback: Duration.minutes(2),
  // The delete API refills at 1 request/s: a large prune needs the longest timeout, and resumes if it runs out.
  'prune-versions': Duration.minutes(15),
  // A sweep may recover several locks, each waiting out its fence (lambda/shared/recovery.ts).
  'recover-deployments': Duration.minutes(5),
  'signal-deployment': Duration.seconds(30),
  'wake-on-alarm': Duration.minutes(1),
  'wake-on-failure': Duration.minutes(1),
  // A hook Lambda is awaited for up to 14 minutes (lambda/traffic-tests HOOK_WAIT_MAX_MS).
  'traffic-tests': Duration.minutes(15),
};

/**
 * The Step Functions actions each Lambda needs on a target. Versions and
 * aliases are authorized against the target's unqualified ARN.
 */
export const TARGET_ACTIONS: Record<DeployerFunctionName, string[]> = {
  'publish-version': [
    'states:DescribeStateMachine',
    'states:UpdateStateMachine',
    'states:PublishStateMachineVersion',
    'states:ListStateMachineVersions',
    'states:DescribeStateMachineAlias',
    'states:CreateStateMachineAlias',
    // Recovering a stale lock before taking it over returns the alias to its origin.
    'states:UpdateStateMachineAlias',
  ],
  'shift-weight': ['states:DescribeStateMachineAlias', 'states:UpdateStateMachineAlias'],
  // ListExecutions on the two versions: the analysis counts their executions (analysis in the request).
  'check-alarms': ['states:DescribeStateMachineAlias', 'states:ListExecutions'],
  rollback: ['states:DescribeStateMachineAlias', 'states:UpdateStateMachineAlias'],
  'prune-versions': [
    'states:ListStateMachineVersions',
    'states:DeleteStateMachineVersion',
    'states:ListStateMachineAliases',
    'states:DescribeStateMachineAlias',
  ],
  'recover-deployments': ['states:DescribeStateMachineAlias', 'states:UpdateStateMachineAlias'],
  // Signals and wake-ups touch only the lock and the deployer's own waits, never a target.
  'signal-deployment': [],
  'wake-on-alarm': [],
  // Reads the failed execution only (its version): see grantTarget.
  'wake-on-failure': [],
  // Tests run on the new version by its version ARN; the alias is read for drift after traffic moved.
  // StartSyncExecution: an Express target's tests run within the call.
  'traffic-tests': ['states:StartExecution', 'states:StartSyncExecution', 'states:DescribeStateMachineAlias'],
};

/** Actions on the executions of each target: wake-on-failure learns a failed execution's version. */
export const TARGET_EXECUTION_ACTIONS: Partial<Record<DeployerFunctionName, string[]>> = {
  'wake-on-failure': ['states:DescribeExecution'],
};

/**
 * The CloudWatch actions each Lambda needs. `DescribeAlarms` and
 * `DescribeAlarmHistory` only return composite alarms when granted on `*`
 * (alarm ARNs are not enough), and both are read-only.
 */
export const ALARM_ACTIONS: Partial<Record<DeployerFunctionName, string[]>> = {
  'publish-version': ['cloudwatch:DescribeAlarms'],
  // GetMetricData: the analysis counts an Express target's executions from its AWS/States metrics.
  'check-alarms': [
    'cloudwatch:DescribeAlarms',
    'cloudwatch:DescribeAlarmHistory',
    'cloudwatch:GetMetricData',
  ],
  // The alarms are still watched while post-traffic checks run.
  'traffic-tests': ['cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'],
};

/**
 * What each Lambda does with the deployments table: publish-version takes the
 * lock (and recovers a stale one), the loop checks it, records progress,
 * hands it to a continuation or frees it, and recovery finds locks by owner
 * (status-change events) or lists them all (the sweep).
 */
export const TABLE_ACTIONS: Record<DeployerFunctionName, string[]> = {
  'publish-version': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  'shift-weight': ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  'check-alarms': ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  rollback: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  'prune-versions': [],
  'recover-deployments': [
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
    'dynamodb:Scan',
  ],
  // Queue a signal on the lock of an alias, or of the execution that owns it (the owner index).
  'signal-deployment': ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
  // Find the locks watching the alarm (the sweep's scan of the owner index), and mark them.
  'wake-on-alarm': ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
  // Find the locks judging executions of the failed one's state machine, and mark them.
  'wake-on-failure': ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'],
  // Check the lock, free it when a pre-traffic test fails, record the promotion after the checks.
  'traffic-tests': ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

/** Actions on the owner index, which only recovery uses: the Query and the sweep's Scan. */
const INDEX_ACTIONS = new Set(['dynamodb:Query', 'dynamodb:Scan']);

/** The Lambdas that look up the deployer's own executions: recovery, and publish-version before it takes over a lock. */
export const EXECUTION_READERS: DeployerFunctionName[] = ['publish-version', 'recover-deployments'];

export interface DeployerFunctionsProps {
  readonly logRetention: logs.RetentionDays;
  readonly environment: Partial<Record<DeployerFunctionName, Record<string, string>>>;
  /** Physical names, for the functions people call by name. */
  readonly functionNames?: Partial<Record<DeployerFunctionName, string>>;
  /** The lock and history table every Lambda uses. */
  readonly deployments: dynamodb.ITable;
  /** The table's index of locks by owner, which only recovery queries. */
  readonly ownerIndexName: string;
}

/** The deployer's Lambdas, from the bundles prebuilt with the package (`assets/lambda`). */
export class DeployerFunctions extends Construct {
  readonly functions: Record<DeployerFunctionName, lambda.Function>;

  constructor(scope: Construct, id: string, props: DeployerFunctionsProps) {
    super(scope, id);
    const build = (name: DeployerFunctionName) => {
      const logGroup = new logs.LogGroup(this, `${name}-logs`, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // A role of its own instead of AWSLambdaBasicExecutionRole, which may write to any log group in the account.
      const role = new iam.Role(this, `${name}-ServiceRole`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `sfn-deployer ${name}: its own log group, the deployments table and its targets`,
      });
      logGroup.grantWrite(role);
      const fn = new lambda.Function(this, name, {
        code: lambda.Code.fromAsset(lambdaAssetPath(name)),
        functionName: props.functionNames?.[name],
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        timeout: TIMEOUTS[name],
        role,
        logGroup,
        environment: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'sfn-deployer',
          ...(TABLE_ACTIONS[name].length > 0 ? { DEPLOYMENTS_TABLE: props.deployments.tableName } : {}),
          ...props.environment[name],
        },
      });
      // Item actions on the table, queries on the owner index only: `ITable.grant` would add every index to each.
      const itemActions = TABLE_ACTIONS[name].filter((action) => !INDEX_ACTIONS.has(action));
      const indexActions = TABLE_ACTIONS[name].filter((action) => INDEX_ACTIONS.has(action));
      if (itemActions.length > 0) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({ actions: itemActions, resources: [props.deployments.tableArn] }),
        );
      }
      if (indexActions.length > 0) {
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: indexActions,
            resources: [`${props.deployments.tableArn}/index/${props.ownerIndexName}`],
          }),
        );
      }
      const alarmActions = ALARM_ACTIONS[name];
      if (alarmActions) {
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: alarmActions, resources: ['*'] }));
        acknowledge(
          role,
          'AwsSolutions-IAM5[Resource::*]',
          `${alarmActions.join(' and ')} on "*" only: they are read-only, CloudWatch returns composite alarms ` +
            'only to a principal allowed on every alarm (alarm ARNs are not enough), and GetMetricData supports no ' +
            'resource-level permission; no other action is granted on "*"',
        );
      }
      acknowledge(
        fn,
        'AwsSolutions-L1',
        'Node.js 22 on purpose: the Lambdas are bundled for node22 and tested on the local cloud with that major; ' +
          'nodejs22.x is in standard support, and moving to nodejs24.x is a deliberate upgrade with its own tests',
      );
      return fn;
    };
    this.functions = Object.fromEntries(DEPLOYER_FUNCTIONS.map((name) => [name, build(name)])) as Record<
      DeployerFunctionName,
      lambda.Function
    >;
  }

  /** Lets recovery and publish-version see whether the owner of a lock still runs. */
  grantDescribeExecutions(executionsArn: string): void {
    for (const name of EXECUTION_READERS) {
      const fn = this.functions[name];
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionsArn] }),
      );
      acknowledge(
        fn.role!,
        wildcardResource(fn, executionsArn),
        "The deployer's own executions only: a lock names the execution that owns it, and recovery reads its " +
          'status (DescribeExecution) to tell a running deployment from one that ended without freeing its alias',
      );
    }
  }

  /**
   * Lets the traffic tests follow and stop the executions they start on a
   * target's versions (or on a hook state machine): executions are authorized
   * as `execution:<state machine name>:<execution name>`.
   */
  grantFollowExecutions(stateMachineArn: string): void {
    const fn = this.functions['traffic-tests'];
    const name = Arn.split(stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${name}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [executions],
      }),
    );
    acknowledge(
      fn.role!,
      wildcardResource(fn, executions),
      'The executions of one target (or declared hook) state machine only: traffic tests start them under names ' +
        'made at run time, then describe them until they end and stop those still running at the timeout',
    );
  }

  /** Lets every Lambda act on one more target state machine, and only on what it must. */
  grantTarget(targetArn: string): void {
    // Executions are authorized as arn:…:execution:<state machine name>:<execution name>.
    const name = Arn.split(targetArn, ArnFormat.COLON_RESOURCE_NAME).resourceName!;
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${name}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    for (const [step, actions] of Object.entries(TARGET_EXECUTION_ACTIONS)) {
      const fn = this.functions[step as DeployerFunctionName];
      fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [executions] }));
      acknowledge(
        fn.role!,
        wildcardResource(fn, executions),
        "The executions of this target: a failed one's version is read (DescribeExecution) to wake the " +
          'deployment of that version; execution names are only known at run time',
      );
    }
    for (const name of DEPLOYER_FUNCTIONS) {
      if (TARGET_ACTIONS[name].length === 0) continue;
      const fn = this.functions[name];
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions: TARGET_ACTIONS[name], resources: [targetArn, `${targetArn}:*`] }),
      );
      acknowledge(
        fn.role!,
        wildcardResource(fn, `${targetArn}:*`),
        'The versions and aliases of this target: each deployment publishes or picks a version ' +
          'and shifts an alias whose numbers and names are only known at run time; Step Functions authorizes them ' +
          "as the target's ARN followed by :<version> or :<alias>, and the actions are limited to what this step needs",
      );
    }
  }
}
