/**
 * The deploy request under arbitrary input: whatever JSON arrives, parsing
 * either yields a valid, normalized request or throws `InvalidDeployRequest`
 * naming what is wrong — never another exception, never a hang — and a
 * rejected request reaches no AWS API through publish-version.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { publishVersion } from '../../lambda/publish-version';
import { ALIAS_NAME, isStateMachineArn, isVersionArn, STATE_MACHINE_NAME } from '../../lambda/shared/arns';
import { InvalidDeployRequestError } from '../../lambda/shared/errors';
import {
  isNamedStrategy,
  MAX_DEPLOYMENT_SECONDS,
  stepsOf,
  STRATEGIES,
  totalHoldSeconds,
} from '../../lambda/shared/plan';
import {
  BUILT_IN_DEFAULTS,
  type DeployRequest,
  KNOWN_FIELDS,
  MAX_ALARMS,
  MAX_VERSIONS,
  parseDeployRequest,
  parseRequestSteps,
} from '../../lambda/shared/request';
import { FakeDeploymentLock } from './fake-lock';
import { EXECUTION_ARN, STATE_MACHINE_ARN, T0 } from './fixtures';

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
/** Enough runs to find the edge cases, few enough that the file takes about a second. */
const RUNS = { numRuns: 80 };
/**
 * A generous bound per parse, in this process's CPU time (other processes on a shared machine do not
 * count): the plan is computed from the request, and a bad increment once looped forever.
 */
const PARSE_CPU_BUDGET_MS = 1000;

const sfnMock = mockClient(SFNClient);
const cloudWatchMock = mockClient(CloudWatchClient);

type Verdict = { request: DeployRequest } | { error: unknown };

function verdictOf(input: unknown): Verdict {
  const started = process.cpuUsage();
  try {
    return { request: parseDeployRequest(input) };
  } catch (error) {
    return { error };
  } finally {
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(PARSE_CPU_BUDGET_MS);
  }
}

const isInteger = (value: unknown, min: number, max: number) =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/** Every field of a parsed request is present (defaults filled) and within its range. */
function expectValid(request: DeployRequest): void {
  expect(STATE_MACHINE_NAME.test(request.stateMachine) || isStateMachineArn(request.stateMachine)).toBe(true);
  expect(request.alias).toMatch(ALIAS_NAME);
  if (request.steps !== undefined || isNamedStrategy(request.strategy)) {
    // Custom steps and named configurations take no increment or interval, and steps take no strategy.
    expect(request.steps === undefined || request.strategy === undefined).toBe(true);
    expect([request.increment, request.intervalSeconds]).toEqual([undefined, undefined]);
    if (request.steps !== undefined) expect(parseRequestSteps(request.steps).problems).toEqual([]);
  } else {
    expect(STRATEGIES).toContain(request.strategy);
    expect(isInteger(request.increment, 1, 100)).toBe(true);
    expect(isInteger(request.intervalSeconds, 1, ONE_YEAR_SECONDS)).toBe(true);
  }
  expect(isInteger(request.alarmPollingSeconds, 1, ONE_YEAR_SECONDS)).toBe(true);
  expect(Array.isArray(request.alarms)).toBe(true);
  expect(request.alarms.length).toBeLessThanOrEqual(MAX_ALARMS);
  expect(new Set(request.alarms).size).toBe(request.alarms.length);
  for (const name of request.alarms)
    expect(typeof name === 'string' && name.length >= 1 && name.length <= 255).toBe(true);
  expect(request.historyMax === 0 || isInteger(request.historyMax, 2, MAX_VERSIONS)).toBe(true);
  for (const flag of [
    'publishRevision',
    'force',
    'ignoreAlarmsAlreadyFiring',
    'failOnInsufficientData',
  ] as const) {
    expect(typeof request[flag]).toBe('boolean');
  }
  if (request.version !== undefined) {
    const { version } = request;
    expect(
      isInteger(version, 1, Number.MAX_SAFE_INTEGER) ||
        (typeof version === 'string' && (/^[1-9]\d*$/.test(version) || isVersionArn(version))),
    ).toBe(true);
    expect(request.definition === undefined && !request.publishRevision).toBe(true);
  }
  expect(Object.keys(request).every((key) => KNOWN_FIELDS.includes(key))).toBe(true);
  expect(totalHoldSeconds(stepsOf(request))).toBeLessThanOrEqual(MAX_DEPLOYMENT_SECONDS);
}

/** Each problem starts with the field it is about (a dotted path for list items), or speaks of the whole request. */
function expectNamedProblems(error: unknown): void {
  expect(error).toBeInstanceOf(InvalidDeployRequestError);
  const { problems, name } = error as InvalidDeployRequestError;
  expect(name).toBe('InvalidDeployRequest');
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) {
    const namesField = KNOWN_FIELDS.some((field) => problem.startsWith(field));
    const namesRequest = problem.startsWith('the deploy request') || problem.startsWith('unknown fields');
    expect({ problem, named: namesField || namesRequest }).toEqual({ problem, named: true });
  }
}

function expectParsedOrRejected(input: unknown): void {
  const verdict = verdictOf(input);
  if ('request' in verdict) {
    expectValid(verdict.request);
    // Normalizing is idempotent: the output parses to itself.
    expect(parseDeployRequest(verdict.request)).toEqual(verdict.request);
  } else {
    expectNamedProblems(verdict.error);
  }
}

