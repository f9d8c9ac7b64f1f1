/**
 * The deploy request: one zod schema is the single source of its type,
 * its defaults and its validation, for the deployer and the command line.
 */
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
import {
  formatDuration,
  MAX_DEPLOYMENT_SECONDS,
  planSteps,
  STRATEGIES,
  type Strategy,
  totalHoldSeconds,
} from './plan';

/** Defaults for the optional fields; a deployer construct may override the first four. */
export interface RequestDefaults {
  strategy: Strategy;
  increment: number;
  intervalSeconds: number;
  alarmPollingSeconds: number;
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

export function deployRequestSchema(defaults: RequestDefaults = BUILT_IN_DEFAULTS) {
  return z
    .strictObject(
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
          .enum(STRATEGIES, {
            error: (issue) => `strategy must be one of ${STRATEGIES.join(', ')}, ${got(issue.input)}`,
          })
          .default(defaults.strategy),
        increment: integer('increment', 1, 100).default(defaults.increment),
        intervalSeconds: integer('intervalSeconds', 1, ONE_YEAR_SECONDS).default(defaults.intervalSeconds),
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
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown fields ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}: expected only ${KNOWN_FIELDS.join(', ')}`
            : `the deploy request must be a JSON object, ${got(issue.input)}`,
      },
    )
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
      // zod runs this refinement even when a field failed its range check (such issues do not abort),
      // so compute the plan only from valid numbers: a linear increment of 0 would never reach 100.
      const planIsValid =
        STRATEGIES.includes(request.strategy) &&
        isInRange(request.increment, 1, 100) &&
        isInRange(request.intervalSeconds, 1, ONE_YEAR_SECONDS);
      if (!planIsValid) return;
      const total = totalHoldSeconds(planSteps(request.strategy, request.increment, request.intervalSeconds));
      if (total > MAX_DEPLOYMENT_SECONDS) {
        context.addIssue({
          code: 'custom',
          path: ['intervalSeconds'],
          message:
            `the plan holds for ${formatDuration(total)} in total but a deployment must finish within ` +
            `${formatDuration(MAX_DEPLOYMENT_SECONDS)} (the one-year execution limit, less a day): ` +
            'use a larger increment or a shorter interval',
        });
      }
    });
}

export type DeployRequest = z.output<ReturnType<typeof deployRequestSchema>>;

/** The request's fields, listed in the error for an unknown one. */
export const KNOWN_FIELDS: readonly string[] = [
  'stateMachine',
  'alias',
  'strategy',
  'increment',
  'intervalSeconds',
  'alarms',
  'alarmPollingSeconds',
  'definition',
  'publishRevision',
  'version',
  'historyMax',
  'force',
  'ignoreAlarmsAlreadyFiring',
  'failOnInsufficientData',
];

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
