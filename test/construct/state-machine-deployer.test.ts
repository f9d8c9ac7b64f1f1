/**
 * The StateMachineDeployer construct's API: props validation, grants,
 * targets added later, several deployers in one stack, and the context the
 * CDK app reads (`npx cdk synth -c targets=orders,payments`).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DeployerStack } from '../../app/deployer-stack';
import {
  DeploymentStrategy,
  StateMachineDeployer,
  type StateMachineDeployerProps,
  TrafficTestHook,
} from '../../lib';
import { readDeployerContext } from '../../app/context';
import { DEPLOYER_FUNCTIONS } from '../../lib/deployer-functions';
import {
  flatten,
  functionGrants,
  functionLogicalId,
  grants,
  logicalIdsAt,
  roleStatements,
  testApp,
} from '../support/deployer-template';
import { TEST_SCOPE } from '../support/synth';
import { deployerFromTemplate } from '../../local/deployer/assembly';

const ORDERS = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
const PAYMENTS = 'arn:aws:states:us-east-1:123456789012:stateMachine:payments';
const env = { account: TEST_SCOPE.account, region: TEST_SCOPE.region };

function newStack(): Stack {
  return new Stack(testApp(), 'Deployers', { env });
}

function target(stack: Stack, name: string): sfn.IStateMachine {
  return sfn.StateMachine.fromStateMachineName(stack, `Target-${name}`, name);
}

/** The grants every deployer Lambda has on one target's ARNs, as `action on resource`. */
/** The state machines the Lambdas act on (their grants on the deployer's own executions left out). */
function statesResourcesOf(template: Template, deployerId = 'Deployer'): string[] {
  const resources = DEPLOYER_FUNCTIONS.flatMap((step) =>
    functionGrants(template, step, 'states:', deployerId)
      // Signals and wake-ups end the deployer's own waits (SendTaskSuccess on the deployer): not a target.
      .filter((grant) => !grant.startsWith('states:SendTaskSuccess '))
      .map((grant) => grant.split(' on ')[1]!),
  ).filter((resource) => !resource.includes(':execution:'));
  return [...new Set(resources)].sort();
}

