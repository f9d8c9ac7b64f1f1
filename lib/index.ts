/**
 * sfn-deployer: a Step Functions state machine that deploys other state
 * machines (canary, linear or all-at-once alias shifting, rolled back on an
 * alarm or a failing new version), and the ways to start it.
 */
export { StateMachineDeployer } from './state-machine-deployer';
export type {
  DeployerFunctionSet,
  DeploymentAnalysis,
  StateMachineDeployerProps,
} from './state-machine-deployer';
export {
  DeploymentStep,
  DeploymentStrategy,
  InsufficientTrafficAction,
  PauseTimeoutAction,
  TrafficTestHook,
} from './deployment-options';
export type { PauseOptions } from './deployment-options';
export { DeploymentDashboard } from './deployment-dashboard';
export type { DeploymentDashboardProps } from './deployment-dashboard';
export { DeployOnPublish } from './deploy-on-publish';
export type { DeployOnPublishProps, DeployOnPublishTarget } from './deploy-on-publish';
export { StateMachineDeployAction } from './pipeline-action';
export type { StateMachineDeployActionProps } from './pipeline-action';
