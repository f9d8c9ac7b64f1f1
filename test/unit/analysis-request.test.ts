/** `analysis` in the deploy request: its fields, their errors, and the deployer's default. */
import { defaultsFromEnvironment } from '../../lambda/publish-version';
import { BUILT_IN_DEFAULTS, parseDeployRequest } from '../../lambda/shared/request';

const request = (analysis: unknown) => ({ stateMachine: 'orders', alias: 'live', analysis });
const problems = (input: unknown, defaults = BUILT_IN_DEFAULTS) => {
  try {
    parseDeployRequest(input, defaults);
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
  throw new Error('expected the request to be refused');
};

describe('analysis in the deploy request', () => {
  it('is off unless given, and {} gives the defaults', () => {
    expect(parseDeployRequest(request(undefined)).analysis).toBeUndefined();
    expect(parseDeployRequest(request({})).analysis).toEqual({
      confidence: 0.99,
      minExecutions: 0,
      maxHoldSeconds: 0,
      onInsufficientTraffic: 'rollBack',
      dryRun: false,
    });
  });

  it.each([
    [{ confidence: 1 }, 'analysis.confidence must be a number from 0.5 to 0.9999, got: 1'],
    [{ maxFailureRate: -0.1 }, 'analysis.maxFailureRate must be a number from 0 to 1, got: -0.1'],
    [{ minExecutions: 2.5 }, 'analysis.minExecutions must be an integer between 0 and 1000000, got: 2.5'],
    [
      { onInsufficientTraffic: 'wait' },
      'analysis.onInsufficientTraffic must be rollBack or promote, got: "wait"',
    ],
    [{ dryRun: 'yes' }, 'analysis.dryRun must be true or false, got: "yes"'],
    [{ confidenc: 0.9 }, 'unknown fields in analysis "confidenc": expected only confidence, maxFailureRate'],
  ])('refuses %j, naming the field', (analysis, message) => {
    expect(problems(request(analysis)).join('\n')).toContain(message);
  });

  it('refuses anything but an object or false', () => {
    expect(problems(request(true)).join('\n')).toContain('analysis must be an object or false, got: true');
  });

  it('takes the deployer’s default when the request gives none; the request’s own wins, and false turns it off', () => {
    const defaults = { ...BUILT_IN_DEFAULTS, analysis: { confidence: 0.95, minExecutions: 20 } };

    expect(parseDeployRequest(request(undefined), defaults).analysis).toMatchObject({
      confidence: 0.95,
      minExecutions: 20,
    });
    expect(parseDeployRequest(request({ dryRun: true }), defaults).analysis).toMatchObject({
      confidence: 0.99,
      dryRun: true,
    });
    expect(parseDeployRequest(request(false), defaults).analysis).toBeUndefined();
  });

  it('reads the deployer’s default from DEFAULT_ANALYSIS', () => {
    expect(defaultsFromEnvironment({ DEFAULT_ANALYSIS: '{"minExecutions":30}' }).analysis).toEqual({
      minExecutions: 30,
    });
    expect(defaultsFromEnvironment({}).analysis).toBeUndefined();
  });
});
