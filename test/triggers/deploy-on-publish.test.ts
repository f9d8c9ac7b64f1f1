import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DeployerStack } from '../../app/deployer-stack';
import {
  DeployOnPublish,
  type DeployOnPublishTarget,
  DeploymentStep,
  DeploymentStrategy,
  PauseTimeoutAction,
  StateMachineDeployer,
} from '../../lib';
import {
  ACCOUNT,
  isPublishPattern,
  newApp,
  ORDERS_ARN,
  REGION,
  rendered,
  synthDeployOnPublish,
} from './support';

interface RenderedRule {
  EventPattern: { source: string[]; 'detail-type': string[]; detail: Record<string, unknown> };
  EventBusName?: string;
  Targets: {
    Arn: string;
    RoleArn: string;
    InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string };
  }[];
}

const { stack, trigger, template } = synthDeployOnPublish();
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
const publisherRoleArn = `\${${logicalId(stack.deployer.functions.publishVersion.role!)}.Arn}`;
const deployerArn = `\${${logicalId(stack.deployer.stateMachine)}}`;
const rules = (of: Template = template) =>
  Object.values(of.findResources('AWS::Events::Rule'))
    .map((rule) => rendered<RenderedRule>(rule.Properties))
    .filter((rule) => isPublishPattern(rule.EventPattern as { 'detail-type'?: unknown }));
const ruleFor = (eventName: string) =>
  rules().find((rule) => (rule.EventPattern.detail.eventName as string[])[0] === eventName)!;
/** The deploy request a rule sends, with the version placeholder filled in. */
const requestSent = (rule: RenderedRule) =>
  JSON.parse(
    rule.Targets[0]!.InputTransformer.InputTemplate.replace(
      '<detail-responseElements-stateMachineVersionArn>',
      '"VERSION"',
    ),
  );

