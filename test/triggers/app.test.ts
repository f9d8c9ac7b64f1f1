import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../app/app';
import { isPublishPattern, newApp, rendered } from './support';

const app = (context: Record<string, unknown>) =>
  buildApp(newApp({ targets: 'orders,payments', ...context }));

describe('the CDK app', () => {
  it('builds only the deployer by default', () => {
    const built = app({});
    expect(built.deployOnPublish).toBeUndefined();
    expect(built.pipelineStack).toBeUndefined();
    // Only the deployer's own rules: recovery, its sweep, and wake-ups on alarms and failed executions.
    Template.fromStack(built.deployerStack).resourceCountIs('AWS::Events::Rule', 4);
  });

  it('adds deploy-on-publish rules for the targets given settings, with -c deployOnPublish=true', () => {
    const built = app({
      deployOnPublish: 'true',
      deployOnPublishDefaults: JSON.stringify({
        payments: { alias: 'prod', strategy: 'linear', increment: 25, intervalSeconds: 60 },
      }),
    });
    const rules = Object.values(
      Template.fromStack(built.deployerStack).findResources('AWS::Events::Rule'),
    ).filter((rule) => isPublishPattern(rule.Properties.EventPattern as { 'detail-type'?: unknown }));
    expect(rules).toHaveLength(2);
    const inputTemplate = rendered<string>(rules[0]!.Properties.Targets[0].InputTransformer.InputTemplate);
    expect(JSON.parse(inputTemplate.replace(/<[^>]+>/, 'null'))).toMatchObject({
      alias: 'prod',
      strategy: 'linear',
      increment: 25,
      intervalSeconds: 60,
      stateMachine: expect.stringMatching(/:stateMachine:payments$/),
    });
  });

  it('reads deployOnPublishDefaults as an object from cdk.json', () => {
    const built = app({ deployOnPublish: true, deployOnPublishDefaults: { orders: { alias: 'live' } } });
    expect(built.deployOnPublish!.rules).toHaveLength(2);
  });

  it('adds the example pipeline stack with -c examplePipeline=true', () => {
    const built = app({ examplePipeline: 'true' });
    const template = Template.fromStack(built.pipelineStack!);
    const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
    const deploy = pipeline!.Properties.Stages[1].Actions[0];
    expect(deploy.Configuration).toMatchObject({
      InputType: 'FilePath',
      Input: 'request.json',
      ExecutionNamePrefix: 'pipeline',
    });
    expect(deploy.Configuration.StateMachineArn).toEqual({
      'Fn::ImportValue': expect.stringContaining('SfnDeployer:'),
    });
  });

  it.each([
    [
      { deployOnPublish: 'true' },
      'Context "deployOnPublishDefaults" must give each target to deploy on publish its alias',
    ],
    [
      { deployOnPublish: 'true', deployOnPublishDefaults: '{"billing":{"alias":"live"}}' },
      'names "billing", which is not one of the targets (orders, payments)',
    ],
    [
      { deployOnPublish: 'true', deployOnPublishDefaults: '{"orders":{"strategy":"canary"}}' },
      'Context "deployOnPublishDefaults.orders.alias" must be the alias to shift, got: undefined',
    ],
    [
      { deployOnPublish: 'true', deployOnPublishDefaults: '{"orders":{"alias":"live","interval":60}}' },
      'has unknown fields interval',
    ],
    [
      { deployOnPublish: 'true', deployOnPublishDefaults: '{"orders":{"alias":"live","increment":"ten"}}' },
      '"deployOnPublishDefaults.orders.increment" must be a number, got: "ten"',
    ],
    [
      { deployOnPublish: 'true', deployOnPublishDefaults: '{orders}' },
      'Context "deployOnPublishDefaults" must be a JSON object, got: {orders}',
    ],
    [{ deployOnPublish: 'yes' }, 'Context "deployOnPublish" must be true or false, got: "yes"'],
    [
      { deployOnPublish: 'true', deployOnPublishDefaults: '{"orders":{"alias":"live","strategy":"fast"}}' },
      `strategy must be one of canary, linear, allAtOnce or CodeDeploy's Canary10Percent5Minutes, Canary10Percent10Minutes, Canary10Percent15Minutes, Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes, Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes, AllAtOnce (also written CodeDeployDefault.Lambda<name>), got: "fast"`,
    ],
  ])('fails with a clear error for context %j', (context, message) => {
    expect(() => app(context)).toThrow(message);
  });
});
