import { selectPath, targetInput } from '../../local/eventbridge/input';

const rule = {
  ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/r',
  ruleName: 'r',
  ingestionTime: '2026-11-20T10:00:00Z',
};
const event = {
  id: 'e1',
  detail: { instance: 'i-1', state: 'RUNNING', size: 3, list: ['a', 'b'], 'with-dash': { x: 1 } },
};

describe('target input', () => {
  it('sends the whole event when the target sets no input', () => {
    expect(JSON.parse(targetInput({}, event, rule))).toEqual(event);
  });

  it('sends the constant Input as it is', () => {
    expect(targetInput({ Input: '{"a":1}' }, event, rule)).toBe('{"a":1}');
  });

  it('sends the part of the event at InputPath', () => {
    expect(targetInput({ InputPath: '$.detail.list' }, event, rule)).toBe('["a","b"]');
  });

  it('fills a JSON template: values as JSON outside strings, bare text inside them', () => {
    const output = targetInput(
      {
        InputTransformer: {
          InputPathsMap: {
            instance: '$.detail.instance',
            state: '$.detail.state',
            size: '$.detail.size',
            first: '$.detail.list[0]',
          },
          InputTemplate:
            '{"instance":<instance>,"size":<size>,"status":"<instance> is \\"<state>\\"","rule":<aws.events.rule-name>,"first":<first>}',
        },
      },
      event,
      rule,
    );
    expect(JSON.parse(output)).toEqual({
      instance: 'i-1',
      size: 3,
      status: 'i-1 is "RUNNING"',
      rule: 'r',
      first: 'a',
    });
  });

  it('gives null for a path the event lacks', () => {
    const output = targetInput(
      { InputTransformer: { InputPathsMap: { v: '$.detail.none' }, InputTemplate: '{"v":<v>,"s":"<v>"}' } },
      event,
      rule,
    );
    expect(JSON.parse(output)).toEqual({ v: null, s: '' });
  });

  it('leaves text that is not a variable alone', () => {
    const output = targetInput(
      { InputTransformer: { InputPathsMap: {}, InputTemplate: '"a <b> c"' } },
      event,
      rule,
    );
    expect(output).toBe('"a <b> c"');
  });

  it('selects dashed names and indexes, and fails on other JSONPath', () => {
    expect(selectPath(event, '$.detail.with-dash.x')).toBe(1);
    expect(selectPath(event, '$')).toBe(event);
    expect(() => selectPath(event, '$..x')).toThrow('Unsupported JSONPath in an input transformer: $..x');
  });
});