describe('DeployOnPublish', () => {
  it('adds one rule per publishing API call for each target, on the default bus', () => {
    expect(trigger.rules).toHaveLength(2);
    expect(rules().map((rule) => rule.EventBusName)).toEqual([undefined, undefined]);
  });

  it('matches PublishStateMachineVersion of the target through CloudTrail', () => {
    expect(ruleFor('PublishStateMachineVersion').EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['states.amazonaws.com'],
        eventName: ['PublishStateMachineVersion'],
        requestParameters: { stateMachineArn: [ORDERS_ARN] },
        errorCode: [{ exists: false }],
        $or: [
          {
            userIdentity: {
              sessionContext: { sessionIssuer: { arn: [{ 'anything-but': publisherRoleArn }] } },
            },
          },
          { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } } },
        ],
      },
    });
  });

  it('matches UpdateStateMachine of the target only when it publishes', () => {
    expect(ruleFor('UpdateStateMachine').EventPattern.detail).toMatchObject({
      eventSource: ['states.amazonaws.com'],
      requestParameters: { stateMachineArn: [ORDERS_ARN], publish: [true] },
      errorCode: [{ exists: false }],
    });
  });

  it("ignores calls made from the deployer's publish-version role, so its own publishes start nothing", () => {
    for (const rule of rules()) {
      expect(rule.EventPattern.detail.$or).toContainEqual({
        userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': publisherRoleArn }] } } },
      });
    }
  });

  it('starts the deployer with the target defaults and the published version', () => {
    for (const rule of rules()) {
      const [target] = rule.Targets;
      expect(target!.Arn).toBe(deployerArn);
      expect(target!.InputTransformer.InputPathsMap).toEqual({
        'detail-responseElements-stateMachineVersionArn': '$.detail.responseElements.stateMachineVersionArn',
      });
      expect(requestSent(rule)).toEqual({
        stateMachine: ORDERS_ARN,
        alias: 'live',
        strategy: 'canary',
        increment: 10,
        intervalSeconds: 300,
        alarms: ['orders-failures'],
        historyMax: 5,
        version: 'VERSION',
      });
    }
  });

  it('lets EventBridge start only the deployer', () => {
    const roleId = logicalId(trigger.role);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'events.amazonaws.com' } }),
        ],
      },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      policy.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId),
    );
    expect(policies.map((policy) => rendered(policy.Properties.PolicyDocument.Statement))).toEqual([
      [{ Action: 'states:StartExecution', Effect: 'Allow', Resource: deployerArn }],
    ]);
    expect(rules().map((rule) => rule.Targets[0]!.RoleArn)).toEqual([
      `\${${roleId}.Arn}`,
      `\${${roleId}.Arn}`,
    ]);
  });

  it('leaves out what the target does not set, so the deployer defaults apply', () => {
    const { template } = synthPayments({ alias: 'live' });
    expect(requestSent(rules(template)[0]!)).toEqual({
      alias: 'live',
      stateMachine: PAYMENTS_ARN,
      version: 'VERSION',
    });
  });

  it('sends custom steps and named configurations as the deploy request has them', () => {
    const custom = synthPayments({
      alias: 'live',
      steps: [
        DeploymentStep.shift(10, Duration.minutes(5)),
        DeploymentStep.pause(),
        DeploymentStep.pause({ timeout: Duration.hours(2), onTimeout: PauseTimeoutAction.CONTINUE }),
      ],
    });
    const named = synthPayments({
      alias: 'live',
      strategy: DeploymentStrategy.LINEAR_10_PERCENT_EVERY_3_MINUTES,
    });

    expect(requestSent(rules(custom.template)[0]!)).toMatchObject({
      steps: [
        { weight: 10, holdSeconds: 300 },
        { pause: true },
        { pause: true, timeoutSeconds: 7200, onTimeout: 'continue' },
      ],
    });
    expect(requestSent(rules(named.template)[0]!)).toMatchObject({
      strategy: 'Linear10PercentEvery3Minutes',
    });
  });

  it('sends the names of alarm constructs', () => {
    const { stack, template } = synthPayments({ alias: 'live' }, (stack) => [
      cloudwatch.Alarm.fromAlarmName(stack, 'ByName', 'by-name'),
      new cloudwatch.Alarm(stack, 'Failures', {
        metric: new cloudwatch.Metric({ namespace: 'AWS/States', metricName: 'ExecutionsFailed' }),
        threshold: 1,
        evaluationPeriods: 1,
      }),
    ]);
    const alarmId = stack.getLogicalId(stack.node.findChild('Failures').node.defaultChild as never);
    expect(requestSent(rules(template)[0]!).alarms).toEqual(['by-name', `\${${alarmId}}`]);
  });

  it('grants the deployer its permissions on a target it was not built for', () => {
    const { stack, template } = synthPayments({ alias: 'live' });
    const publisherId = stack.getLogicalId(
      stack.deployer.functions.publishVersion.role!.node.defaultChild as never,
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: publisherId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['states:PublishStateMachineVersion']),
            Resource: [PAYMENTS_ARN, `${PAYMENTS_ARN}:*`],
          }),
        ]),
      },
    });
  });

  it('keeps the triggers of two deployers in one stack apart', () => {
    const stack = new Stack(newApp(), 'Two', { env: { account: ACCOUNT, region: REGION } });
    for (const name of ['Blue', 'Green']) {
      const target = sfn.StateMachine.fromStateMachineName(stack, `${name}Target`, name.toLowerCase());
      const deployer = new StateMachineDeployer(stack, `${name}Deployer`, { targets: [target] });
      new DeployOnPublish(stack, `${name}OnPublish`, {
        deployer,
        targets: [{ stateMachine: target, alias: 'live' }],
      });
    }
    // Two publish rules per deployer, and each deployer's own recovery, stale-lock sweep and wake-up rules.
    Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 12);
  });

  it('fails when a target default is not valid in a deploy request', () => {
    expect(() => synthPayments({ alias: 'live', increment: 0 })).toThrow(
      'DeployOnPublish target Payments/payments: Invalid deploy request: increment must be an integer between 1 and 100, got: 0',
    );
    expect(() => synthPayments({ alias: 'live', historyMax: 1 })).toThrow(
      /historyMax must be 0 \(never prune\) or at least 2/,
    );
    expect(() => synthPayments({ alias: '' })).toThrow(/alias must be 1-80 letters/);
    expect(() =>
      synthPayments({ alias: 'live', steps: [DeploymentStep.shift(10, Duration.seconds(0))], increment: 5 }),
    ).toThrow(/steps cannot be combined with increment/);
  });
});

const PAYMENTS_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:payments`;

/** A deployer stack built for `orders` whose trigger deploys `payments`. */
function synthPayments(
  settings: Omit<DeployOnPublishTarget, 'stateMachine'>,
  alarms?: (stack: Stack) => DeployOnPublishTarget['alarms'],
): { stack: DeployerStack; template: Template } {
  const stack = new DeployerStack(newApp(), 'Payments', {
    targets: ['orders'],
    env: { account: ACCOUNT, region: REGION },
  });
  const stateMachine = sfn.StateMachine.fromStateMachineArn(stack, 'payments', PAYMENTS_ARN);
  new DeployOnPublish(stack, 'OnPublish', {
    deployer: stack.deployer,
    targets: [{ stateMachine, ...settings, ...(alarms && { alarms: alarms(stack) }) }],
  });
  return { stack, template: Template.fromStack(stack) };
}
