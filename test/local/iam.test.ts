/**
 * IAM on the local cloud: calls made as a role it has policies for are
 * allowed or refused as IAM would, through the real SDK; callers with no
 * role are not checked.
 */
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeStateMachineAliasCommand,
  StartExecutionCommand,
  SFNClient,
  UpdateStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { readTemplate } from '../../local/deployer/assembly';
import { DEPLOYER_NAME } from '../../local/deployer';
import { CDK_OUT } from '../../local/deployer/synth';
import { localResolver } from '../../local/deployer/triggers';
import { IdentityPolicies, type PolicyDocument } from '../../local/iam/identity-policies';
import { rolePoliciesFromTemplate } from '../../local/iam/template-policies';
import { authorizationChecks } from '../../local/iam/request-checks';
import { type Fixture, failure, passDefinition, startCloud } from './cloud-fixture';

const ACCOUNT = '123456789012';
const SCOPE = { partition: 'aws', region: 'us-east-1', accountId: ACCOUNT };
const machine = (name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:${name}`;
const SHIFTER = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:shift-weight`;
const SHIFTER_ROLE = `arn:aws:iam::${ACCOUNT}:role/SfnDeployer-ShiftWeightRole`;

/** The grant `StateMachineDeployer.addTarget` gives a Lambda on one target: the state machine and its versions and aliases. */
const targetPolicy = (target: string, actions: string[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: [machine(target), `${machine(target)}:*`] }],
});

