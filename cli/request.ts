/**
 * From command-line flags to a deploy request. The flags are `sfndeploy.py`'s;
 * the validation is the deployer's own schema, so the command line rejects
 * exactly what the deployer would, with the same messages.
 */
import { type DeployRequest, parseDeployRequest } from '../lambda/shared/request';
import { STRATEGIES } from '../lambda/shared/plan';
import { UsageError } from './errors';

/** The request flags as commander parses them (camel-cased, strings until validated). */
export interface RequestFlags {
  request?: string;
  stateMachine?: string;
  alias?: string;
  strategy?: string;
  /** Custom steps, a JSON list. */
  steps?: string;
  increment?: string;
  interval?: string;
  alarms?: string[];
  alarmPolling?: string;
  file?: string;
  publishRevision?: boolean;
  version?: string;
  historyMax?: string;
  force?: boolean;
  ignoreAlarmsAlreadyFiring?: boolean;
  failOnInsufficientData?: boolean;
}

export type ReadFile = (path: string) => string;

/**
 * The request as given: the `--request` file's fields, overridden by the
 * flags that were set. Defaults are not filled in, so a deployer configured
 * with its own defaults applies them to what the user left out.
 */
export function requestFromFlags(flags: RequestFlags, readFile: ReadFile): Record<string, unknown> {
  const base = flags.request === undefined ? {} : readJson(flags.request, readFile, '--request');
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new UsageError(
      `--request ${flags.request} must hold a JSON object (a deploy request), got: ${JSON.stringify(base)}`,
    );
  }
  const fromFlags: Record<string, unknown> = {
    stateMachine: flags.stateMachine,
    alias: flags.alias,
    strategy: flags.strategy === undefined ? undefined : strategyName(flags.strategy),
    increment: number(flags.increment),
    intervalSeconds: number(flags.interval),
    steps: flags.steps === undefined ? undefined : jsonFlag(flags.steps, '--steps'),
    alarms: flags.alarms,
    alarmPollingSeconds: number(flags.alarmPolling),
    definition: flags.file === undefined ? undefined : readJson(flags.file, readFile, '--file'),
    publishRevision: flags.publishRevision,
    version: flags.version,
    historyMax: number(flags.historyMax),
    force: flags.force,
    ignoreAlarmsAlreadyFiring: flags.ignoreAlarmsAlreadyFiring,
    failOnInsufficientData: flags.failOnInsufficientData,
  };
  const given = Object.entries(fromFlags).filter(([, value]) => value !== undefined);
  return { ...(base as Record<string, unknown>), ...Object.fromEntries(given) };
}

/** The request built from flags and validated; throws `InvalidDeployRequest` with the schema's messages. */
export function buildDeployRequest(
  flags: RequestFlags,
  readFile: ReadFile,
): { input: Record<string, unknown>; request: DeployRequest } {
  const input = requestFromFlags(flags, readFile);
  return { input, request: parseDeployRequest(input) };
}

/**
 * `allatonce` (as `sfndeploy.py` spells it), `AllAtOnce` or `allAtOnce` all
 * name the same strategy, as they always have on the command line; anything
 * else (CodeDeploy's configurations, whose `AllAtOnce` is written
 * `CodeDeployDefault.LambdaAllAtOnce` here) is passed on for the schema.
 */
export function strategyName(value: string): string {
  return STRATEGIES.find((strategy) => strategy.toLowerCase() === value.toLowerCase()) ?? value;
}

/**
 * A number only when the whole flag is one: `abc`, `10s` or an empty string
 * stay strings, so the schema names the field and the value given
 * (`parseInt('10s')` would quietly read 10).
 */
export function number(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : value;
}

function jsonFlag(text: string, flag: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${flag} must be JSON: ${(error as Error).message}`);
  }
}

function readJson(path: string, readFile: ReadFile, flag: string): unknown {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new UsageError(`${flag} ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${flag} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}
