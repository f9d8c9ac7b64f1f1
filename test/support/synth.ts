/** Synthesizes the deployer stack in-process for tests; bundling is skipped, so this takes a second, not ten. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DeployerStack, type DeployerStackProps } from '../../app/deployer-stack';
import { type AwsScope, type DeployerAssembly, deployerFromTemplate } from '../../local/deployer/assembly';

export const TEST_SCOPE: AwsScope = { partition: 'aws', region: 'us-east-1', account: '123456789012' };

export function synthDeployerStack(props: Partial<DeployerStackProps> = {}): {
  stack: DeployerStack;
  template: Template;
} {
  // Path metadata is what the CLI adds too; the definition reader finds each Lambda's step by it.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } });
  const stack = new DeployerStack(app, 'SfnDeployer', {
    targets: ['orders'],
    env: { account: TEST_SCOPE.account, region: TEST_SCOPE.region },
    ...props,
  });
  return { stack, template: Template.fromStack(stack) };
}

/** The synthesized deployer definition, references resolved, and its Lambdas' ARNs. */
export function synthDeployer(props: Partial<DeployerStackProps> = {}): DeployerAssembly {
  const { template } = synthDeployerStack(props);
  return deployerFromTemplate(template.toJSON() as Parameters<typeof deployerFromTemplate>[0], TEST_SCOPE);
}