describe('StateMachineDeployer props', () => {
  const valid = (stack: Stack): StateMachineDeployerProps => ({ targets: [target(stack, 'orders')] });

  it('fails when targets is empty', () => {
    const stack = newStack();

    expect(() => new StateMachineDeployer(stack, 'Deployer', { targets: [] })).toThrow(
      'targets must name at least one state machine for the deployer to deploy, got: none',
    );
  });

  it.each([0, 101, 1.5])('fails when defaultIncrement is %p', (defaultIncrement) => {
    const stack = newStack();

    expect(() => new StateMachineDeployer(stack, 'Deployer', { ...valid(stack), defaultIncrement })).toThrow(
      `defaultIncrement must be an integer between 1 and 100, got: ${defaultIncrement}`,
    );
  });

  it('fails when defaultInterval is under one second', () => {
    const stack = newStack();

    expect(
      () =>
        new StateMachineDeployer(stack, 'Deployer', {
          ...valid(stack),
          defaultInterval: Duration.millis(500),
        }),
    ).toThrow('defaultInterval must be at least 1 second, got: 500 millis');
  });

  it('fails when defaultAlarmPolling is under one second', () => {
    const stack = newStack();

    expect(
      () =>
        new StateMachineDeployer(stack, 'Deployer', {
          ...valid(stack),
          defaultAlarmPolling: Duration.millis(10),
        }),
    ).toThrow('defaultAlarmPolling must be at least 1 second, got: 10 millis');
  });

  it('fails when defaultStrategy is not a strategy', () => {
    const stack = newStack();
    const defaultStrategy = 'blue' as StateMachineDeployerProps['defaultStrategy'];

    expect(() => new StateMachineDeployer(stack, 'Deployer', { ...valid(stack), defaultStrategy })).toThrow(
      'defaultStrategy must be one of canary, linear, allAtOnce, Canary10Percent5Minutes, Canary10Percent10Minutes, ' +
        'Canary10Percent15Minutes, Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes, ' +
        'Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes, AllAtOnce, got: blue',
    );
  });

  it("accepts one of CodeDeploy's named configurations as the default strategy", () => {
    const stack = newStack();

    expect(
      () =>
        new StateMachineDeployer(stack, 'Deployer', {
          ...valid(stack),
          defaultStrategy: DeploymentStrategy.CANARY_10_PERCENT_5_MINUTES,
        }),
    ).not.toThrow();
  });

  it('fails when defaultAnalysis is not a valid analysis, naming the field', () => {
    const stack = newStack();

    expect(
      () =>
        new StateMachineDeployer(stack, 'Deployer', {
          targets: [target(stack, 'orders')],
          defaultAnalysis: { confidence: 2 },
        }),
    ).toThrow('defaultAnalysis: analysis.confidence must be a number from 0.5 to 0.9999, got: 2');
  });

  it('hands defaultAnalysis to publish-version, which applies it to requests that give none', () => {
    const stack = newStack();
    new StateMachineDeployer(stack, 'Deployer', {
      targets: [target(stack, 'orders')],
      defaultAnalysis: { minExecutions: 30, maxHoldSeconds: 600 },
    });
    const template = Template.fromStack(stack);
    const fn = template.toJSON().Resources[functionLogicalId(template, 'publish-version')].Properties;

    expect(JSON.parse(fn.Environment.Variables.DEFAULT_ANALYSIS)).toEqual({
      minExecutions: 30,
      maxHoldSeconds: 600,
    });
  });

  it('accepts the bounds 1 and 100 and a one-second interval', () => {
    const stack = newStack();
    const targets = [target(stack, 'orders')];

    expect(
      () =>
        new StateMachineDeployer(stack, 'Low', {
          targets,
          defaultIncrement: 1,
          defaultInterval: Duration.seconds(1),
        }),
    ).not.toThrow();
    expect(() => new StateMachineDeployer(stack, 'High', { targets, defaultIncrement: 100 })).not.toThrow();
  });
});

