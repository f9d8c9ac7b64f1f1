export * from './state-machine-deployer';
export * from './deployer-stack';
export { DEPLOYER_FUNCTIONS, type DeployerFunctionName } from './deployer-functions';
