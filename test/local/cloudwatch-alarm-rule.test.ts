import {
  AlarmRuleSyntaxError,
  AlarmStateValue,
  evaluateAlarmRule,
  parseAlarmRule,
  referencedAlarms,
} from '../../local/cloudwatch';

const states: Record<string, AlarmStateValue> = {
  cpu: 'ALARM',
  disk: 'OK',
  'my alarm': 'INSUFFICIENT_DATA',
  'arn:aws:cloudwatch:us-east-1:123456789012:alarm:net': 'ALARM',
};
const evaluate = (rule: string): boolean => evaluateAlarmRule(parseAlarmRule(rule), (n) => states[n]);

describe('composite alarm rules', () => {
  it.each([
    ['ALARM(cpu)', true],
    ['OK(cpu)', false],
    ['ALARM("cpu")', true],
    ['INSUFFICIENT_DATA("my alarm")', true],
    ['ALARM(my alarm)', false],
    ['TRUE', true],
    ['FALSE', false],
    ['NOT FALSE', true],
    ['ALARM(cpu) AND ALARM(disk)', false],
    ['ALARM(cpu) OR ALARM(disk)', true],
    ['ALARM(cpu) AND NOT ALARM(disk)', true],
    ['(ALARM(cpu) OR ALARM(disk)) AND OK(disk)', true],
    // AND binds tighter than OR.
    ['TRUE OR FALSE AND FALSE', true],
    ['(TRUE OR FALSE) AND FALSE', false],
    ['NOT NOT TRUE', true],
    ['ALARM(arn:aws:cloudwatch:us-east-1:123456789012:alarm:net)', true],
    ['ALARM(unknown)', false],
    ['  ALARM( cpu )  AND\nOK(disk) ', true],
  ])('evaluates %s to %s', (rule, expected) => {
    expect(evaluate(rule)).toBe(expected);
  });

  it('lists each referenced alarm once, quoted or not', () => {
    expect(
      referencedAlarms(parseAlarmRule('ALARM(a) OR (OK("b c") AND NOT ALARM(a)) OR INSUFFICIENT_DATA(d)')),
    ).toEqual(['a', 'b c', 'd']);
  });

  it('does not read ORDERS as OR', () => {
    expect(() => parseAlarmRule('ALARM(a) ORDERS')).toThrow(AlarmRuleSyntaxError);
  });

  it.each([
    ['', /unexpected end/],
    ['ALARM(a', /missing '\)'/],
    ['ALARM()', /empty alarm name/],
    ['ALARM("a) ', /unterminated/],
    ['ALARM(a) AND', /unexpected end/],
    ['(ALARM(a)', /expected '\)'/],
    ['ALARM(a) ALARM(b)', /unexpected 'ALARM\(b\)'/],
    ['WARN(a)', /unknown function or keyword 'WARN'/],
    ['alarm(a)', /unknown function or keyword 'alarm'/],
  ])('fails when the rule is %j', (rule, message) => {
    expect(() => parseAlarmRule(rule)).toThrow(message);
  });
});
