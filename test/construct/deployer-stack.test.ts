/**
 * The deployer stack as synthesized: its resources, their IAM permissions,
 * and the shape of the state graph, asserted piece by piece.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DeployerStack, type DeployerStackProps } from '../../app/deployer-stack';
import { DeploymentStrategy } from '../../lib';
import { DEPLOYER_FUNCTIONS, type DeployerFunctionName } from '../../lib/deployer-functions';
import { deployerFromTemplate, type StateMachineDefinition } from '../../local/deployer/assembly';
import {
  allStatements,
  expectedGrants,
  flatten,
  functionGrants,
  functionLogicalId,
  grants,
  roleStatements,
  testApp,
} from '../support/deployer-template';
import { TEST_SCOPE } from '../support/synth';

const ORDERS = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
const PAYMENTS = 'arn:aws:states:us-east-1:123456789012:stateMachine:payments';

/** The Step Functions actions each Lambda needs on a target, and no more. */
const STATES_ACTIONS: Record<DeployerFunctionName, string[]> = {
  'publish-version': [
    'states:CreateStateMachineAlias',
    'states:DescribeStateMachine',
    'states:DescribeStateMachineAlias',
    'states:ListStateMachineVersions',
    'states:PublishStateMachineVersion',
    'states:UpdateStateMachine',
    'states:UpdateStateMachineAlias',
  ],
  'shift-weight': ['states:DescribeStateMachineAlias', 'states:UpdateStateMachineAlias'],
  // ListExecutions: the analysis counts the new and the old version's executions.
  'check-alarms': ['states:DescribeStateMachineAlias', 'states:ListExecutions'],
  rollback: ['states:DescribeStateMachineAlias', 'states:UpdateStateMachineAlias'],
  'prune-versions': [
    'states:DeleteStateMachineVersion',
    'states:DescribeStateMachineAlias',
    'states:ListStateMachineAliases',
    'states:ListStateMachineVersions',
  ],
  'recover-deployments': ['states:DescribeStateMachineAlias', 'states:UpdateStateMachineAlias'],
  'signal-deployment': [],
  'traffic-tests': ['states:DescribeStateMachineAlias', 'states:StartExecution', 'states:StartSyncExecution'],
  'wake-on-alarm': [],
  'wake-on-failure': [],
};

/** The Lambdas the state machine invokes; recovery, signals and wake-ups run outside the loop. */
const LOOP_FUNCTIONS = DEPLOYER_FUNCTIONS.filter(
  (name) => !['recover-deployments', 'signal-deployment', 'wake-on-alarm', 'wake-on-failure'].includes(name),
);

function synth(props: Partial<DeployerStackProps> = {}): Template {
  const stack = new DeployerStack(testApp(), 'SfnDeployer', {
    targets: ['orders'],
    env: { account: TEST_SCOPE.account, region: TEST_SCOPE.region },
    ...props,
  });
  return Template.fromStack(stack);
}

let template: Template;
let definition: StateMachineDefinition;
beforeAll(() => {
  template = synth();
  definition = deployerFromTemplate(
    template.toJSON() as Parameters<typeof deployerFromTemplate>[0],
    TEST_SCOPE,
  ).definition;
});

describe('the deployer state machine', () => {
  it('is exactly one Standard state machine with tracing and full logging', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
  });

  it('exports its ARN as the DeployerArn output', () => {
    const [stateMachineId] = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'));

    template.hasOutput('DeployerArn', { Value: { Ref: stateMachineId } });
  });
});

