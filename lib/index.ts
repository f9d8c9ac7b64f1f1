export * from './state-machine-deployer';
export * from './deployment-dashboard';
export * from './deployer-stack';
export { DEPLOYER_FUNCTIONS, type DeployerFunctionName } from './deployer-functions';
export * from './deploy-on-publish';
export * from './pipeline-action';
export * from './example-pipeline-stack';
