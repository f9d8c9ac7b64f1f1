/**
 * EventBridge event pattern matching, for the rules the local cloud reads
 * from a synthesized template. Pure: a pattern and an event in, a boolean out.
 *
 * Supported: exact values (string, number, boolean, null), `prefix`,
 * `anything-but` (a value, a list, or `{prefix}`), `exists`, `numeric`,
 * nested objects, `$or`, and arrays in events (any element may match).
 * Anything else throws {@link InvalidEventPatternError} rather than matching
 * more loosely than AWS would.
 */

export type EventPattern = { readonly [field: string]: unknown };

export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPattern';
}

/** Operators AWS has that this engine does not implement; named so the error says which. */
const UNSUPPORTED_OPERATORS = ['suffix', 'equals-ignore-case', 'wildcard', 'cidr'];
const NUMERIC_OPERATORS = ['<', '<=', '=', '>=', '>'] as const;

/** Whether `event` matches `pattern`; throws if the pattern is malformed or uses an unsupported operator. */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  validatePattern(pattern);
  return matchObject(pattern, event);
}

/** Throws {@link InvalidEventPatternError} naming the first problem in `pattern`. */
export function validatePattern(pattern: unknown, path = ''): void {
  if (!isPlainObject(pattern)) throw invalid(path, 'must be an object');
  for (const [key, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw invalid(at, 'must be a list of at least two patterns');
      value.forEach((branch, index) => validatePattern(branch, `${at}[${index}]`));
    } else if (isPlainObject(value)) {
      validatePattern(value, at);
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw invalid(at, 'must not be an empty list');
      value.forEach((matcher) => validateMatcher(matcher, at));
    } else {
      throw invalid(at, `must be an object or a list of matchers, got: ${JSON.stringify(value)}`);
    }
  }
}

function validateMatcher(matcher: unknown, at: string): void {
  if (isScalar(matcher)) return;
  if (!isPlainObject(matcher) || Object.keys(matcher).length !== 1) {
    throw invalid(
      at,
      `has a matcher that is neither a value nor a single-operator object: ${JSON.stringify(matcher)}`,
    );
  }
  const [operator, operand] = Object.entries(matcher)[0]!;
  switch (operator) {
    case 'prefix':
      if (typeof operand !== 'string')
        throw invalid(at, `prefix must be a string, got: ${JSON.stringify(operand)}`);
      return;
    case 'exists':
      if (typeof operand !== 'boolean')
        throw invalid(at, `exists must be true or false, got: ${JSON.stringify(operand)}`);
      return;
    case 'anything-but':
      validateAnythingBut(operand, at);
      return;
    case 'numeric':
      validateNumeric(operand, at);
      return;
    default:
      if (UNSUPPORTED_OPERATORS.includes(operator)) {
        throw invalid(at, `uses "${operator}", which AWS supports but the local engine does not`);
      }
      throw invalid(at, `uses the unknown operator ${JSON.stringify(operator)}`);
  }
}

function validateAnythingBut(operand: unknown, at: string): void {
  const ok =
    (isScalar(operand) && operand !== null) ||
    (Array.isArray(operand) &&
      operand.length > 0 &&
      operand.every((value) => isScalar(value) && value !== null)) ||
    (isPlainObject(operand) && Object.keys(operand).length === 1 && typeof operand.prefix === 'string');
  if (!ok) {
    throw invalid(
      at,
      `anything-but takes a value, a list of values or {"prefix": "..."}, got: ${JSON.stringify(operand)}`,
    );
  }
}

function validateNumeric(operand: unknown, at: string): void {
  const pairs = Array.isArray(operand) && (operand.length === 2 || operand.length === 4);
  const ok =
    pairs &&
    operand.every((item, index) =>
      index % 2 === 0
        ? NUMERIC_OPERATORS.includes(item as (typeof NUMERIC_OPERATORS)[number])
        : typeof item === 'number' && Number.isFinite(item),
    );
  if (!ok)
    throw invalid(at, `numeric takes one or two [operator, number] pairs, got: ${JSON.stringify(operand)}`);
}

/** Every field of the pattern must match; `node` is the event's object at this level, if any. */
function matchObject(pattern: EventPattern, node: unknown): boolean {
  return Object.entries(pattern).every(([key, expected]) => {
    if (key === '$or') return (expected as EventPattern[]).some((branch) => matchObject(branch, node));
    const value = isPlainObject(node) ? node[key] : undefined;
    if (Array.isArray(expected)) return matchField(expected, value);
    // A nested pattern over an array of objects matches when one element matches it whole.
    if (Array.isArray(value)) return value.some((element) => matchObject(expected as EventPattern, element));
    return matchObject(expected as EventPattern, value);
  });
}

/**
 * Matchers are alternatives. Patterns only address leaves, so a missing
 * field, an object and an empty list all count as absent: only
 * `{"exists": false}` matches them.
 */
function matchField(matchers: unknown[], value: unknown): boolean {
  const leaves = Array.isArray(value) ? value.filter(isScalar) : isScalar(value) ? [value] : [];
  if (leaves.length === 0)
    return matchers.some((matcher) => isPlainObject(matcher) && matcher.exists === false);
  return matchers.some((matcher) => leaves.some((leaf) => matchLeaf(matcher, leaf)));
}

type Scalar = string | number | boolean | null;

function matchLeaf(matcher: unknown, leaf: Scalar): boolean {
  if (isScalar(matcher)) return matcher === leaf;
  const [operator, operand] = Object.entries(matcher as Record<string, unknown>)[0]!;
  switch (operator) {
    case 'prefix':
      return typeof leaf === 'string' && leaf.startsWith(operand as string);
    case 'exists':
      return operand === true;
    case 'anything-but':
      if (isPlainObject(operand))
        return typeof leaf === 'string' && !leaf.startsWith(operand.prefix as string);
      return !(Array.isArray(operand) ? operand : [operand]).includes(leaf);
    case 'numeric':
      return typeof leaf === 'number' && compareNumeric(operand as (string | number)[], leaf);
    default:
      throw new InvalidEventPatternError(`unknown operator ${JSON.stringify(operator)}`);
  }
}

function compareNumeric(operand: (string | number)[], value: number): boolean {
  for (let index = 0; index < operand.length; index += 2) {
    const bound = operand[index + 1] as number;
    const holds = {
      '<': value < bound,
      '<=': value <= bound,
      '=': value === bound,
      '>=': value >= bound,
      '>': value > bound,
    }[operand[index] as (typeof NUMERIC_OPERATORS)[number]];
    if (!holds) return false;
  }
  return true;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(at: string, problem: string): InvalidEventPatternError {
  return new InvalidEventPatternError(`${at ? `Event pattern field ${at}` : 'An event pattern'} ${problem}`);
}