describe('StateMachineDeployer', () => {
  let template: Template;
  let deployer: StateMachineDeployer;
  let pipelineRole: iam.Role;
  let operatorRole: iam.Role;
  beforeAll(() => {
    const stack = newStack();
    deployer = new StateMachineDeployer(stack, 'Deployer', {
      targets: [target(stack, 'orders')],
      logRetention: logs.RetentionDays.ONE_WEEK,
    });
    deployer.addTarget(target(stack, 'payments'));
    pipelineRole = new iam.Role(stack, 'PipelineRole', {
      assumedBy: new iam.ServicePrincipal('codepipeline.amazonaws.com'),
    });
    deployer.grantStartDeployment(pipelineRole);
    operatorRole = new iam.Role(stack, 'OperatorRole', { assumedBy: new iam.AccountRootPrincipal() });
    deployer.grantOperate(operatorRole);
    const readerRole = new iam.Role(stack, 'ReaderRole', { assumedBy: new iam.AccountRootPrincipal() });
    deployer.grantReadHistory(readerRole);
    template = Template.fromStack(stack);
  });

  it('keeps the logs of the state machine and of each Lambda for the configured retention', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 11);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    const lambdaLogGroups = DEPLOYER_FUNCTIONS.map(
      (step) =>
        template.toJSON().Resources[functionLogicalId(template, step)].Properties.LoggingConfig.LogGroup.Ref,
    );
    expect(new Set(lambdaLogGroups).size).toBe(10);
  });

  it('extends every Lambda to a target added later', () => {
    expect(statesResourcesOf(template)).toEqual([ORDERS, `${ORDERS}:*`, PAYMENTS, `${PAYMENTS}:*`]);
  });

  it('lets an operator steer deployments through the signal function, and do nothing else', () => {
    const roleId = logicalIdsAt(template, 'AWS::IAM::Role', '/OperatorRole/')[0]!;
    const signalId = functionLogicalId(template, 'signal-deployment');

    // CDK grants the function and its versions and aliases.
    expect(grants(roleStatements(template, roleId), '')).toEqual([
      `lambda:InvokeFunction on \${${signalId}.Arn}`,
      `lambda:InvokeFunction on \${${signalId}.Arn}:*`,
    ]);
    // Named after the deployer, so sfn-deploy finds it from the deployer's ARN alone.
    expect(template.toJSON().Resources[signalId].Properties.FunctionName).toBe(
      'Deployers-Deployer-572746BF-signal',
    );
  });

  it('wakes deployments on alarm events: a rule on ALARM and INSUFFICIENT_DATA to wake-on-alarm, which may only end the deployer’s own waits', () => {
    const wakeId = functionLogicalId(template, 'wake-on-alarm');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { state: { value: ['ALARM', 'INSUFFICIENT_DATA'] } },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [wakeId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
        }),
      ],
    });
    const deployerArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:Deployers-Deployer-572746BF';
    for (const step of ['wake-on-alarm', 'signal-deployment'] as const) {
      expect(functionGrants(template, step, 'states:')).toEqual([`states:SendTaskSuccess on ${deployerArn}`]);
    }
  });

  it('lets the five steps that tell what happened put lifecycle events on the default bus, and no other', () => {
    const bus = 'arn:aws:events:us-east-1:123456789012:event-bus/default';
    for (const step of DEPLOYER_FUNCTIONS) {
      const fn = template.toJSON().Resources[functionLogicalId(template, step)].Properties;
      const publishes = [
        'publish-version',
        'shift-weight',
        'check-alarms',
        'rollback',
        'traffic-tests',
      ].includes(step);
      expect([step, functionGrants(template, step, 'events:')]).toEqual([
        step,
        publishes ? [`events:PutEvents on ${bus}`] : [],
      ]);
      expect([step, fn.Environment.Variables.EVENT_BUS_NAME]).toEqual([
        step,
        publishes ? 'default' : undefined,
      ]);
    }
  });

  it('puts lifecycle events on the bus it is given', () => {
    const stack = newStack();
    const bus = new events.EventBus(stack, 'DeploymentsBus');
    new StateMachineDeployer(stack, 'Deployer', { targets: [target(stack, 'orders')], eventBus: bus });
    const busTemplate = Template.fromStack(stack);
    const busId = logicalIdsAt(busTemplate, 'AWS::Events::EventBus', '/DeploymentsBus/')[0]!;

    expect(functionGrants(busTemplate, 'shift-weight', 'events:')).toEqual([
      `events:PutEvents on \${${busId}.Arn}`,
    ]);
    const fn = busTemplate.toJSON().Resources[functionLogicalId(busTemplate, 'shift-weight')].Properties;
    expect(fn.Environment.Variables.EVENT_BUS_NAME).toEqual({ Ref: busId });
  });

  it('wakes a deployment judging its new version when an execution of one of its targets fails', () => {
    const rule = Object.values(template.findResources('AWS::Events::Rule')).find(
      (resource) =>
        (resource.Properties.EventPattern as { source: string[] }).source[0] === 'aws.states' &&
        JSON.stringify(resource.Properties.Targets).includes(functionLogicalId(template, 'wake-on-failure')),
    );
    const pattern = rule!.Properties.EventPattern as {
      detail: { status: string[]; stateMachineArn: unknown[] };
    };

    expect(pattern.detail.status).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    // orders at construction and payments added later, both in the pattern.
    expect(pattern.detail.stateMachineArn.map(flatten)).toEqual([ORDERS, PAYMENTS]);
    expect(rule!.Properties.Targets[0].RetryPolicy).toEqual({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 300,
    });
  });

  it('matches a family of targets named with a trailing * by prefix', () => {
    const app = testApp({ targets: 'orders*' });
    const stack = new DeployerStack(app, 'SfnDeployer', { ...readDeployerContext(app.node), env });
    const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'));
    const wake = rules.find(
      (resource) =>
        JSON.stringify(resource.Properties.EventPattern?.detail?.status) ===
        '["FAILED","TIMED_OUT","ABORTED"]',
    );

    expect(
      wake!.Properties.EventPattern.detail.stateMachineArn.map((value: { prefix: unknown }) =>
        flatten(value.prefix),
      ),
    ).toEqual(['arn:aws:states:us-east-1:123456789012:stateMachine:orders']);
  });

  it('lets the state machine store its wait’s token on the deployments table, and nowhere else', () => {
    const smRoleId = logicalIdsAt(template, 'AWS::IAM::Role', '/Deployer/StateMachine/Role')[0]!;
    const tableId = logicalIdsAt(template, 'AWS::DynamoDB::Table', '/Deployer/Deployments/')[0]!;

    expect(grants(roleStatements(template, smRoleId), 'dynamodb:')).toEqual([
      `dynamodb:UpdateItem on \${${tableId}.Arn}`,
    ]);
  });

  it('lets a reader of the history describe the deployer and query its table, and nothing else', () => {
    const roleId = logicalIdsAt(template, 'AWS::IAM::Role', '/ReaderRole/')[0]!;
    const tableId = logicalIdsAt(template, 'AWS::DynamoDB::Table', '/Deployer/Deployments/')[0]!;
    const deployerId = logicalIdsAt(
      template,
      'AWS::StepFunctions::StateMachine',
      '/Deployer/StateMachine/',
    )[0]!;

    expect(grants(roleStatements(template, roleId), '')).toEqual([
      `dynamodb:Query on \${${tableId}.Arn}`,
      `states:DescribeStateMachine on \${${deployerId}}`,
    ]);
  });

  it('lets a grantee start deployments and read their outcome', () => {
    const roleId = logicalIdsAt(template, 'AWS::IAM::Role', '/PipelineRole/')[0]!;
    const deployerId = logicalIdsAt(
      template,
      'AWS::StepFunctions::StateMachine',
      '/Deployer/StateMachine/',
    )[0]!;
    const granted = grants(roleStatements(template, roleId), 'states:');

    expect(granted).toContain(`states:StartExecution on \${${deployerId}}`);
    // Executions are named after the deployer's name, which is fixed at synthesis.
    const executions = (action: string) =>
      `states:${action} on arn:aws:states:us-east-1:123456789012:execution:Deployers-Deployer-572746BF:*`;
    expect(granted).toEqual(
      expect.arrayContaining([
        executions('DescribeExecution'),
        executions('GetExecutionHistory'),
        executions('StopExecution'),
        `states:ListExecutions on \${${deployerId}}`,
        `states:DescribeStateMachine on \${${deployerId}}`,
      ]),
    );
    expect(granted.some((grant) => grant.endsWith(' on *'))).toBe(false);
    expect(
      granted.filter(
        (grant) => grant.startsWith('states:StartExecution') && !grant.endsWith(`\${${deployerId}}`),
      ),
    ).toEqual([]);
  });

  it('exposes the state machine and its Lambdas', () => {
    expect(deployer.stateMachine).toBeInstanceOf(sfn.StateMachine);
    const camelCase = (name: string) => name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());
    expect(Object.keys(deployer.functions).sort()).toEqual(DEPLOYER_FUNCTIONS.map(camelCase).sort());
  });
});