const definition = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };

/** Requests that parse: every field drawn from its valid range, or left out. */
const validRequest = fc.record(
  {
    stateMachine: fc.constantFrom('orders', 'orders-v2_eu', STATE_MACHINE_ARN),
    alias: fc.constantFrom('live', 'prod.eu-1', '_'),
    strategy: fc.constantFrom(...STRATEGIES),
    increment: fc.integer({ min: 1, max: 100 }),
    intervalSeconds: fc.integer({ min: 1, max: 86_400 }),
    alarms: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 5 }),
    alarmPollingSeconds: fc.integer({ min: 1, max: 3_600 }),
    publishRevision: fc.boolean(),
    historyMax: fc.oneof(fc.constant(0), fc.integer({ min: 2, max: MAX_VERSIONS })),
    force: fc.boolean(),
    ignoreAlarmsAlreadyFiring: fc.boolean(),
    failOnInsufficientData: fc.boolean(),
    definition: fc.constantFrom(definition, JSON.stringify(definition)),
  },
  { requiredKeys: ['stateMachine', 'alias'] },
);

/** Values that sit on or just past the edges of the fields' ranges, and values of the wrong type. */
const edgeValue = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 100, 101, 1.5, -0.5, 1e21, Number.MAX_SAFE_INTEGER + 2, ONE_YEAR_SECONDS + 1),
  fc.constantFrom(
    '',
    ' ',
    '0',
    '7',
    '-1',
    'arn:aws:states:us-east-1:123456789012:stateMachine:orders:3',
    '{"StartAt":1}',
  ),
  fc.constantFrom(null, true, false, [], {}, [''], ['a', 'a'], { StartAt: 'A' }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A valid request with one field replaced by an edge value, removed, or an unknown field added. */
const nearValidRequest = fc
  .tuple(validRequest, fc.constantFrom(...KNOWN_FIELDS, 'unknownField'), edgeValue, fc.boolean())
  .map(([request, field, value, remove]) => {
    const perturbed: Record<string, unknown> = { ...request };
    if (remove) delete perturbed[field];
    else perturbed[field] = value;
    return perturbed;
  });

/** Objects made of the request's own field names with arbitrary values. */
const fieldsWithAnyValues = fc.record(
  Object.fromEntries(KNOWN_FIELDS.map((field) => [field, fc.oneof(edgeValue, fc.jsonValue())])),
  {
    requiredKeys: [],
  },
);

describe('parseDeployRequest on arbitrary input', () => {
  it('parses or rejects any JSON value, naming the problems', () => {
    fc.assert(fc.property(fc.jsonValue(), expectParsedOrRejected), RUNS);
  });

  it("parses or rejects any object of the request's fields with any values", () => {
    fc.assert(fc.property(fieldsWithAnyValues, expectParsedOrRejected), RUNS);
  });

  it('parses every request drawn from the valid ranges, filling the defaults', () => {
    fc.assert(
      fc.property(validRequest, (input) => {
        const verdict = verdictOf(input);
        // A valid draw can still plan past the one-year limit, or combine version with publishing: those are rejections.
        if ('error' in verdict) return expectNamedProblems(verdict.error);
        expectValid(verdict.request);
        for (const [field, value] of Object.entries(BUILT_IN_DEFAULTS)) {
          expect(verdict.request[field as keyof DeployRequest]).toEqual(
            (input as Record<string, unknown>)[field] ?? value,
          );
        }
      }),
      RUNS,
    );
  });

  it('parses or rejects a valid request with one field perturbed, without ever looping', () => {
    fc.assert(fc.property(nearValidRequest, expectParsedOrRejected), RUNS);
  });

  it('rejects a non-positive linear increment at once', () => {
    for (const increment of [0, -1, -100]) {
      const verdict = verdictOf({ stateMachine: 'orders', alias: 'live', strategy: 'linear', increment });
      expect('error' in verdict && (verdict.error as InvalidDeployRequestError).problems).toEqual([
        `increment must be an integer between 1 and 100, got: ${increment}`,
      ]);
    }
  });
});

describe('publish-version on arbitrary input', () => {
  it('makes no AWS call and never touches the lock for a request it rejects as invalid', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fieldsWithAnyValues, nearValidRequest), async (input) => {
        // Arrange: clients that answer nothing, so a call made by mistake is recorded and then fails.
        sfnMock.reset();
        cloudWatchMock.reset();
        const lock = new FakeDeploymentLock();
        const parsed = verdictOf(input);

        // Act
        const outcome = await publishVersion(
          { request: input, now: T0.toISOString(), executionArn: EXECUTION_ARN },
          { sfn: new SFNClient({}), cloudWatch: new CloudWatchClient({}), lock },
        ).then(
          () => undefined,
          (error: unknown) => error,
        );

        // Assert
        if ('error' in parsed) expect(outcome).toBeInstanceOf(InvalidDeployRequestError);
        if (outcome instanceof InvalidDeployRequestError) {
          expect(sfnMock.calls()).toHaveLength(0);
          expect(cloudWatchMock.calls()).toHaveLength(0);
          expect(lock.calls).toEqual([]);
        }
      }),
      { numRuns: 50 },
    );
  });
});
