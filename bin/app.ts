#!/usr/bin/env node
/**
 * The CDK app. Targets come from context, so no code changes are needed:
 *   npx cdk deploy -c targets=orders,payments
 */
import { App } from 'aws-cdk-lib';
import { DeployerStack } from '../lib';
import { readDeployerContext } from '../lib/context';

const app = new App();
new DeployerStack(app, 'SfnDeployer', {
  ...readDeployerContext(app.node),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