describe('two deployers in one stack', () => {
  it('synthesize side by side without id collisions, each scoped to its own targets', () => {
    // Arrange
    const stack = newStack();
    new StateMachineDeployer(stack, 'OrdersDeployer', { targets: [target(stack, 'orders')] });
    new StateMachineDeployer(stack, 'PaymentsDeployer', { targets: [target(stack, 'payments')] });

    // Act
    const template = Template.fromStack(stack);

    // Assert
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
    template.resourceCountIs('AWS::Lambda::Function', 20);
    template.resourceCountIs('AWS::Logs::LogGroup', 22);
    expect(statesResourcesOf(template, 'OrdersDeployer')).toEqual([ORDERS, `${ORDERS}:*`]);
    expect(statesResourcesOf(template, 'PaymentsDeployer')).toEqual([PAYMENTS, `${PAYMENTS}:*`]);
  });
});

describe('reading the deployer settings from context', () => {
  const read = (context: Record<string, unknown>) => readDeployerContext(testApp(context).node);

  it('reads comma-separated targets, trimming blanks', () => {
    expect(read({ targets: 'orders, payments ,' }).targets).toEqual(['orders', 'payments']);
  });

  it('reads targets given as ARNs or as a list (cdk.json)', () => {
    const arn = 'arn:aws:states:eu-west-1:111111111111:stateMachine:orders';

    expect(read({ targets: `${arn},payments` }).targets).toEqual([arn, 'payments']);
    expect(read({ targets: ['orders', 'payments'] }).targets).toEqual(['orders', 'payments']);
  });

  it.each([[{}], [{ targets: '' }], [{ targets: ' , ' }]])('fails when targets is empty: %j', (context) => {
    expect(() => read(context)).toThrow(
      'Context "targets" must name the state machines to deploy, e.g. -c targets=orders,payments; got: nothing',
    );
  });

  it('reads numeric defaults given as strings on the command line', () => {
    expect(
      read({
        targets: 'orders',
        defaultStrategy: 'linear',
        defaultIncrement: '10',
        defaultIntervalSeconds: '300',
        defaultAlarmPollingSeconds: 30,
      }),
    ).toEqual({
      targets: ['orders'],
      defaultStrategy: 'linear',
      defaultIncrement: 10,
      defaultIntervalSeconds: 300,
      defaultAlarmPollingSeconds: 30,
    });
  });

  it('leaves unset defaults to the construct', () => {
    expect(read({ targets: 'orders' })).toEqual({
      targets: ['orders'],
      defaultStrategy: undefined,
      defaultIncrement: undefined,
      defaultIntervalSeconds: undefined,
      defaultAlarmPollingSeconds: undefined,
    });
  });

  it('fails when a numeric default is not a number', () => {
    expect(() => read({ targets: 'orders', defaultIncrement: 'ten' })).toThrow(
      'Context "defaultIncrement" must be a number, got: "ten"',
    );
  });

  it('builds the deployer stack for -c targets=orders,payments without code changes', () => {
    // Arrange: what `npx cdk synth -c targets=orders,payments` gives the app.
    const app = testApp({ targets: 'orders,payments' });

    // Act
    const stack = new DeployerStack(app, 'SfnDeployer', { ...readDeployerContext(app.node), env });
    const template = Template.fromStack(stack);

    // Assert
    expect(statesResourcesOf(template)).toEqual([ORDERS, `${ORDERS}:*`, PAYMENTS, `${PAYMENTS}:*`]);
    template.hasOutput('DeployerArn', {});
  });
});

