/**
 * The deploy request: one zod schema is the single source of its type,
 * its defaults and its validation, for the deployer and the command line.
 */
import type { AnalysisSettings } from './analysis';
import { z } from 'zod';
import {
  ALIAS_NAME,
  isStateMachineArn,
  isVersionArn,
  STATE_MACHINE_NAME,
  STATE_MACHINE_NAME_RULE,
} from './arns';
import { InvalidDeployRequestError } from './errors';
import { DEFINITION_MAX_BYTES } from './limits';
import { parseTrafficTests, type TrafficPhase, type TrafficTests } from './traffic-tests';
import {
  CODEDEPLOY_PREFIX,
  formatDuration,
  isNamedStrategy,
  isStrategy,
  MAX_DEPLOYMENT_SECONDS,
  MAX_REQUEST_STEPS,
  namedStrategyOf,
  type RequestStep,
  stepsOf,
  STRATEGIES,
  NAMED_STRATEGY_NAMES,
  type StrategyName,
  totalHoldSeconds,
} from './plan';

/**
 * Defaults for the optional fields; a deployer construct may override them. A request
 * with `steps` takes none of the first three; `increment` and `intervalSeconds` apply
 * only to canary, linear and allAtOnce.
 */
export interface RequestDefaults {
  strategy: StrategyName;
  increment: number;
  intervalSeconds: number;
  alarmPollingSeconds: number;
  /** The deployer's own `analysis` for requests that give none (`false` in a request turns it off). */
  analysis?: Record<string, unknown>;
}

export const BUILT_IN_DEFAULTS: RequestDefaults = {
  strategy: 'allAtOnce',
  increment: 5,
  intervalSeconds: 120,
  alarmPollingSeconds: 60,
};

export const MAX_ALARMS = 100;
export const MAX_VERSIONS = 1000;
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

const got = (value: unknown): string => `got: ${value === undefined ? 'nothing' : JSON.stringify(value)}`;

function integer(field: string, min: number, max: number, expected = `an integer between ${min} and ${max}`) {
  return z
    .int({ error: (issue) => `${field} must be ${expected}, ${got(issue.input)}` })
    .min(min)
    .max(max);
}

const versionError = (issue: { input?: unknown }) =>
  `version must be a version number or a version ARN, ${got(issue.input)}`;

function flag(field: string) {
  return z.boolean({ error: (issue) => `${field} must be true or false, ${got(issue.input)}` });
}

const strategyError = (input: unknown) =>
  `strategy must be one of ${STRATEGIES.join(', ')} or CodeDeploy's ${NAMED_STRATEGY_NAMES.join(', ')} ` +
  `(also written ${CODEDEPLOY_PREFIX}<name>), ${got(input)}`;

/**
 * The request's fields, each checked on its own; `deployRequestSchema` adds the
 * rules between fields and the defaults.
 */
