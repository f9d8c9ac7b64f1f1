/**
 * Tests before traffic and checks after it: the request's `preTraffic` and
 * `postTraffic` fields, and the pure rules that judge a test's execution.
 * The version under test is executed by its version ARN, which no alias
 * routes to, so a test never reaches users and users never reach the test.
 */
import { createHash } from 'node:crypto';
import { isStateMachineArn } from './arns';

export const TEST_STATUSES = ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type TestStatus = (typeof TEST_STATUSES)[number];

export const MAX_TRAFFIC_TESTS = 20;
export const DEFAULT_TRAFFIC_TEST_TIMEOUT_SECONDS = 300;
export const MAX_TRAFFIC_TEST_TIMEOUT_SECONDS = 3600;
/** An execution's input is at most 256 KiB of UTF-8. */
export const TEST_INPUT_MAX_BYTES = 256 * 1024;
/** A test's name: it appears in causes and events, not in the execution's name. */
export const TEST_NAME_MAX_CHARS = 80;

export interface TrafficTest {
  readonly name: string;
  /** The execution's input. */
  readonly input: unknown;
  readonly expect: {
    readonly status: TestStatus;
    /** Partial match: every key given must equal the output's value, recursively for objects. */
    readonly output?: unknown;
    /** The error name a FAILED execution must end with. */
    readonly error?: string;
  };
}

export type TrafficTests =
  | { readonly tests: TrafficTest[]; readonly timeoutSeconds: number }
  | { readonly hook: string; readonly timeoutSeconds: number };

export type TrafficPhase = 'preTraffic' | 'postTraffic';

const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:[a-zA-Z0-9_$-]{1,128})?$/;

export function isLambdaFunctionArn(value: string): boolean {
  return LAMBDA_FUNCTION_ARN.test(value);
}

const got = (value: unknown): string => `got: ${value === undefined ? 'nothing' : JSON.stringify(value)}`;
const SHAPE =
  '{"tests": [{"name", "input", "expect": {"status", "output"?, "error"?}}, ...], "timeoutSeconds"?} or {"hook": "<Lambda function ARN or state machine ARN>", "timeoutSeconds"?}';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A request's `preTraffic` or `postTraffic`, checked and with its default
 * timeout, or every problem with it, each naming the field by its path.
 */
export function parseTrafficTests(
  field: TrafficPhase,
  value: unknown,
): { value?: TrafficTests; problems: string[] } {
  if (!isObject(value)) return { problems: [`${field} must be ${SHAPE}, ${got(value)}`] };
  const problems: string[] = [];
  const unknown = Object.keys(value).filter((key) => !['tests', 'hook', 'timeoutSeconds'].includes(key));
  if (unknown.length > 0) {
    problems.push(
      `${field} has unknown fields ${unknown.map((key) => JSON.stringify(key)).join(', ')}: expected tests or hook, and timeoutSeconds`,
    );
  }
  const { timeoutSeconds = DEFAULT_TRAFFIC_TEST_TIMEOUT_SECONDS } = value;
  if (
    !Number.isInteger(timeoutSeconds) ||
    (timeoutSeconds as number) < 1 ||
    (timeoutSeconds as number) > MAX_TRAFFIC_TEST_TIMEOUT_SECONDS
  ) {
    problems.push(
      `${field}.timeoutSeconds must be an integer between 1 and ${MAX_TRAFFIC_TEST_TIMEOUT_SECONDS}, ${got(timeoutSeconds)}`,
    );
  }
  const hasTests = 'tests' in value;
  const hasHook = 'hook' in value;
  if (hasTests === hasHook) {
    problems.push(`${field} must give either tests or hook, not ${hasTests ? 'both' : 'neither'}`);
    return { problems };
  }
  if (hasHook) {
    const { hook } = value;
    if (typeof hook !== 'string' || !(isLambdaFunctionArn(hook) || isStateMachineArn(hook))) {
      problems.push(
        `${field}.hook must be a Lambda function ARN or an unqualified state machine ARN, ${got(hook)}`,
      );
    }
    return problems.length > 0
      ? { problems }
      : { value: { hook: hook as string, timeoutSeconds: timeoutSeconds as number }, problems };
  }
  const tests = parseTests(field, value.tests, problems);
  return problems.length > 0
    ? { problems }
    : { value: { tests, timeoutSeconds: timeoutSeconds as number }, problems };
}

function parseTests(field: TrafficPhase, value: unknown, problems: string[]): TrafficTest[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TRAFFIC_TESTS) {
    problems.push(
      `${field}.tests must list 1 to ${MAX_TRAFFIC_TESTS} tests, ${Array.isArray(value) ? `got: ${value.length}` : got(value)}`,
    );
    return [];
  }
  const tests: TrafficTest[] = [];
  const seen = new Map<string, number>();
  value.forEach((raw: unknown, index) => {
    const at = `${field}.tests[${index}]`;
    if (!isObject(raw)) {
      problems.push(
        `${at} must be {"name", "input", "expect": {"status", "output"?, "error"?}}, ${got(raw)}`,
      );
      return;
    }
    const before = problems.length;
    const unknown = Object.keys(raw).filter((key) => !['name', 'input', 'expect'].includes(key));
    if (unknown.length > 0)
      problems.push(
        `${at} has unknown fields ${unknown.map((key) => JSON.stringify(key)).join(', ')}: a test has only name, input and expect`,
      );
    const { name, input = {}, expect } = raw;
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > TEST_NAME_MAX_CHARS) {
      problems.push(`${at}.name must be a name of 1-${TEST_NAME_MAX_CHARS} characters, ${got(name)}`);
    } else if (seen.has(name)) {
      problems.push(
        `${at}.name must be unique: ${field}.tests[${seen.get(name)}] has the same name, ${got(name)}`,
      );
    } else seen.set(name, index);
    const inputBytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
    if (inputBytes > TEST_INPUT_MAX_BYTES)
      problems.push(
        `${at}.input must be at most ${TEST_INPUT_MAX_BYTES} bytes of JSON (an execution's input), got: ${inputBytes} bytes`,
      );
    const expected = parseExpect(`${at}.expect`, expect, problems);
    if (problems.length === before && expected) tests.push({ name: name as string, input, expect: expected });
  });
  return tests;
}

