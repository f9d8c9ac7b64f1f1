import { Duration, type App } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { readDeployerContext, readTriggerContext, type DeployOnPublishDefaults } from './context';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { DeployOnPublish, type DeployOnPublishTarget, DeploymentStep, type DeploymentStrategy } from '../lib';
import { DeployerStack } from './deployer-stack';
import { ExamplePipelineStack } from './example-pipeline-stack';

export interface SfnDeployerApp {
  readonly deployerStack: DeployerStack;
  readonly deployOnPublish?: DeployOnPublish;
  readonly pipelineStack?: ExamplePipelineStack;
}

/**
 * Builds the app from context: the deployer stack, its deploy-on-publish rules
 * with `-c deployOnPublish=true`, and an example pipeline stack with
 * `-c examplePipeline=true`.
 */
export function buildApp(app: App): SfnDeployerApp {
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const deployerContext = readDeployerContext(app.node);
  const triggers = readTriggerContext(app.node, deployerContext.targets);
  const deployerStack = new DeployerStack(app, 'SfnDeployer', { ...deployerContext, env });
  const deployer = deployerStack.deployer;

  let deployOnPublish: DeployOnPublish | undefined;
  const onPublish = Object.entries(triggers.deployOnPublish);
  if (onPublish.length > 0) {
    deployOnPublish = new DeployOnPublish(deployerStack, 'DeployOnPublish', {
      deployer,
      targets: onPublish.map(([target, defaults]) => publishTarget(deployerStack, target, defaults)),
    });
  }
  const pipelineStack = triggers.examplePipeline
    ? new ExamplePipelineStack(app, 'SfnDeployerExamplePipeline', { deployer, env })
    : undefined;
  return { deployerStack, deployOnPublish, pipelineStack };
}

function publishTarget(
  stack: DeployerStack,
  target: string,
  defaults: DeployOnPublishDefaults,
): DeployOnPublishTarget {
  // Named after the state machine, so each target's rules have a stable, readable path.
  const name = target.split(':').pop()!;
  const stateMachine = target.startsWith('arn:')
    ? sfn.StateMachine.fromStateMachineArn(stack, name, target)
    : sfn.StateMachine.fromStateMachineName(stack, name, target);
  const seconds = (value: number | undefined) => (value === undefined ? undefined : Duration.seconds(value));
  return {
    stateMachine,
    alias: defaults.alias,
    strategy: defaults.strategy as DeploymentStrategy | undefined,
    steps: defaults.steps?.map((step) => DeploymentStep.fromJson(step)),
    increment: defaults.increment,
    interval: seconds(defaults.intervalSeconds),
    alarms: defaults.alarms?.map((alarm, index) =>
      cloudwatch.Alarm.fromAlarmName(stack, `${name}Alarm${index}`, alarm),
    ),
    alarmPolling: seconds(defaults.alarmPollingSeconds),
    historyMax: defaults.historyMax,
  };
}