describe('IAM on the local cloud', () => {
  let fx: Fixture;
  /** The SDK client the Lambda calls with (like any in-process client, it carries no role of its own). */
  let lambdaClient: SFNClient;

  beforeEach(async () => {
    fx = await startCloud();
    lambdaClient = new SFNClient({
      endpoint: fx.cloud.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    for (const name of ['orders', 'payments']) {
      const created = await fx.createStateMachine(name, passDefinition(name), { publish: true });
      await fx.sfn.send(
        new CreateStateMachineAliasCommand({
          name: 'live',
          routingConfiguration: [{ stateMachineVersionArn: created.stateMachineVersionArn!, weight: 100 }],
        }),
      );
    }
    fx.cloud.iam.set(SHIFTER_ROLE, [
      targetPolicy('orders', ['states:DescribeStateMachineAlias', 'states:UpdateStateMachineAlias']),
    ]);
  });

  afterEach(async () => {
    lambdaClient.destroy();
    await fx.stop();
  });

  /** Runs `call` inside an invocation of a Lambda whose execution role is `SHIFTER_ROLE`. */
  async function asShifter<T>(call: (sfn: SFNClient) => Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: unknown } | undefined;
    fx.cloud.registerLambda(
      SHIFTER,
      async () => {
        try {
          outcome = { value: await call(lambdaClient) };
        } catch (error) {
          outcome = { error };
        }
      },
      { roleArn: SHIFTER_ROLE },
    );
    await fx.cloud.stepFunctions.lambdas.invoke(
      SHIFTER,
      {},
      { partition: 'aws', region: 'us-east-1', accountId: ACCOUNT },
    );
    if (!outcome) throw new Error('the Lambda did not run');
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  it('allows a call the role grants', async () => {
    const alias = await asShifter((sfn) =>
      sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${machine('orders')}:live` })),
    );

    expect(alias.name).toBe('live');
  });

  it('refuses a call on a state machine the role has no grant on, with AWS error shape', async () => {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html (message),
    // https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html (AccessDeniedException, HTTP 400)
    const update = asShifter((sfn) =>
      sfn.send(
        new UpdateStateMachineAliasCommand({
          stateMachineAliasArn: `${machine('payments')}:live`,
          routingConfiguration: [{ stateMachineVersionArn: `${machine('payments')}:1`, weight: 100 }],
        }),
      ),
    );

    expect(await failure(update)).toEqual({
      name: 'AccessDeniedException',
      status: 400,
      message:
        `User: arn:aws:sts::${ACCOUNT}:assumed-role/SfnDeployer-ShiftWeightRole/shift-weight is not authorized to perform: ` +
        `states:UpdateStateMachineAlias on resource: ${machine('payments')} because no identity-based policy allows ` +
        'the states:UpdateStateMachineAlias action',
    });
  });

  it('refuses an action the role is not granted on a target it is', async () => {
    const denied = await failure(
      asShifter((sfn) =>
        sfn.send(
          new CreateStateMachineAliasCommand({
            name: 'beta',
            routingConfiguration: [{ stateMachineVersionArn: `${machine('orders')}:1`, weight: 100 }],
          }),
        ),
      ),
    );

    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain(
      `perform: states:CreateStateMachineAlias on resource: ${machine('orders')} because`,
    );
  });

  it('leaves callers with no role unrestricted', async () => {
    const updated = await fx.sfn.send(
      new UpdateStateMachineAliasCommand({
        stateMachineAliasArn: `${machine('payments')}:live`,
        description: 'by a person',
      }),
    );

    expect(updated.updateDate).toBeDefined();
  });

  it('does not lend a Lambda its role to a clock timer that fires while the Lambda waits', async () => {
    // Arrange: a timer of the test's own (no role) that writes an alias the Lambda's role may not.
    const outcomes: string[] = [];
    const stop = fx.cloud.clock.every(30_000, async () => {
      const update = fx.sfn.send(
        new UpdateStateMachineAliasCommand({
          stateMachineAliasArn: `${machine('payments')}:live`,
          description: 'tick',
        }),
      );
      outcomes.push(
        await update.then(
          () => 'updated',
          (error: Error) => error.name,
        ),
      );
    });

    // Act: the Lambda waits a virtual minute, moving the clock past the timer.
    await asShifter(async (sfn) => {
      for (let poll = 0; poll < 5; poll++) {
        await sfn.send(
          new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${machine('orders')}:live` }),
        );
        await new Promise((resolve) => setTimeout(resolve, 60_000));
      }
    });
    stop();

    // Assert
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes.every((outcome) => outcome === 'updated')).toBe(true);
  });

  it('starts a rule target only if the target role may', async () => {
    // Arrange: a role allowed to start `orders` only, as the target role of two rules.
    const role = `arn:aws:iam::${ACCOUNT}:role/StartOrdersRole`;
    fx.cloud.iam.set(role, [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: machine('orders') }],
      },
    ]);
    const rule = (logicalId: string, target: string) => ({
      logicalId,
      eventBusName: 'default',
      enabled: true,
      eventPattern: { source: ['test.iam'] },
      targets: [{ Id: 'Target0', Arn: machine(target), RoleArn: role }],
    });
    fx.cloud.events.putRules([rule('StartOrders', 'orders'), rule('StartPayments', 'payments')]);

    // Act
    fx.cloud.events.putEvent({ id: 'event-1', source: 'test.iam', 'detail-type': 'Test', detail: {} });
    await fx.cloud.events.idle();

    // Assert
    const deliveries = Object.fromEntries(
      fx.cloud.events.deliveries.map((delivery) => [delivery.rule, delivery]),
    );
    expect(deliveries.StartOrders?.executionArn).toBeDefined();
    expect(deliveries.StartPayments?.error).toMatch(
      new RegExp(
        `^AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/StartOrdersRole/[0-9a-f]{32} is not authorized to perform: states:StartExecution on resource: ${machine('payments')} because`,
      ),
    );
  });

  it('fails a Task whose state machine role may not invoke its Lambda', async () => {
    // Arrange: a state machine whose role may invoke `allowed` only.
    const role = `arn:aws:iam::${ACCOUNT}:role/OrchestratorRole`;
    fx.cloud.iam.set(role, [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'lambda:InvokeFunction',
            Resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:allowed`,
          },
        ],
      },
    ]);
    fx.cloud.registerLambda('denied', () => 'ran');
    const created = await fx.sfn.send(
      new CreateStateMachineCommand({
        name: 'orchestrator',
        roleArn: role,
        definition: JSON.stringify({
          StartAt: 'Call',
          States: {
            Call: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: 'denied' },
              End: true,
            },
          },
        }),
      }),
    );

    // Act
    const started = await fx.sfn.send(
      new StartExecutionCommand({ stateMachineArn: created.stateMachineArn! }),
    );
    const done = await fx.finished(started.executionArn!);

    // Assert
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Lambda.AWSLambdaException');
    expect(done.cause).toMatch(
      new RegExp(
        `^User: arn:aws:sts::${ACCOUNT}:assumed-role/OrchestratorRole/[0-9a-f]{32} is not authorized to perform: ` +
          `lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:${ACCOUNT}:function:denied because no ` +
          'identity-based policy allows the lambda:InvokeFunction action \\(Service: AWSLambda; Status Code: 403; ' +
          'Error Code: AccessDeniedException;',
      ),
    );
  });
});

describe('what IAM authorizes for a request', () => {
  it('authorizes an alias on its unqualified state machine, the alias name as qualifier', () => {
    // https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html
    expect(
      authorizationChecks(
        'AWSStepFunctions',
        'UpdateStateMachineAlias',
        { stateMachineAliasArn: `${machine('orders')}:live` },
        SCOPE,
      ),
    ).toEqual([
      {
        action: 'states:UpdateStateMachineAlias',
        resource: machine('orders'),
        context: { 'states:StateMachineQualifier': 'live' },
      },
    ]);
  });

  it('also needs PublishStateMachineVersion to publish on update', () => {
    expect(
      authorizationChecks(
        'AWSStepFunctions',
        'UpdateStateMachine',
        { stateMachineArn: machine('orders'), publish: true },
        SCOPE,
      ),
    ).toEqual([
      { action: 'states:UpdateStateMachine', resource: machine('orders') },
      { action: 'states:PublishStateMachineVersion', resource: machine('orders') },
    ]);
  });

  it('authorizes a query of an index on the index', () => {
    expect(
      authorizationChecks(
        'DynamoDB_20120810',
        'Query',
        { TableName: 'Deployments', IndexName: 'owner-index' },
        SCOPE,
      ),
    ).toEqual([
      {
        action: 'dynamodb:Query',
        resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Deployments/index/owner-index`,
      },
    ]);
  });

  it('fails when the local cloud does not know what an operation authorizes on', () => {
    expect(() => authorizationChecks('AWSStepFunctions', 'TagResource', {}, SCOPE)).toThrow(
      /does not know what IAM authorizes for AWSStepFunctions.TagResource; expected one of: AWSStepFunctions.CreateStateMachine, /,
    );
  });

  it('honours a deny on one alias through the qualifier condition key', async () => {
    // https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html (states:StateMachineQualifier)
    const iam = new IdentityPolicies();
    iam.set(SHIFTER_ROLE, [
      targetPolicy('orders', ['states:UpdateStateMachineAlias']),
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: 'states:UpdateStateMachineAlias',
            Resource: machine('orders'),
            Condition: { 'ForAnyValue:StringEquals': { 'states:StateMachineQualifier': ['prod'] } },
          },
        ],
      },
    ]);
    const session = { roleArn: SHIFTER_ROLE, sessionName: 'shift-weight' };
    const checksOn = (alias: string) =>
      authorizationChecks(
        'AWSStepFunctions',
        'UpdateStateMachineAlias',
        { stateMachineAliasArn: `${machine('orders')}:${alias}` },
        SCOPE,
      );

    expect(await iam.authorize(session, checksOn('live'))).toBeUndefined();
    expect((await iam.authorize(session, checksOn('prod')))?.message).toMatch(
      /with an explicit deny in an identity-based policy$/,
    );
  });
});

