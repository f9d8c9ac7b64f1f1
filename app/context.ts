import type { Node } from 'constructs';
import type { RequestStep, StrategyName } from '../lambda/shared/plan';
import type { DeploymentStrategy } from '../lib';
import type { DeployerStackProps } from './deployer-stack';

/**
 * Reads the deployer's settings from CDK context (`cdk.json` or `-c key=value`):
 * `targets` (comma-separated names or ARNs), `defaultStrategy`,
 * `defaultIncrement`, `defaultIntervalSeconds`, `defaultAlarmPollingSeconds`, and
 * `dashboard` (true for a CloudWatch dashboard).
 */
export function readDeployerContext(node: Node): Omit<DeployerStackProps, 'env'> {
  const raw = node.tryGetContext('targets') as string | string[] | undefined;
  const targets = (Array.isArray(raw) ? raw : String(raw ?? '').split(','))
    .map((target) => target.trim())
    .filter((target) => target.length > 0);
  if (targets.length === 0) {
    throw new Error(
      'Context "targets" must name the state machines to deploy, e.g. -c targets=orders,payments; got: nothing',
    );
  }
  return {
    targets,
    // The construct checks the name, with the list of those it takes.
    defaultStrategy: node.tryGetContext('defaultStrategy') as DeploymentStrategy | undefined,
    defaultIncrement: numberContext(node, 'defaultIncrement'),
    defaultIntervalSeconds: numberContext(node, 'defaultIntervalSeconds'),
    defaultAlarmPollingSeconds: numberContext(node, 'defaultAlarmPollingSeconds'),
    // Unset stays unset, like the defaults above: the construct decides.
    dashboard: flagContext(node, 'dashboard') || undefined,
  };
}

function numberContext(node: Node, key: string): number | undefined {
  const value = node.tryGetContext(key) as string | number | undefined;
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed))
    throw new Error(`Context "${key}" must be a number, got: ${JSON.stringify(value)}`);
  return parsed;
}

/** A target's deploy-on-publish settings in context, fields named as in the deploy request. */
export interface DeployOnPublishDefaults {
  alias: string;
  strategy?: StrategyName;
  steps?: RequestStep[];
  increment?: number;
  intervalSeconds?: number;
  alarms?: string[];
  alarmPollingSeconds?: number;
  historyMax?: number;
}

const DEFAULTS_FIELDS = [
  'alias',
  'strategy',
  'steps',
  'increment',
  'intervalSeconds',
  'alarms',
  'alarmPollingSeconds',
  'historyMax',
];

/** Which optional parts of the app to build, from `-c deployOnPublish=true` and `-c examplePipeline=true`. */
export interface TriggerContext {
  /** Targets (as named in `targets`) to deploy on publish, with their request settings; empty when off. */
  deployOnPublish: Record<string, DeployOnPublishDefaults>;
  examplePipeline: boolean;
}

/**
 * Reads the trigger settings. With `deployOnPublish=true`, `deployOnPublishDefaults`
 * (an object in `cdk.json`, or JSON with `-c`) maps each target to deploy on
 * publish to its settings, e.g. `{"orders": {"alias": "live", "strategy": "canary"}}`.
 */
export function readTriggerContext(node: Node, targets: string[]): TriggerContext {
  const examplePipeline = flagContext(node, 'examplePipeline');
  if (!flagContext(node, 'deployOnPublish')) return { deployOnPublish: {}, examplePipeline };
  const raw = objectContext(node, 'deployOnPublishDefaults');
  const entries = Object.entries(raw);
  if (entries.length === 0) {
    throw new Error(
      'Context "deployOnPublishDefaults" must give each target to deploy on publish its alias, ' +
        'e.g. {"orders": {"alias": "live"}}, when deployOnPublish=true; got: nothing',
    );
  }
  const deployOnPublish: Record<string, DeployOnPublishDefaults> = {};
  for (const [target, settings] of entries) {
    if (!targets.includes(target)) {
      throw new Error(
        `Context "deployOnPublishDefaults" names ${JSON.stringify(target)}, which is not one of the targets (${targets.join(', ')})`,
      );
    }
    deployOnPublish[target] = parseDefaults(`deployOnPublishDefaults.${target}`, settings);
  }
  return { deployOnPublish, examplePipeline };
}

function parseDefaults(key: string, value: unknown): DeployOnPublishDefaults {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(
      `Context "${key}" must be an object such as {"alias": "live"}, got: ${JSON.stringify(value)}`,
    );
  }
  const settings = value as Record<string, unknown>;
  const unknown = Object.keys(settings).filter((field) => !DEFAULTS_FIELDS.includes(field));
  if (unknown.length > 0) {
    throw new Error(
      `Context "${key}" has unknown fields ${unknown.join(', ')}: expected only ${DEFAULTS_FIELDS.join(', ')}`,
    );
  }
  const check = (field: string, ok: boolean, what: string) => {
    if (!ok)
      throw new Error(`Context "${key}.${field}" must be ${what}, got: ${JSON.stringify(settings[field])}`);
  };
  const optional = (field: string, test: (v: unknown) => boolean) =>
    settings[field] === undefined || test(settings[field]);
  const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  check('alias', typeof settings.alias === 'string' && settings.alias.length > 0, 'the alias to shift');
  check(
    'strategy',
    optional('strategy', (v) => typeof v === 'string'),
    'a strategy name',
  );
  for (const field of ['increment', 'intervalSeconds', 'alarmPollingSeconds', 'historyMax']) {
    check(field, optional(field, isNumber), 'a number');
  }
  check(
    'steps',
    optional('steps', (v) => Array.isArray(v)),
    'a list of steps',
  );
  check(
    'alarms',
    optional('alarms', (v) => Array.isArray(v) && v.every((name) => typeof name === 'string')),
    'a list of alarm names',
  );
  // Ranges, the steps and the strategy's name are checked by the deploy request schema when the rule is built.
  return settings as unknown as DeployOnPublishDefaults;
}

function flagContext(node: Node, key: string): boolean {
  const value = node.tryGetContext(key) as unknown;
  if (value === undefined || value === false || value === 'false' || value === '') return false;
  if (value === true || value === 'true') return true;
  throw new Error(`Context "${key}" must be true or false, got: ${JSON.stringify(value)}`);
}

function objectContext(node: Node, key: string): Record<string, unknown> {
  let value = node.tryGetContext(key) as unknown;
  if (value === undefined) return {};
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new Error(`Context "${key}" must be a JSON object, got: ${value}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`Context "${key}" must be an object, got: ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}
