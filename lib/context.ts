import type { Node } from 'constructs';
import type { Strategy } from '../lambda/shared/plan';
import type { DeployerStackProps } from './deployer-stack';

/**
 * Reads the deployer's settings from CDK context (`cdk.json` or `-c key=value`):
 * `targets` (comma-separated names or ARNs), `defaultStrategy`,
 * `defaultIncrement`, `defaultIntervalSeconds`, `defaultAlarmPollingSeconds`.
 */
export function readDeployerContext(node: Node): Omit<DeployerStackProps, 'env'> {
  const raw = node.tryGetContext('targets') as string | string[] | undefined;
  const targets = (Array.isArray(raw) ? raw : String(raw ?? '').split(','))
    .map((target) => target.trim())
    .filter((target) => target.length > 0);
  if (targets.length === 0) {
    throw new Error('Context "targets" must name the state machines to deploy, e.g. -c targets=orders,payments; got: nothing');
  }
  return {
    targets,
    defaultStrategy: node.tryGetContext('defaultStrategy') as Strategy | undefined,
    defaultIncrement: numberContext(node, 'defaultIncrement'),
    defaultIntervalSeconds: numberContext(node, 'defaultIntervalSeconds'),
    defaultAlarmPollingSeconds: numberContext(node, 'defaultAlarmPollingSeconds'),
  };
}

function numberContext(node: Node, key: string): number | undefined {
  const value = node.tryGetContext(key) as string | number | undefined;
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`Context "${key}" must be a number, got: ${JSON.stringify(value)}`);
  return parsed;
}