function parseExpect(at: string, value: unknown, problems: string[]): TrafficTest['expect'] | undefined {
  if (!isObject(value)) {
    problems.push(
      `${at} must be {"status": ${TEST_STATUSES.join(' | ')}, "output"?, "error"?}, ${got(value)}`,
    );
    return undefined;
  }
  const unknown = Object.keys(value).filter((key) => !['status', 'output', 'error'].includes(key));
  if (unknown.length > 0)
    problems.push(
      `${at} has unknown fields ${unknown.map((key) => JSON.stringify(key)).join(', ')}: expected status, output and error`,
    );
  const { status, output, error } = value;
  if (!TEST_STATUSES.includes(status as TestStatus))
    problems.push(`${at}.status must be one of ${TEST_STATUSES.join(', ')}, ${got(status)}`);
  if (error !== undefined && (typeof error !== 'string' || error.length === 0))
    problems.push(`${at}.error must be an error name, ${got(error)}`);
  if (error !== undefined && status !== undefined && status !== 'FAILED' && status !== 'TIMED_OUT')
    problems.push(
      `${at}.error needs status FAILED or TIMED_OUT: only a failed execution has an error, ${got(error)}`,
    );
  if (output !== undefined && status !== undefined && status !== 'SUCCEEDED')
    problems.push(
      `${at}.output needs status SUCCEEDED: only a succeeded execution has an output, ${got(output)}`,
    );
  return {
    status: status as TestStatus,
    ...(output !== undefined ? { output } : {}),
    ...(error !== undefined ? { error: error as string } : {}),
  };
}

/**
 * Whether `actual` has every key of `expected` with an equal value, objects
 * compared the same way recursively; arrays and other values must be equal.
 */
export function matchesPartially(actual: unknown, expected: unknown): boolean {
  if (isObject(expected)) {
    if (!isObject(actual)) return false;
    return Object.entries(expected).every(
      ([key, value]) => Object.hasOwn(actual, key) && matchesPartially(actual[key], value),
    );
  }
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((value, index) => deepEqual(actual[index], value))
    );
  }
  return Object.is(actual, expected);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b))
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((value, index) => deepEqual(value, b[index]))
    );
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return Object.is(a, b);
}

/** How an execution ended, as DescribeExecution tells it. */
export interface ExecutionEnd {
  readonly status: string;
  readonly error?: string;
  readonly cause?: string;
  /** The output as JSON text. */
  readonly output?: string;
}

/** Characters of an output or cause quoted in a failure. */
export const EXCERPT_MAX_CHARS = 300;

function excerpt(text: string): string {
  return text.length <= EXCERPT_MAX_CHARS ? text : `${text.slice(0, EXCERPT_MAX_CHARS)}…`;
}

/** Undefined when the execution ended as the test expects, else what was expected and what happened. */
export function judgeTest(test: TrafficTest, end: ExecutionEnd): string | undefined {
  const { expect } = test;
  const mismatches: string[] = [];
  if (end.status !== expect.status) mismatches.push(`status ${expect.status}`);
  if (expect.error !== undefined && end.error !== expect.error) mismatches.push(`error ${expect.error}`);
  if (expect.output !== undefined) {
    let output: unknown;
    try {
      output = end.output === undefined ? undefined : JSON.parse(end.output);
    } catch {
      output = undefined;
    }
    if (!matchesPartially(output, expect.output))
      mismatches.push(`output matching ${excerpt(JSON.stringify(expect.output))}`);
  }
  if (mismatches.length === 0) return undefined;
  return `test "${test.name}" expected ${mismatches.join(' and ')}, got: ${describeEnd(end)}`;
}

/** `status FAILED, error X (cause …)` or `status SUCCEEDED, output {…}`. */
export function describeEnd(end: ExecutionEnd): string {
  const parts = [`status ${end.status}`];
  if (end.error !== undefined) parts.push(`error ${end.error}`);
  if (end.cause) parts.push(`cause ${excerpt(end.cause)}`);
  if (end.output !== undefined) parts.push(`output ${excerpt(end.output)}`);
  return parts.join(', ');
}

/**
 * The execution name of a test (or `hook`), the same on every retry of the
 * step, so StartExecution is idempotent: `pre-0-<hash>` for a deployment's
 * first pre-traffic test. The hash is of the owning execution, which no other
 * deployment shares.
 */
export function testExecutionName(phase: TrafficPhase, index: number | 'hook', owner: string): string {
  const hash = createHash('sha256').update(owner).digest('hex').slice(0, 16);
  return `${phase === 'preTraffic' ? 'pre' : 'post'}-${index}-${hash}`;
}

/** `arn:…:execution:<name>:<executionName>` of an execution started on a state machine or one of its versions. */
export function executionArnOf(stateMachineOrVersionArn: string, executionName: string): string {
  const unqualified = stateMachineOrVersionArn.replace(
    /^(arn:[^:]+:states:[^:]+:\d{12}:stateMachine:[^:]+).*$/,
    '$1',
  );
  return `${unqualified.replace(':stateMachine:', ':execution:')}:${executionName}`;
}
