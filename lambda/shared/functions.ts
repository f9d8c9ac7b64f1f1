/**
 * The Lambdas of a deployer, one folder each under `lambda/`: five steps of the loop, recovery
 * (on status-change events and a schedule), the operators' signals, the wake-ups and the traffic
 * tests. No imports: the construct and the local cloud both read it.
 */
export const DEPLOYER_FUNCTIONS = [
  'publish-version',
  'shift-weight',
  'check-alarms',
  'rollback',
  'prune-versions',
  'recover-deployments',
  'signal-deployment',
  'wake-on-alarm',
  'wake-on-failure',
  'traffic-tests',
] as const;
export type DeployerFunctionName = (typeof DEPLOYER_FUNCTIONS)[number];
