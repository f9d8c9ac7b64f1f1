/**
 * What keeps deployments safe, as synthesized: the deployments table (the
 * lock and the history), each Lambda's access to it, the rule that recovers
 * a deployer execution that ended holding its alias, least-privilege IAM,
 * and the AWS Solutions checks of cdk-nag with every finding resolved.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeployerStack, type DeployerStackProps } from '../../app/deployer-stack';
import { StateMachineDeployer } from '../../lib';
import { DEPLOYER_FUNCTIONS, TABLE_ACTIONS } from '../../lib/deployer-functions';
import { functionGrants, functionLogicalId, logicalIdsAt, testApp } from '../support/deployer-template';
import { TEST_SCOPE } from '../support/synth';

function deployerStack(props: Partial<DeployerStackProps> = {}): DeployerStack {
  return new DeployerStack(testApp(), 'SfnDeployer', {
    targets: ['orders'],
    env: { account: TEST_SCOPE.account, region: TEST_SCOPE.region },
    ...props,
  });
}

let template: Template;
let tableId: string;
let stateMachineId: string;
beforeAll(() => {
  template = Template.fromStack(deployerStack());
  tableId = logicalIdsAt(template, 'AWS::DynamoDB::Table', '/Deployer/Deployments/')[0]!;
  stateMachineId = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'))[0]!;
});

const resourceOf = (logicalId: string) =>
  (template.toJSON() as { Resources: Record<string, Record<string, unknown>> }).Resources[logicalId]!;

describe('the deployments table', () => {
  it('keys each item by alias and sort key, billed per request, with point-in-time recovery', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'aliasArn', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'aliasArn', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'owner', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('indexes the locks by owner, for recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'owner-index',
          KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('expires lock items by their expiresAt TTL, the last backstop for a lock nothing freed', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is kept when the stack is deleted, by default', () => {
    expect(resourceOf(tableId)).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('is deleted with the stack when the construct is told so', () => {
    const stack = new Stack(testApp(), 'Deployers', {
      env: { account: TEST_SCOPE.account, region: TEST_SCOPE.region },
    });
    new StateMachineDeployer(stack, 'Deployer', {
      targets: [StateMachine.fromStateMachineName(stack, 'Orders', 'orders')],
      deploymentsRemovalPolicy: RemovalPolicy.DESTROY,
    });

    Template.fromStack(stack).hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
    });
  });
});

describe("each Lambda's access to the deployments table", () => {
  const table = () => `\${${tableId}.Arn}`;

  it.each(DEPLOYER_FUNCTIONS)('lets %s take exactly its table actions, on items of the table', (step) => {
    const onIndex = new Set(['dynamodb:Query', 'dynamodb:Scan']);
    const expected = TABLE_ACTIONS[step]
      .map((action) =>
        onIndex.has(action) ? `${action} on ${table()}/index/owner-index` : `${action} on ${table()}`,
      )
      .sort();

    expect(functionGrants(template, step, 'dynamodb:')).toEqual(expected);
  });

  it('lets only recovery, signals and wake-ups query or scan an index, and only the owner index', () => {
    const indexGrants = DEPLOYER_FUNCTIONS.flatMap((step) =>
      functionGrants(template, step, 'dynamodb:')
        .filter((grant) => grant.includes('/index/'))
        .map((grant) => `${step}: ${grant}`),
    );

    expect(indexGrants).toEqual([
      `recover-deployments: dynamodb:Query on ${table()}/index/owner-index`,
      `recover-deployments: dynamodb:Scan on ${table()}/index/owner-index`,
      // A signal names the alias or the execution that owns the deployment; an alarm event wakes every lock watching it.
      `signal-deployment: dynamodb:Query on ${table()}/index/owner-index`,
      `wake-on-alarm: dynamodb:Scan on ${table()}/index/owner-index`,
      // A failed execution of a target wakes the deployment judging its version.
      `wake-on-failure: dynamodb:Scan on ${table()}/index/owner-index`,
    ]);
  });

  it.each(DEPLOYER_FUNCTIONS.filter((step) => step !== 'prune-versions'))(
    'names the table to %s in DEPLOYMENTS_TABLE',
    (step) => {
      const fn = resourceOf(functionLogicalId(template, step)) as {
        Properties: { Environment: { Variables: Record<string, unknown> } };
      };

      expect(fn.Properties.Environment.Variables.DEPLOYMENTS_TABLE).toEqual({ Ref: tableId });
    },
  );

  it('gives prune-versions, which runs after the promotion is recorded, no access to the table', () => {
    const fn = resourceOf(functionLogicalId(template, 'prune-versions')) as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };

    expect(functionGrants(template, 'prune-versions', 'dynamodb:')).toEqual([]);
    expect(fn.Properties.Environment.Variables.DEPLOYMENTS_TABLE).toBeUndefined();
  });
});

describe('the recovery rule', () => {
  it("matches this deployer's executions ending in any terminal status", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: stateMachineId }],
          status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
        },
      },
    });
  });

  it('invokes the recovery Lambda (not the in-workflow rollback), retrying for a day, then into the failure queue', () => {
    const recoveryId = functionLogicalId(template, 'recover-deployments');

    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.states'] }),
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [recoveryId, 'Arn'] },
          Id: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId(), 'Arn'] } },
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [recoveryId, 'Arn'] },
      Principal: 'events.amazonaws.com',
    });
  });
});

const queueId = () => logicalIdsAt(template, 'AWS::SQS::Queue', '/Deployer/RecoveryFailures/')[0]!;

describe('recovery that does not hang on one event', () => {
  it('sweeps the locks every five minutes by default, with the same recovery Lambda', () => {
    template.resourceCountIs('AWS::Events::Rule', 4);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [functionLogicalId(template, 'recover-deployments'), 'Arn'] },
        }),
      ],
    });
  });

  it('sweeps as often as the construct is told', () => {
    const stack = new Stack(testApp(), 'Deployers', {
      env: { account: TEST_SCOPE.account, region: TEST_SCOPE.region },
    });
    new StateMachineDeployer(stack, 'Deployer', {
      targets: [StateMachine.fromStateMachineName(stack, 'Orders', 'orders')],
      recoverySweepInterval: Duration.minutes(2),
    });

    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(2 minutes)',
    });
  });

  it('sends recovery invocations that failed for good to an encrypted queue, after Lambda retries them twice', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: functionLogicalId(template, 'recover-deployments') },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('alarms as soon as one recovery lands in the failure queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId(), 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });
});

describe("each Lambda's IAM permissions", () => {
  it.each(DEPLOYER_FUNCTIONS)('grant %s no states:* action and no states: action on Resource "*"', (step) => {
    const statesGrants = functionGrants(template, step, 'states:');

    expect(statesGrants.length).toBeGreaterThan(0);
    expect(statesGrants.filter((grant) => grant.startsWith('states:*'))).toEqual([]);
    expect(statesGrants.filter((grant) => grant.endsWith(' on *'))).toEqual([]);
  });

  it.each(DEPLOYER_FUNCTIONS)(
    'grant %s nothing on Resource "*" but reading alarms, and that only where alarms are read',
    (step) => {
      const onEverything = ['cloudwatch:', 'dynamodb:', 'states:', 'logs:', 'lambda:', 'iam:', 'xray:']
        .flatMap((prefix) => functionGrants(template, step, prefix))
        .filter((grant) => grant.endsWith(' on *'));

      const expected: Record<string, string[]> = {
        'publish-version': ['cloudwatch:DescribeAlarms on *'],
        'check-alarms': [
          'cloudwatch:DescribeAlarmHistory on *',
          'cloudwatch:DescribeAlarms on *',
          'cloudwatch:GetMetricData on *',
        ],
        'traffic-tests': ['cloudwatch:DescribeAlarmHistory on *', 'cloudwatch:DescribeAlarms on *'],
      };
      expect(onEverything).toEqual(expected[step] ?? []);
    },
  );

  it.each(DEPLOYER_FUNCTIONS)('let %s write its own log group only, with no managed policy', (step) => {
    const fn = resourceOf(functionLogicalId(template, step)) as {
      Properties: { Role: { 'Fn::GetAtt': [string, string] }; LoggingConfig: { LogGroup: { Ref: string } } };
    };
    const role = resourceOf(fn.Properties.Role['Fn::GetAtt'][0]) as { Properties: Record<string, unknown> };
    const logGroup = `\${${fn.Properties.LoggingConfig.LogGroup.Ref}.Arn}`;

    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(functionGrants(template, step, 'logs:')).toEqual([
      `logs:CreateLogStream on ${logGroup}`,
      `logs:PutLogEvents on ${logGroup}`,
    ]);
  });
});

describe('cdk-nag AWS Solutions checks', () => {
  /** Findings cdk-nag reports and nothing in the construct acknowledges, as `rule at construct path`. */
  function unexplainedFindings(stack: DeployerStack): string[] {
    const report = new AwsSolutionsChecks(stack, { verbose: true }).validateScope(stack);
    return report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
  }

  it('find nothing unexplained in the deployer stack', () => {
    expect(unexplainedFindings(deployerStack())).toEqual([]);
  });

  it('find nothing unexplained with several targets, or in an environment-agnostic stack', () => {
    expect(
      unexplainedFindings(
        deployerStack({ targets: ['orders', 'arn:aws:states:eu-west-1:210987654321:stateMachine:payments'] }),
      ),
    ).toEqual([]);
    expect(unexplainedFindings(deployerStack({ env: undefined }))).toEqual([]);
  });

  it('give every acknowledgment a reason of substance', () => {
    const stack = deployerStack();
    const acknowledgments = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    expect(acknowledgments.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgments) {
      expect(id).toMatch(/AwsSolutions-(IAM5\[Resource::.+\]|L1|SQS3)$/);
      expect(reason.length).toBeGreaterThan(40);
    }
  });
});
