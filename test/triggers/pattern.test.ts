import { InvalidEventPatternError, matchesPattern } from '../../local/eventbridge/pattern';

const event = {
  source: 'aws.states',
  detail: {
    name: 'orders',
    count: 5,
    published: true,
    comment: null,
    tags: ['blue', 'canary'],
    nested: { arn: 'arn:aws:iam::123456789012:role/deployer' },
    items: [
      { kind: 'a', size: 1 },
      { kind: 'b', size: 2 },
    ],
  },
};
const matches = (detail: Record<string, unknown>) =>
  matchesPattern({ source: ['aws.states'], detail }, event);

describe('event pattern matching', () => {
  it('matches exact strings, numbers, booleans and null', () => {
    expect(matches({ name: ['payments', 'orders'], count: [5], published: [true], comment: [null] })).toBe(
      true,
    );
    expect(matches({ name: ['Orders'] })).toBe(false);
    expect(matches({ count: ['5'] })).toBe(false);
    expect(matches({ published: ['true'] })).toBe(false);
  });

  it('requires every field and accepts any listed value', () => {
    expect(matches({ name: ['orders'], count: [6] })).toBe(false);
    expect(matchesPattern({ source: ['aws.cloudwatch'] }, event)).toBe(false);
  });

  it('matches prefixes of strings only', () => {
    expect(matches({ name: [{ prefix: 'ord' }] })).toBe(true);
    expect(matches({ name: [{ prefix: 'pay' }] })).toBe(false);
    expect(matches({ count: [{ prefix: '5' }] })).toBe(false);
  });

  it('matches anything but a value, a list or a prefix, and never a missing field', () => {
    expect(matches({ name: [{ 'anything-but': 'payments' }] })).toBe(true);
    expect(matches({ name: [{ 'anything-but': ['payments', 'orders'] }] })).toBe(false);
    expect(matches({ name: [{ 'anything-but': { prefix: 'ord' } }] })).toBe(false);
    expect(matches({ count: [{ 'anything-but': 4 }] })).toBe(true);
    expect(matches({ missing: [{ 'anything-but': 'x' }] })).toBe(false);
  });

  it('matches exists on leaves: objects and missing fields do not exist', () => {
    expect(matches({ name: [{ exists: true }], missing: [{ exists: false }] })).toBe(true);
    expect(matches({ comment: [{ exists: true }] })).toBe(true);
    expect(matches({ nested: [{ exists: true }] })).toBe(false);
    expect(matches({ nested: { arn: [{ exists: false }] } })).toBe(false);
    expect(matches({ missing: { arn: [{ exists: false }] } })).toBe(true);
    expect(matches({ name: [{ exists: false }] })).toBe(false);
  });

  it('matches numeric ranges', () => {
    expect(matches({ count: [{ numeric: ['>', 4, '<=', 5] }] })).toBe(true);
    expect(matches({ count: [{ numeric: ['<', 5] }] })).toBe(false);
    expect(matches({ name: [{ numeric: ['>', 0] }] })).toBe(false);
  });

  it('matches an array in the event when any element matches', () => {
    expect(matches({ tags: ['canary'] })).toBe(true);
    expect(matches({ tags: [{ 'anything-but': 'blue' }] })).toBe(true);
    expect(matches({ tags: ['green'] })).toBe(false);
    expect(matches({ items: { kind: ['b'], size: [2] } })).toBe(true);
    expect(matches({ items: { kind: ['a'], size: [2] } })).toBe(false);
  });

  it('matches $or when one branch matches, at any level', () => {
    const issuer = (matcher: unknown) => ({ nested: { arn: [matcher] } });
    expect(matches({ $or: [issuer({ 'anything-but': 'x' }), issuer({ exists: false })] })).toBe(true);
    expect(matches({ $or: [issuer('x'), { name: ['payments'] }] })).toBe(false);
    expect(matchesPattern({ $or: [{ source: ['x'] }, { detail: { name: ['orders'] } }] }, event)).toBe(true);
  });

  it.each([
    [
      { name: [{ suffix: 'ers' }] },
      'Event pattern field detail.name uses "suffix", which AWS supports but the local engine does not',
    ],
    [{ name: [{ regex: '.*' }] }, 'Event pattern field detail.name uses the unknown operator "regex"'],
    [{ name: [] }, 'Event pattern field detail.name must not be an empty list'],
    [
      { name: 'orders' },
      'Event pattern field detail.name must be an object or a list of matchers, got: "orders"',
    ],
    [{ name: [{ prefix: 'a', exists: true }] }, 'neither a value nor a single-operator object'],
    [
      { name: [{ 'anything-but': { suffix: 'x' } }] },
      'anything-but takes a value, a list of values or {"prefix": "..."}',
    ],
    [{ count: [{ numeric: ['>', '4'] }] }, 'numeric takes one or two [operator, number] pairs'],
    [
      { $or: [{ name: ['orders'] }] },
      'Event pattern field detail.$or must be a list of at least two patterns',
    ],
  ])('fails when the pattern is %j', (detail, message) => {
    expect(() => matches(detail)).toThrow(InvalidEventPatternError);
    expect(() => matches(detail)).toThrow(message);
  });
});
