/**
 * Deploy on publish on the local cloud: the synthesized stack's EventBridge
 * rules, their references resolved to the local deployer, loaded into the
 * cloud's default bus. Publishing a target version then emits the CloudTrail
 * event AWS would, and the rules start a deployment from it.
 */
import type { LocalCloud } from '..';
import type { ReferenceResolver, TemplateRule } from '../eventbridge/rules';
import { rulesFromTemplate } from '../eventbridge/rules';
import { asyncInvokeConfigsFromTemplate } from '../lambda/async-invocations';
import { type AwsScope, DEPLOYER_STACK, deployerFromTemplate, readTemplate } from './assembly';

type Template = ReturnType<typeof readTemplate>;

/**
 * A stable local ARN for a role of the stack: the stack name and the role's
 * logical id, as CloudFormation names roles (less its random suffix). The
 * rules' `sessionIssuer.arn` and the identity a local Lambda calls with both
 * come from here, so they agree.
 */
export function localRoleArn(scope: AwsScope, roleLogicalId: string): string {
  return `arn:${scope.partition}:iam::${scope.account}:role/${`${DEPLOYER_STACK}-${roleLogicalId}`.slice(0, 64)}`;
}

/** The local ARN of a Lambda's execution role (its `Role: {Fn::GetAtt: [<role>, Arn]}`). */
export function functionRoleArn(
  template: Template,
  functionLogicalId: string,
  scope: AwsScope,
): string | undefined {
  const role = template.Resources[functionLogicalId]?.Properties?.Role as
    { 'Fn::GetAtt'?: [string, string] } | undefined;
  const roleLogicalId = role?.['Fn::GetAtt']?.[0];
  return roleLogicalId === undefined ? undefined : localRoleArn(scope, roleLogicalId);
}

/** Resolves the stack's references (in rules and policies): pseudo parameters, the deployer state machine, its Lambdas, the stack's roles, queues, tables and log groups. */
export function localResolver(template: Template, scope: AwsScope, deployerArn: string): ReferenceResolver {
  const functionArns = new Map(
    deployerFromTemplate(template, scope).functions.map((fn) => [fn.logicalId, fn.functionArn]),
  );
  const pseudo: Record<string, string> = {
    'AWS::Partition': scope.partition,
    'AWS::Region': scope.region,
    'AWS::AccountId': scope.account,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  return (id, attribute) => {
    if (attribute === undefined && id in pseudo) return pseudo[id]!;
    const type = template.Resources[id]?.Type;
    // A state machine's Ref is its ARN; the local cloud has the one deployer.
    if (type === 'AWS::StepFunctions::StateMachine' && (attribute === undefined || attribute === 'Arn'))
      return deployerArn;
    if (type === 'AWS::IAM::Role' && attribute === 'Arn') return localRoleArn(scope, id);
    if (type === 'AWS::Lambda::Function' && attribute === 'Arn' && functionArns.has(id))
      return functionArns.get(id)!;
    // A function's Ref is its name.
    if (type === 'AWS::Lambda::Function' && attribute === undefined && functionArns.has(id))
      return functionArns.get(id)!.split(':')[6]!;
    // A rule's dead-letter queue, a table, a log group: named locally by their logical id.
    if (type === 'AWS::SQS::Queue' && attribute === 'Arn')
      return `arn:${scope.partition}:sqs:${scope.region}:${scope.account}:${id}`;
    if (type === 'AWS::DynamoDB::Table' && attribute === 'Arn')
      return `arn:${scope.partition}:dynamodb:${scope.region}:${scope.account}:table/${id}`;
    if (type === 'AWS::Logs::LogGroup' && attribute === 'Arn')
      return `arn:${scope.partition}:logs:${scope.region}:${scope.account}:log-group:${id}:*`;
    throw new Error(
      `The local cloud cannot resolve ${id}${attribute ? `.${attribute}` : ''} (${type ?? 'not in the template'}) in the stack`,
    );
  };
}

/**
 * Loads every rule of the synthesized stack in `cdkOut` into the cloud's
 * default bus (the recovery rule on the deployer's own status changes, and
 * the deploy-on-publish rules if the stack has them); returns them.
 */
export function installRules(cloud: LocalCloud, cdkOut: string, deployerArn: string): TemplateRule[] {
  const template = readTemplate(cdkOut);
  const scope = { partition: deployerArn.split(':')[1]!, region: cloud.region, account: cloud.accountId };
  const rules = rulesFromTemplate(
    template as Parameters<typeof rulesFromTemplate>[0],
    localResolver(template, scope, deployerArn),
  );
  cloud.events.putRules(rules);
  // The asynchronous invocation configs of the rules' Lambda targets: retries and on-failure destination.
  for (const { functionName, config } of asyncInvokeConfigsFromTemplate(
    template,
    localResolver(template, scope, deployerArn),
  )) {
    cloud.configureAsyncInvoke(functionName, config);
  }
  return rules;
}

/** Loads the stack's rules (see {@link installRules}), which must include one that starts the deployer on publish. */
export function installTriggers(cloud: LocalCloud, cdkOut: string, deployerArn: string): TemplateRule[] {
  const rules = installRules(cloud, cdkOut, deployerArn);
  if (!rules.some((rule) => rule.targets.some((target) => target.Arn === deployerArn))) {
    throw new Error(
      `The deployer in ${cdkOut} has no rule that starts it: synthesize it with -c deployOnPublish=true`,
    );
  }
  return rules;
}
