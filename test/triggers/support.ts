/** Shared by the trigger tests: a synthesized deployer with deploy-on-publish, its rules resolved, the fixtures. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DeployerStack } from '../../app/deployer-stack';
import { DeployOnPublish, DeploymentStrategy } from '../../lib';
import { resolveIntrinsics, rulesFromTemplate, type TemplateRule } from '../../local/eventbridge/rules';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const ORDERS_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:orders`;
/** The physical name CloudFormation gave the publish-version Lambda's role in the fixtures. */
export const PUBLISHER_ROLE_NAME = 'SfnDeployer-DeployerFunctionspublishversio-7QX1J2K9LM3N';
export const DEPLOYER_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:SfnDeployer`;

export function newApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
}

/** The deployer stack for `orders`, with deploy-on-publish as the README shows it. */
export function synthDeployOnPublish(): {
  stack: DeployerStack;
  trigger: DeployOnPublish;
  template: Template;
} {
  const stack = new DeployerStack(newApp(), 'SfnDeployer', {
    targets: ['orders'],
    env: { account: ACCOUNT, region: REGION },
  });
  const trigger = new DeployOnPublish(stack, 'DeployOnPublish', {
    deployer: stack.deployer,
    targets: [
      {
        stateMachine: sfn.StateMachine.fromStateMachineName(stack, 'Orders', 'orders'),
        alias: 'live',
        strategy: DeploymentStrategy.CANARY,
        increment: 10,
        interval: Duration.minutes(5),
        alarms: [cloudwatch.Alarm.fromAlarmName(stack, 'OrdersFailures', 'orders-failures')],
        historyMax: 5,
      },
    ],
  });
  return { stack, trigger, template: Template.fromStack(stack) };
}

/** Whether a rendered or resolved event pattern is a deploy-on-publish rule (not the deployer's own recovery rule). */
export function isPublishPattern(pattern: { 'detail-type'?: unknown } | undefined): boolean {
  return JSON.stringify(pattern?.['detail-type']) === JSON.stringify(['AWS API Call via CloudTrail']);
}

/** The template's deploy-on-publish rules with references resolved as CloudFormation would in the fixtures' account. */
export function resolvedRules(stack: Stack, template: Template, publisherRole: iam.IRole): TemplateRule[] {
  const publisherLogicalId = stack.getLogicalId(publisherRole.node.defaultChild as never);
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
  };
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  return rulesFromTemplate(template.toJSON() as never, (id, attribute) => {
    if (id in pseudo) return pseudo[id]!;
    const type = resources[id]?.Type;
    if (type === 'AWS::StepFunctions::StateMachine' && attribute === undefined) return DEPLOYER_ARN;
    if (type === 'AWS::IAM::Role' && attribute === 'Arn') {
      return `arn:aws:iam::${ACCOUNT}:role/${id === publisherLogicalId ? PUBLISHER_ROLE_NAME : `SfnDeployer-${id}`}`;
    }
    if (type === 'AWS::Lambda::Function' && attribute === 'Arn')
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
    if (type === 'AWS::SQS::Queue' && attribute === 'Arn') return `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
    throw new Error(`No value for ${id}${attribute ? `.${attribute}` : ''} in the test account`);
  }).filter((rule) => isPublishPattern(rule.eventPattern as { 'detail-type'?: unknown }));
}

export const FIXTURES_DIR = path.join(__dirname, 'fixtures');

export function loadFixtures(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    fs
      .readdirSync(FIXTURES_DIR)
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => [
        path.basename(file, '.json'),
        JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, file), 'utf8')),
      ]),
  );
}

/** A template's value with pseudo parameters filled in and other references written `${Id}` or `${Id.Attribute}`, for readable assertions. */
export function rendered<T = unknown>(value: unknown, known: Record<string, string> = {}): T {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
    ...known,
  };
  return resolveIntrinsics(
    value,
    (id, attribute) => pseudo[id] ?? `\${${id}${attribute ? `.${attribute}` : ''}}`,
  ) as T;
}