describe('the deployer Lambdas', () => {
  it('are ten functions on Node.js 22 for arm64', () => {
    template.resourceCountIs('AWS::Lambda::Function', 10);
    for (const step of DEPLOYER_FUNCTIONS) {
      const fn = template.toJSON().Resources[functionLogicalId(template, step)];
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
    }
  });

  it('each log to a log group of their own, kept one month by default', () => {
    const logGroupOf = DEPLOYER_FUNCTIONS.map((step) => {
      const fn = template.toJSON().Resources[functionLogicalId(template, step)];
      return (fn.Properties.LoggingConfig.LogGroup as { Ref: string }).Ref;
    });

    expect(new Set(logGroupOf).size).toBe(10);
    for (const logGroupId of logGroupOf) {
      expect(template.toJSON().Resources[logGroupId]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
    }
  });

  it('give publish-version the built-in request defaults when the stack sets none', () => {
    const fn = template.toJSON().Resources[functionLogicalId(template, 'publish-version')];

    expect(fn.Properties.Environment.Variables).toMatchObject({
      DEFAULT_STRATEGY: 'allAtOnce',
      DEFAULT_INCREMENT: '5',
      DEFAULT_INTERVAL_SECONDS: '120',
      DEFAULT_ALARM_POLLING_SECONDS: '60',
    });
  });

  it('give publish-version, and only it, the request defaults the stack sets', () => {
    const configured = synth({
      defaultStrategy: DeploymentStrategy.CANARY,
      defaultIncrement: 10,
      defaultIntervalSeconds: 300,
      defaultAlarmPollingSeconds: 30,
    });

    const resources = configured.toJSON().Resources;
    expect(
      resources[functionLogicalId(configured, 'publish-version')].Properties.Environment.Variables,
    ).toMatchObject({
      DEFAULT_STRATEGY: 'canary',
      DEFAULT_INCREMENT: '10',
      DEFAULT_INTERVAL_SECONDS: '300',
      DEFAULT_ALARM_POLLING_SECONDS: '30',
    });
    for (const step of DEPLOYER_FUNCTIONS.filter((name) => name !== 'publish-version')) {
      const variables = Object.keys(
        resources[functionLogicalId(configured, step)].Properties.Environment.Variables,
      );
      expect(variables.filter((name) => name.startsWith('DEFAULT_'))).toEqual([]);
    }
  });
});

describe('the deployer IAM permissions', () => {
  it.each(DEPLOYER_FUNCTIONS)(
    'let %s act on the target and its versions and aliases only, with only the actions it needs',
    (step) => {
      expect(
        functionGrants(template, step, 'states:').filter(
          (grant) => !grant.includes(':execution:') && !grant.startsWith('states:SendTaskSuccess '),
        ),
      ).toEqual(expectedGrants(STATES_ACTIONS[step], [ORDERS, `${ORDERS}:*`]));
    },
  );

  it("lets only recovery and publish-version describe executions, and only the deployer's own", () => {
    const [stateMachineId] = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'));
    const name = (template.toJSON().Resources[stateMachineId!].Properties as { StateMachineName: string })
      .StateMachineName;
    const describes = (step: DeployerFunctionName) =>
      functionGrants(template, step, 'states:').filter((grant) => grant.includes(':execution:'));

    for (const step of ['recover-deployments', 'publish-version'] as const) {
      expect(describes(step)).toEqual([
        `states:DescribeExecution on arn:aws:states:us-east-1:123456789012:execution:${name}:*`,
      ]);
    }
    for (const step of ['shift-weight', 'check-alarms', 'rollback', 'prune-versions'] as const) {
      expect(describes(step)).toEqual([]);
    }
    // wake-on-failure reads a failed execution of a target, to learn its version; nothing of the deployer's.
    expect(describes('wake-on-failure')).toEqual([
      'states:DescribeExecution on arn:aws:states:us-east-1:123456789012:execution:orders:*',
    ]);
  });

  it('grant no states:* action, and no states: action on Resource "*"', () => {
    const statesGrants = grants(allStatements(template), 'states:');

    expect(statesGrants.length).toBeGreaterThan(0);
    expect(statesGrants.filter((grant) => grant.startsWith('states:* '))).toEqual([]);
    expect(statesGrants.filter((grant) => grant.endsWith(' on *'))).toEqual([]);
  });

  it('let only publish-version and check-alarms read alarms, on every alarm (composite alarms need it)', () => {
    expect(functionGrants(template, 'publish-version', 'cloudwatch:')).toEqual([
      'cloudwatch:DescribeAlarms on *',
    ]);
    // GetMetricData too: the analysis counts an Express target's executions from metrics.
    expect(functionGrants(template, 'check-alarms', 'cloudwatch:')).toEqual([
      'cloudwatch:DescribeAlarmHistory on *',
      'cloudwatch:DescribeAlarms on *',
      'cloudwatch:GetMetricData on *',
    ]);
    for (const step of ['shift-weight', 'rollback', 'prune-versions', 'recover-deployments'] as const) {
      expect(functionGrants(template, step, 'cloudwatch:')).toEqual([]);
    }
  });

  it('cover a second target when one is given', () => {
    const twoTargets = synth({ targets: ['orders', PAYMENTS] });

    for (const step of DEPLOYER_FUNCTIONS) {
      expect(
        functionGrants(twoTargets, step, 'states:').filter(
          (grant) => !grant.includes(':execution:') && !grant.startsWith('states:SendTaskSuccess '),
        ),
      ).toEqual(expectedGrants(STATES_ACTIONS[step], [ORDERS, `${ORDERS}:*`, PAYMENTS, `${PAYMENTS}:*`]));
    }
  });

  it('let the state machine invoke exactly its five loop Lambdas and continue only itself', () => {
    const [stateMachineId] = Object.keys(template.findResources('AWS::StepFunctions::StateMachine'));
    const roleId = (
      template.toJSON().Resources[stateMachineId!].Properties.RoleArn as { 'Fn::GetAtt': string[] }
    )['Fn::GetAtt'][0]!;
    const functionArns = LOOP_FUNCTIONS.map((step) =>
      flatten({ 'Fn::GetAtt': [functionLogicalId(template, step), 'Arn'] }),
    );

    const invokes = grants(roleStatements(template, roleId), 'lambda:');

    expect(invokes).toEqual(
      expectedGrants(['lambda:InvokeFunction'], [...functionArns, ...functionArns.map((arn) => `${arn}:*`)]),
    );
    const name = (template.toJSON().Resources[stateMachineId!].Properties as { StateMachineName: string })
      .StateMachineName;
    expect(grants(roleStatements(template, roleId), 'states:')).toEqual([
      `states:DescribeExecution on arn:aws:states:us-east-1:123456789012:execution:${name}:*`,
      `states:StartExecution on arn:aws:states:us-east-1:123456789012:stateMachine:${name}`,
      `states:StopExecution on arn:aws:states:us-east-1:123456789012:execution:${name}:*`,
    ]);
    expect(grants(roleStatements(template, roleId), 'events:')).toEqual([
      'events:DescribeRule on arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
      'events:PutRule on arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
      'events:PutTargets on arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
    ]);
  });
});

describe('the state graph', () => {
  const taskStates = () => Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
  const lambdaTasks = () =>
    taskStates().filter(([, state]) => state.Resource === 'arn:aws:states:::lambda:invoke');
  const catchers = (name: string) =>
    (definition.States[name]?.Catch ?? []) as Array<{
      ErrorEquals: string[];
      Next: string;
      ResultPath?: string;
    }>;

  it('starts every execution at Publish version: no input skips its checks', () => {
    expect(definition.StartAt).toBe('Publish version');
    expect(definition.States['Resuming a deployment?']).toBeUndefined();
    expect(definition.States['Anything to deploy?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.result', IsPresent: true, Next: 'Deployment done' },
        { Variable: '$.deployment.next', StringEquals: 'SHIFT', Next: 'Shift weight' },
        { Variable: '$.deployment.next', StringEquals: 'POLL', Next: 'Wait for next poll' },
        { Variable: '$.deployment.next', StringEquals: 'PRE_TRAFFIC', Next: 'Run pre-traffic tests' },
      ],
      Default: 'Traffic may have moved?',
    });
  });

  it('fails closed on a start state it has no rule for, rolling back if a deployment is under way', () => {
    expect(definition.States['Traffic may have moved?']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.deployment.aliasArn', IsPresent: true, Next: 'Unexpected loop state' }],
      Default: 'Unexpected start state',
    });
    expect(definition.States['Unexpected start state']).toMatchObject({
      Type: 'Fail',
      Error: 'UnexpectedLoopState',
    });
    expect(definition.States['Unexpected loop state']).toMatchObject({
      Type: 'Pass',
      Result: { Error: 'UnexpectedLoopState' },
      ResultPath: '$.failure',
      Next: 'Roll back',
    });
  });

  it('routes every verdict of the alarm check, and rolls back on any other', () => {
    expect(definition.States['Alarms OK?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.deployment.next', StringEquals: 'ROLL_BACK', Next: 'Roll back' },
        { Variable: '$.deployment.next', StringEquals: 'CONTINUE', Next: 'Continue in a new execution' },
        { Variable: '$.deployment.next', StringEquals: 'POLL', Next: 'Wait for next poll' },
        { Variable: '$.deployment.next', StringEquals: 'SHIFT', Next: 'Shift weight' },
        { Variable: '$.deployment.next', StringEquals: 'FINISH', Next: 'Prune versions' },
        { Variable: '$.deployment.next', StringEquals: 'VERIFY', Next: 'Run post-traffic checks' },
      ],
      Default: 'Unexpected loop state',
    });
  });

  it('continues a long deployment under the name recorded on the lock, passing only the alias', () => {
    expect(definition.States['Continue in a new execution']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        'StateMachineArn.$': '$$.StateMachine.Id',
        'Name.$': '$.deployment.handoffTo',
        Input: { continuation: { 'aliasArn.$': '$.deployment.aliasArn' } },
      },
    });
    expect(catchers('Continue in a new execution')).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Roll back' },
    ]);
  });

  it('waits for as long as the last step said, on a task token stored on the lock, then checks the alarms', () => {
    expect(definition.States['Shift weight']?.Next).toBe('Hold this step?');
    // A step held for no time is checked at once: a token wait's timeout must be at least 1 s.
    expect(definition.States['Hold this step?']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.deployment.waitSeconds', NumericEquals: 0, Next: 'Check alarms' }],
      Default: 'Wait for next poll',
    });
    expect(definition.States['Wait for next poll']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken',
      Parameters: {
        Key: { aliasArn: { 'S.$': '$.deployment.aliasArn' }, sk: { S: 'LOCK' } },
        UpdateExpression: 'SET taskToken = :token',
        // A wake-up already pending ends the wait before it starts; a lock that is gone is never recreated.
        ConditionExpression:
          '#owner = :owner AND attribute_not_exists(recovering) AND attribute_not_exists(wake)',
        ExpressionAttributeValues: {
          ':token': { 'S.$': '$$.Task.Token' },
          ':owner': { 'S.$': '$.deployment.owner' },
        },
      },
      TimeoutSecondsPath: '$.deployment.waitSeconds',
      ResultPath: null,
      Next: 'Check alarms',
    });
    // Timed out (the poll), or a wake-up was pending: check now. Anything else: a plain wait, then check.
    expect(catchers('Wait for next poll')).toEqual([
      {
        ErrorEquals: ['States.Timeout', 'DynamoDb.ConditionalCheckFailedException'],
        ResultPath: null,
        Next: 'Check alarms',
      },
      // The check counts the fallback's events in the history budget, and logs why.
      { ErrorEquals: ['States.ALL'], ResultPath: '$.waitFailure', Next: 'Wait without wake-ups' },
    ]);
    expect(definition.States['Wait without wake-ups']).toEqual({
      Type: 'Wait',
      SecondsPath: '$.deployment.waitSeconds',
      Next: 'Check alarms',
    });
    expect(definition.States['Check alarms']?.Next).toBe('Alarms OK?');
  });

  it('invokes each step with the loop state, the time and the execution, keeping only the payload', () => {
    expect(
      lambdaTasks()
        .map(([name]) => name)
        .sort(),
    ).toEqual([
      'Check alarms',
      'Prune versions',
      'Publish version',
      'Roll back',
      'Run post-traffic checks',
      'Run pre-traffic tests',
      'Shift weight',
    ]);
    for (const [name, state] of lambdaTasks()) {
      expect({ name, ...state }).toMatchObject({
        name,
        Resource: 'arn:aws:states:::lambda:invoke',
        OutputPath: '$.Payload',
        Parameters: {
          FunctionName: expect.stringMatching(
            /^arn:aws:lambda:us-east-1:123456789012:function:sfn-deployer-/,
          ),
          Payload: {
            'now.$': '$$.State.EnteredTime',
            'executionArn.$': '$$.Execution.Id',
            'retries.$': '$$.State.RetryCount',
          },
        },
      });
    }
  });

  it('retries throttling and Lambda service errors on every task, Check alarms most patiently of the loop', () => {
    expect(
      taskStates()
        .map(([name]) => name)
        .sort(),
    ).toEqual([
      'Check alarms',
      'Continue in a new execution',
      'Prune versions',
      'Publish version',
      'Roll back',
      'Run post-traffic checks',
      'Run pre-traffic tests',
      'Shift weight',
      'Wait for next poll',
    ]);
    for (const [name, state] of taskStates().filter(([name]) => name !== 'Wait for next poll')) {
      const retriers = (state.Retry ?? []) as Array<{ ErrorEquals: string[]; MaxAttempts?: number }>;
      const throttling = retriers.find(
        (retrier) =>
          retrier.ErrorEquals.includes('ThrottlingException') || retrier.ErrorEquals.includes('States.ALL'),
      );
      expect({ name, retries: (throttling?.MaxAttempts ?? 0) > 0 }).toEqual({ name, retries: true });
    }
    for (const [name, state] of lambdaTasks()) {
      const errors = ((state.Retry ?? []) as Array<{ ErrorEquals: string[] }>).flatMap(
        (retrier) => retrier.ErrorEquals,
      );
      const covered = (error: string) => errors.includes(error) || errors.includes('States.ALL');
      for (const error of [
        'Sandbox.Timedout',
        'Lambda.Unknown',
        'Lambda.ServiceException',
        'Lambda.AWSLambdaException',
        'Lambda.SdkClientException',
      ]) {
        expect({ name, error, retried: covered(error) }).toEqual({ name, error, retried: true });
      }
    }
    const attempts = (name: string) =>
      Math.max(
        ...((definition.States[name]?.Retry ?? []) as Array<{ MaxAttempts: number }>).map(
          (retrier) => retrier.MaxAttempts,
        ),
      );
    expect(attempts('Check alarms')).toBeGreaterThan(attempts('Shift weight'));
  });

  it.each(['Shift weight', 'Check alarms'])(
    'stops %s on AliasDrift or a lost lock before rolling back on any other error',
    (name) => {
      expect(catchers(name)).toEqual([
        {
          ErrorEquals: ['AliasDrift', 'DeploymentLockLost'],
          ResultPath: '$.failure',
          Next: 'Read error message',
        },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Roll back' },
      ]);
    },
  );

  it('sends a rejected request to a Fail, never to the rollback', () => {
    const [rejections, others] = catchers('Publish version');

    expect(rejections?.ErrorEquals).toEqual(
      expect.arrayContaining([
        'InvalidDeployRequest',
        'AlarmNotFound',
        'DeploymentInProgress',
        'StateMachineNotFound',
      ]),
    );
    expect(rejections?.Next).toBe('Read error message');
    expect(definition.States['Read error message']?.Next).toBe('Deployment stopped');
    expect(definition.States['Deployment stopped']?.Type).toBe('Fail');
    expect(others).toMatchObject({ ErrorEquals: ['States.ALL'], Next: 'Deployment failed' });
    expect(definition.States['Deployment failed']?.Type).toBe('Fail');
  });

  it('fails with DeploymentRolledBack after a rollback, giving its cause, and with the outcome of a deployment that ended elsewhere', () => {
    expect(definition.States['Roll back']?.Next).toBe('Rolled back?');
    expect(definition.States['Rolled back?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.deployment.next', StringEquals: 'ROLLED_BACK', Next: 'Deployment rolled back' },
        { Variable: '$.deployment.next', StringEquals: 'ENDED', Next: 'Deployment ended elsewhere' },
        { Variable: '$.deployment.next', StringEquals: 'PROMOTED', Next: 'Deployment done' },
      ],
      Default: 'Unexpected rollback state',
    });
    // DeploymentRolledBack, or DeploymentAborted: the rollback step names which (lambda/rollback).
    expect(definition.States['Deployment rolled back']).toEqual({
      Type: 'Fail',
      ErrorPath: '$.deployment.rollbackError',
      CausePath: '$.deployment.rollbackCause',
    });
    expect(definition.States['Deployment ended elsewhere']).toEqual({
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
  });

  it('prunes until pruning is finished, and still succeeds when pruning fails', () => {
    expect(definition.States['Pruning finished?']).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.deployment.next', StringEquals: 'PRUNE', Next: 'Prune versions' },
        { Variable: '$.deployment.next', StringEquals: 'FINISH', Next: 'Deployment done' },
      ],
      Default: 'Unexpected pruning state',
    });
    // The promotion was recorded before pruning: an unknown verdict fails the execution, never rolls back.
    expect(definition.States['Unexpected pruning state']).toMatchObject({
      Type: 'Fail',
      Error: 'UnexpectedLoopState',
    });
    expect(catchers('Prune versions')).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Pruned any versions?' },
    ]);
    expect(definition.States['Pruned any versions?']).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.result', IsPresent: true, Next: 'Promoted with partial pruning' }],
      Default: 'Promoted without pruning',
    });
    expect(definition.States['Promoted with partial pruning']).toEqual({
      Type: 'Pass',
      InputPath: '$.failure',
      ResultPath: '$.result.pruneError',
      Next: 'Deployment done',
    });
    expect(definition.States['Promoted without pruning']?.Next).toBe('Deployment done');
    expect(definition.States['Deployment done']).toEqual({ Type: 'Succeed', OutputPath: '$.result' });
  });
});