export function requestFieldsSchema(defaults: RequestDefaults = BUILT_IN_DEFAULTS) {
  return z.strictObject(
    {
      stateMachine: z
        .string({
          error: (issue) => `stateMachine must be a state machine name or ARN, ${got(issue.input)}`,
        })
        .refine((value) => STATE_MACHINE_NAME.test(value) || isStateMachineArn(value), {
          error: (issue) =>
            `stateMachine must be a state machine name (${STATE_MACHINE_NAME_RULE}) or an unqualified state machine ARN, ${got(issue.input)}`,
        }),
      alias: z
        .string({ error: (issue) => `alias must be an alias name, ${got(issue.input)}` })
        .regex(ALIAS_NAME, {
          error: (issue) =>
            `alias must be 1-80 letters, digits, _, - or . and not only digits, ${got(issue.input)}`,
        }),
      strategy: z
        .string({ error: (issue) => strategyError(issue.input) })
        .transform((value, context): StrategyName => {
          const name = isStrategy(value) ? value : namedStrategyOf(value);
          if (name === undefined) {
            context.issues.push({ code: 'custom', message: strategyError(value), input: value });
            return z.NEVER;
          }
          return name;
        })
        .optional(),
      increment: integer('increment', 1, 100).optional(),
      intervalSeconds: integer('intervalSeconds', 1, ONE_YEAR_SECONDS).optional(),
      steps: z
        .unknown()
        .transform((value, context): RequestStep[] => {
          const { steps, problems } = parseRequestSteps(value);
          for (const message of problems) context.issues.push({ code: 'custom', message, input: value });
          return problems.length > 0 ? z.NEVER : steps;
        })
        .optional(),
      alarms: z
        .array(
          z
            .string({ error: (issue) => `each alarm must be an alarm name, ${got(issue.input)}` })
            .min(1, { error: 'alarm names must not be empty' })
            .max(255, {
              error: (issue) => `alarm names must be at most 255 characters, ${got(issue.input)}`,
            }),
          { error: (issue) => `alarms must be a list of alarm names, ${got(issue.input)}` },
        )
        .max(MAX_ALARMS, {
          error: (issue) =>
            `alarms must name at most ${MAX_ALARMS} alarms, got: ${(issue.input as unknown[]).length}`,
        })
        .refine((names) => new Set(names).size === names.length, {
          error: (issue) => `alarms must not name an alarm twice, ${got(issue.input)}`,
        })
        .default([]),
      alarmPollingSeconds: integer('alarmPollingSeconds', 1, ONE_YEAR_SECONDS).default(
        defaults.alarmPollingSeconds,
      ),
      definition: z
        .union([z.record(z.string(), z.unknown()), z.string()], {
          error: (issue) =>
            `definition must be a state machine definition (object or JSON string), ${got(issue.input)}`,
        })
        .refine(isDefinition, {
          error: 'definition must be an Amazon States Language object with StartAt and States',
        })
        .refine(
          (definition) => Buffer.byteLength(definitionString(definition), 'utf8') <= DEFINITION_MAX_BYTES,
          {
            error: (issue) =>
              `definition must be at most ${DEFINITION_MAX_BYTES} bytes of JSON inline (the request travels in the ` +
              `execution's input, capped at 256 KiB), got: ${Buffer.byteLength(definitionString(issue.input as string), 'utf8')} bytes; ` +
              'upload a larger one with UpdateStateMachine and deploy it with publishRevision',
          },
        )
        .optional(),
      publishRevision: flag('publishRevision').default(false),
      version: z
        .union(
          [
            z.int().min(1, { error: versionError }),
            z.string().regex(/^[1-9]\d*$/),
            z.string().refine(isVersionArn),
          ],
          {
            error: versionError,
          },
        )
        .optional(),
      historyMax: integer('historyMax', 0, MAX_VERSIONS, `0 (never prune) or between 2 and ${MAX_VERSIONS}`)
        .refine((value) => value !== 1, {
          error:
            'historyMax must be 0 (never prune) or at least 2, so a version to roll back to is kept, got: 1',
        })
        .default(0),
      force: flag('force').default(false),
      ignoreAlarmsAlreadyFiring: flag('ignoreAlarmsAlreadyFiring').default(false),
      failOnInsufficientData: flag('failOnInsufficientData').default(false),
      analysis: analysisField().optional(),
      preTraffic: trafficTests('preTraffic'),
      postTraffic: trafficTests('postTraffic'),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown fields ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}: expected only ${KNOWN_FIELDS.join(', ')}`
          : `the deploy request must be a JSON object, ${got(issue.input)}`,
    },
  );
}

type RequestFields = z.output<ReturnType<typeof requestFieldsSchema>>;

export function deployRequestSchema(defaults: RequestDefaults = BUILT_IN_DEFAULTS) {
  return requestFieldsSchema(defaults)
    .superRefine((request, context) => {
      if (request.version !== undefined && (request.definition !== undefined || request.publishRevision)) {
        context.addIssue({
          code: 'custom',
          path: ['version'],
          message:
            'version cannot be combined with definition or publishRevision: deploy an existing version or publish a new one',
        });
      }
      if (
        typeof request.version === 'string' &&
        request.version.startsWith('arn:') &&
        isStateMachineArn(request.stateMachine)
      ) {
        if (!request.version.startsWith(`${request.stateMachine}:`)) {
          context.addIssue({
            code: 'custom',
            path: ['version'],
            message: `version must be a version of ${request.stateMachine}, got: ${JSON.stringify(request.version)}`,
          });
        }
      }
      checkPlan(request, defaults, context);
    })
    .transform((request) => withPlanDefaults(request, defaults));
}

/** A validated request: either `steps`, or a `strategy` (with `increment` and `intervalSeconds` unless it is named). */
export type DeployRequest = Omit<RequestFields, 'analysis'> & { analysis?: AnalysisSettings };

/**
 * The plan's fields with the defaults filled in: none for steps, the strategy's own for the rest; and
 * the deployer's default analysis unless the request gives its own or turns it off (`false`).
 */
function withPlanDefaults(fields: RequestFields, defaults: RequestDefaults): DeployRequest {
  const { analysis: given, ...rest } = fields;
  const analysis =
    given === false
      ? undefined
      : (given ?? (defaults.analysis ? analysisSchema().parse(defaults.analysis) : undefined));
  const request: DeployRequest = { ...rest, ...(analysis ? { analysis } : {}) };
  if (request.steps !== undefined) return request;
  const strategy = request.strategy ?? defaults.strategy;
  if (!isStrategy(strategy)) return { ...request, strategy };
  return {
    ...request,
    strategy,
    increment: request.increment ?? defaults.increment,
    intervalSeconds: request.intervalSeconds ?? defaults.intervalSeconds,
  };
}

/** The rules between the plan's fields, and the plan's total length. */
function checkPlan(request: RequestFields, defaults: RequestDefaults, context: z.RefinementCtx): void {
  const issue = (field: string, message: string) =>
    context.addIssue({ code: 'custom', path: [field], message });
  const shaping = (['strategy', 'increment', 'intervalSeconds'] as const).filter(
    (field) => request[field] !== undefined,
  );
  if (request.steps !== undefined && shaping.length > 0) {
    issue(
      'steps',
      `steps cannot be combined with ${listed(shaping)}: give either steps or strategy (with its increment and intervalSeconds)`,
    );
    return;
  }
  const strategy = request.strategy ?? defaults.strategy;
  if (request.steps === undefined && isNamedStrategy(strategy)) {
    const which =
      request.strategy === undefined ? `the default strategy ${strategy}` : `strategy ${strategy}`;
    for (const field of ['increment', 'intervalSeconds'] as const) {
      if (request[field] === undefined) continue;
      issue(
        field,
        `${field} cannot be combined with ${which}: a named configuration has its own steps; ` +
          `use canary or linear with increment and intervalSeconds, or give steps`,
      );
    }
  }
  // zod runs this refinement even when a field failed its check (such issues do not abort),
  // so compute the plan only from valid fields: a linear increment of 0 would never reach 100.
  const planIsValid =
    request.steps !== undefined
      ? parseRequestSteps(request.steps).problems.length === 0
      : (isStrategy(strategy) || isNamedStrategy(strategy)) &&
        (request.increment === undefined || isInRange(request.increment, 1, 100)) &&
        (request.intervalSeconds === undefined || isInRange(request.intervalSeconds, 1, ONE_YEAR_SECONDS));
  if (!planIsValid) return;
  const total = totalHoldSeconds(stepsOf(withPlanDefaults(request, defaults)));
  if (total > MAX_DEPLOYMENT_SECONDS) {
    issue(
      request.steps !== undefined ? 'steps' : 'intervalSeconds',
      `the plan holds for ${formatDuration(total)} in total but a deployment must finish within ` +
        `${formatDuration(MAX_DEPLOYMENT_SECONDS)} (the one-year execution limit, less a day): ` +
        (request.steps !== undefined
          ? 'use shorter holds or pause timeouts'
          : 'use a larger increment or a shorter interval'),
    );
  }
}

/** `preTraffic` or `postTraffic`: tests run on the new version by its version ARN, or a hook. */
function trafficTests(field: TrafficPhase) {
  return z
    .unknown()
    .transform((value, context): TrafficTests => {
      const { value: parsed, problems } = parseTrafficTests(field, value);
      for (const message of problems) context.issues.push({ code: 'custom', message, input: value });
      return parsed ?? z.NEVER;
    })
    .optional();
}

const STEP_SHAPE =
  'a weight step {"weight": 1-100, "holdSeconds": >= 0} or a pause step {"pause": true, "timeoutSeconds"?: >= 1, "onTimeout"?: "rollBack" | "continue"}';
const WEIGHT_STEP_FIELDS = ['weight', 'holdSeconds'];
const PAUSE_STEP_FIELDS = ['pause', 'timeoutSeconds', 'onTimeout'];
const ON_TIMEOUT = ['rollBack', 'continue'] as const;

/**
 * A request's `steps`, checked and normalized (a timed pause rolls back unless it says
 * `continue`), or every problem with it, each naming the step by its index.
 */
export function parseRequestSteps(value: unknown): { steps: RequestStep[]; problems: string[] } {
  if (!Array.isArray(value)) {
    return { steps: [], problems: [`steps must be a list of steps, each ${STEP_SHAPE}, ${got(value)}`] };
  }
  if (value.length === 0) return { steps: [], problems: ['steps must list at least one step, got: []'] };
  if (value.length > MAX_REQUEST_STEPS) {
    return {
      steps: [],
      problems: [`steps must list at most ${MAX_REQUEST_STEPS} steps, got: ${value.length}`],
    };
  }
  const problems: string[] = [];
  const steps: RequestStep[] = [];
  // The last valid weight step, for "strictly increasing" and "no pause after 100%".
  let previous: { index: number; weight: number } | undefined;
  value.forEach((raw: unknown, index) => {
    const at = `steps[${index}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${at} must be ${STEP_SHAPE}, ${got(raw)}`);
      return;
    }
    const step = raw as Record<string, unknown>;
    const isPause = 'pause' in step;
    const allowed = isPause ? PAUSE_STEP_FIELDS : WEIGHT_STEP_FIELDS;
    const unknown = Object.keys(step).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) {
      problems.push(
        `${at} has unknown fields ${unknown.map((key) => JSON.stringify(key)).join(', ')}: ` +
          `a ${isPause ? 'pause' : 'weight'} step has only ${allowed.join(', ')}`,
      );
      return;
    }
    if (isPause) {
      const before = problems.length;
      if (step.pause !== true) problems.push(`${at}.pause must be true, ${got(step.pause)}`);
      const { timeoutSeconds, onTimeout } = step;
      if (timeoutSeconds !== undefined && !isInRange(timeoutSeconds as number, 1, ONE_YEAR_SECONDS)) {
        problems.push(
          `${at}.timeoutSeconds must be an integer between 1 and ${ONE_YEAR_SECONDS}, ${got(timeoutSeconds)}`,
        );
      }
      if (onTimeout !== undefined && !ON_TIMEOUT.includes(onTimeout as (typeof ON_TIMEOUT)[number])) {
        problems.push(`${at}.onTimeout must be rollBack or continue, ${got(onTimeout)}`);
      } else if (onTimeout !== undefined && timeoutSeconds === undefined) {
        problems.push(
          `${at}.onTimeout needs ${at}.timeoutSeconds: a pause without a timeout waits for resume, promote or abort, ${got(onTimeout)}`,
        );
      }
      if (previous?.weight === 100) {
        problems.push(
          `${at} must not pause after the final 100% (steps[${previous.index}]): nothing is left to gate, ${got(raw)}`,
        );
      }
      if (problems.length > before) return;
      steps.push(
        timeoutSeconds === undefined
          ? { pause: true }
          : {
              pause: true,
              timeoutSeconds: timeoutSeconds as number,
              onTimeout: (onTimeout as (typeof ON_TIMEOUT)[number] | undefined) ?? 'rollBack',
            },
      );
      return;
    }
    const { weight, holdSeconds } = step;
    const before = problems.length;
    if (!isInRange(weight as number, 1, 100)) {
      problems.push(`${at}.weight must be an integer between 1 and 100, ${got(weight)}`);
    } else if (previous !== undefined && (weight as number) <= previous.weight) {
      problems.push(
        `${at}.weight must be above steps[${previous.index}].weight (${previous.weight}): weights rise strictly, ${got(weight)}`,
      );
    }
    if (!isInRange(holdSeconds as number, 0, ONE_YEAR_SECONDS)) {
      problems.push(
        `${at}.holdSeconds must be an integer between 0 and ${ONE_YEAR_SECONDS}, ${got(holdSeconds)}`,
      );
    }
    if (isInRange(weight as number, 1, 100)) previous = { index, weight: weight as number };
    if (problems.length === before)
      steps.push({ weight: weight as number, holdSeconds: holdSeconds as number });
  });
  return { steps, problems };
}

/** The request's fields, listed in the error for an unknown one. */
export const KNOWN_FIELDS: readonly string[] = [
  'stateMachine',
  'alias',
  'strategy',
  'increment',
  'intervalSeconds',
  'steps',
  'alarms',
  'alarmPollingSeconds',
  'definition',
  'publishRevision',
  'version',
  'historyMax',
  'force',
  'ignoreAlarmsAlreadyFiring',
  'failOnInsufficientData',
  'analysis',
  'preTraffic',
  'postTraffic',
];

const ANALYSIS_FIELDS = [
  'confidence',
  'maxFailureRate',
  'minExecutions',
  'maxHoldSeconds',
  'onInsufficientTraffic',
  'dryRun',
];

/** `analysis`: the settings, or `false` to turn off the deployer's default; each problem named on its own. */
function analysisField() {
  return z
    .unknown()
    .superRefine((value, context) => {
      if (value === undefined || value === false) return;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        context.addIssue({ code: 'custom', message: `analysis must be an object or false, ${got(value)}` });
        return;
      }
      const parsed = analysisSchema().safeParse(value);
      for (const issue of parsed.success ? [] : parsed.error.issues)
        context.addIssue({ code: 'custom', message: issue.message });
    })
    .transform((value): AnalysisSettings | false | undefined =>
      value === undefined || value === false ? value : analysisSchema().parse(value),
    );
}

/** `analysis`: judge the new version from its own executions (lambda/shared/analysis.ts). */
export function analysisSchema() {
  const fraction = (field: string, expected: string, check: (value: number) => boolean) =>
    z
      .number({ error: (issue) => `analysis.${field} must be ${expected}, ${got(issue.input)}` })
      .refine(check, { error: (issue) => `analysis.${field} must be ${expected}, ${got(issue.input)}` });
  return z.strictObject(
    {
      confidence: fraction(
        'confidence',
        'a number from 0.5 to 0.9999',
        (c) => c >= 0.5 && c <= 0.9999,
      ).default(0.99),
      maxFailureRate: fraction('maxFailureRate', 'a number from 0 to 1', (r) => r >= 0 && r <= 1).optional(),
      minExecutions: integer('analysis.minExecutions', 0, 1_000_000).default(0),
      maxHoldSeconds: integer('analysis.maxHoldSeconds', 0, ONE_YEAR_SECONDS).default(0),
      onInsufficientTraffic: z
        .enum(['rollBack', 'promote'], {
          error: (issue) => `analysis.onInsufficientTraffic must be rollBack or promote, ${got(issue.input)}`,
        })
        .default('rollBack'),
      dryRun: flag('analysis.dryRun').default(false),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown fields in analysis ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}: expected only ${ANALYSIS_FIELDS.join(', ')}`
          : `analysis must be an object ({} for the defaults), ${got(issue.input)}`,
    },
  );
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : (items[0] ?? '');
}

function isInRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

function isDefinition(value: Record<string, unknown> | string): boolean {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return false;
    }
  }
  return typeof parsed === 'object' && parsed !== null && 'StartAt' in parsed && 'States' in parsed;
}

/**
 * Validates and normalizes a deploy request, or throws `InvalidDeployRequest`
 * naming every bad field with what was expected and what was given.
 */
export function parseDeployRequest(
  input: unknown,
  defaults: RequestDefaults = BUILT_IN_DEFAULTS,
): DeployRequest {
  const result = deployRequestSchema(defaults).safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    return field && !issue.message.startsWith(field.split('.')[0]!)
      ? `${field}: ${issue.message}`
      : issue.message;
  });
  throw new InvalidDeployRequestError([...new Set(problems)]);
}

/** The definition as the string `UpdateStateMachine` takes. */
export function definitionString(definition: Record<string, unknown> | string): string {
  return typeof definition === 'string' ? definition : JSON.stringify(definition);
}