/** The deployer's definition, its references resolved. */
function deployerDefinition(template: Template) {
  return deployerFromTemplate(template.toJSON() as Parameters<typeof deployerFromTemplate>[0], TEST_SCOPE)
    .definition;
}

describe('traffic tests', () => {
  const SMOKE_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:orders-smoke';
  const SMOKE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders-smoke';

  function synthWithHooks(hooks: boolean): Template {
    const stack = newStack();
    new StateMachineDeployer(stack, 'Deployer', {
      targets: [target(stack, 'orders')],
      trafficTestHooks: hooks
        ? [
            TrafficTestHook.fromFunction(lambda.Function.fromFunctionArn(stack, 'Smoke', SMOKE_FUNCTION)),
            TrafficTestHook.fromStateMachine(
              sfn.StateMachine.fromStateMachineArn(stack, 'SmokeMachine', SMOKE_MACHINE),
            ),
          ]
        : undefined,
    });
    return Template.fromStack(stack);
  }

  it('lets the tests start executions of the target and follow and stop only its executions', () => {
    const template = synthWithHooks(false);

    expect(functionGrants(template, 'traffic-tests', 'states:')).toEqual(
      [
        `states:DescribeExecution on arn:aws:states:us-east-1:123456789012:execution:orders:*`,
        `states:DescribeStateMachineAlias on ${ORDERS}`,
        `states:DescribeStateMachineAlias on ${ORDERS}:*`,
        `states:StartExecution on ${ORDERS}`,
        `states:StartExecution on ${ORDERS}:*`,
        // An Express target's tests run within StartSyncExecution.
        `states:StartSyncExecution on ${ORDERS}`,
        `states:StartSyncExecution on ${ORDERS}:*`,
        `states:StopExecution on arn:aws:states:us-east-1:123456789012:execution:orders:*`,
      ].sort(),
    );
    expect(functionGrants(template, 'traffic-tests', 'lambda:')).toEqual([]);
  });

  it('lets the tests call the declared hooks and nothing else, and tells the first step which they are', () => {
    const template = synthWithHooks(true);

    expect(functionGrants(template, 'traffic-tests', 'lambda:')).toEqual([
      `lambda:InvokeFunction on ${SMOKE_FUNCTION}`,
    ]);
    expect(functionGrants(template, 'traffic-tests', 'states:')).toEqual(
      expect.arrayContaining([
        `states:StartExecution on ${SMOKE_MACHINE}`,
        'states:DescribeExecution on arn:aws:states:us-east-1:123456789012:execution:orders-smoke:*',
      ]),
    );
    for (const step of ['publish-version', 'traffic-tests'] as const) {
      const fn = template.toJSON().Resources[functionLogicalId(template, step)].Properties;
      expect(JSON.parse(fn.Environment.Variables.TRAFFIC_TEST_HOOKS)).toEqual([
        SMOKE_FUNCTION,
        SMOKE_MACHINE,
      ]);
    }
    for (const step of DEPLOYER_FUNCTIONS.filter((name) => name !== 'traffic-tests'))
      expect([step, functionGrants(template, step, 'lambda:')]).toEqual([step, []]);
  });

  it('runs the tests before the first shift and the checks before pruning, a Wait between polls', () => {
    const definition = deployerDefinition(synthWithHooks(false));

    expect(definition.States['Pre-traffic tests passed?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.deployment.next', StringEquals: 'SHIFT', Next: 'Shift weight' },
        { Variable: '$.deployment.next', StringEquals: 'PRE_TRAFFIC', Next: 'Wait for pre-traffic tests' },
      ],
      Default: 'Unexpected loop state',
    });
    expect(definition.States['Post-traffic checks passed?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.deployment.next', StringEquals: 'FINISH', Next: 'Prune versions' },
        { Variable: '$.deployment.next', StringEquals: 'VERIFY', Next: 'Wait for post-traffic checks' },
        { Variable: '$.deployment.next', StringEquals: 'ROLL_BACK', Next: 'Roll back' },
      ],
      Default: 'Unexpected loop state',
    });
    expect(definition.States['Wait for pre-traffic tests']).toEqual({
      Type: 'Wait',
      SecondsPath: '$.deployment.waitSeconds',
      Next: 'Run pre-traffic tests',
    });
    expect(definition.States['Run pre-traffic tests']?.Catch).toEqual([
      {
        ErrorEquals: ['PreTrafficTestFailed', 'DeploymentLockLost'],
        ResultPath: '$.failure',
        Next: 'Read error message',
      },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Roll back' },
    ]);
  });
});