describe('role policies from the synthesized deployer', () => {
  const scope = { partition: 'aws', region: 'us-east-1', account: ACCOUNT };
  const deployerArn = machine(DEPLOYER_NAME);
  const template = readTemplate(CDK_OUT);
  const policies = rolePoliciesFromTemplate(template, {
    reference: localResolver(template, scope, deployerArn),
    renamedStateMachines: {
      [String(
        Object.values(template.Resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine')!
          .Properties!.StateMachineName,
      )]: DEPLOYER_NAME,
    },
  });
  const roleOf = (prefix: string) =>
    [...policies.keys()].find((arn) => arn.includes(`role/SfnDeployer-${prefix}`))!;
  const statements = (roleArn: string) =>
    policies
      .get(roleArn)!
      .flatMap((document) => document.Statement as { Action: string | string[]; Resource: unknown }[]);

  it('resolves every role of the stack to its local ARN', () => {
    expect(roleOf('DeployerFunctionsshiftweightServiceRole')).toMatch(
      /^arn:aws:iam::123456789012:role\/SfnDeployer-DeployerFunctionsshiftweightServiceRole[0-9A-F]{8}$/,
    );
    expect(roleOf('DeployerStateMachineRole')).toBeDefined();
  });

  it('resolves grants on the lock table and on the deployer’s own executions to the local resources', () => {
    const recovery = statements(roleOf('DeployerFunctionsrecoverdeploymentsServiceRole'));

    expect(recovery).toContainEqual(
      expect.objectContaining({
        Action: 'states:DescribeExecution',
        Resource: `arn:aws:states:us-east-1:${ACCOUNT}:execution:${DEPLOYER_NAME}:*`,
      }),
    );
    expect(recovery).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:Query', 'dynamodb:Scan'],
        Resource: expect.stringMatching(
          new RegExp(
            `^arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/DeployerDeployments[0-9A-F]{8}/index/owner-index$`,
          ),
        ),
      }),
    );
  });

  it('lets the state machine role invoke the deployer Lambdas and start itself, nothing else', async () => {
    const iam = new IdentityPolicies();
    const role = roleOf('DeployerStateMachineRole');
    iam.set(role, policies.get(role)!);
    const session = { roleArn: role, sessionName: 'execution' };
    const invoke = (name: string) => [
      { action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}` },
    ];

    expect(await iam.authorize(session, invoke('sfn-deployer-check-alarms'))).toBeUndefined();
    expect(
      await iam.authorize(session, [{ action: 'states:StartExecution', resource: deployerArn }]),
    ).toBeUndefined();
    expect((await iam.authorize(session, invoke('someone-else')))?.code).toBe('AccessDeniedException');
  });
});
