import { UsageError } from '../../cli/errors';
import { buildDeployRequest, number, requestFromFlags, strategyName } from '../../cli/request';
import { InvalidDeployRequestError } from '../../lambda/shared/errors';
import { parseDeployRequest } from '../../lambda/shared/request';

const noFiles = (path: string): string => {
  throw new Error(`ENOENT: no such file or directory, open '${path}'`);
};
const files =
  (contents: Record<string, string>) =>
  (path: string): string => {
    const text = contents[path];
    if (text === undefined) return noFiles(path);
    return text;
  };

const DEFINITION = { StartAt: 'Tag', States: { Tag: { Type: 'Pass', End: true } } };

/** The problems the schema reports for `flags`; fails the test when they are valid. */
function problemsOf(flags: Parameters<typeof buildDeployRequest>[0]): string[] {
  try {
    buildDeployRequest(flags, noFiles);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDeployRequestError);
    return (error as InvalidDeployRequestError).problems;
  }
  throw new Error('expected the flags to be rejected');
}

/** The schema's own messages for a raw request, to compare the command line's against. */
function schemaProblemsOf(input: Record<string, unknown>): string[] {
  try {
    parseDeployRequest(input);
  } catch (error) {
    return (error as InvalidDeployRequestError).problems;
  }
  throw new Error('expected the request to be rejected');
}

describe('request from flags', () => {
  it('maps every sfndeploy.py flag to its request field', () => {
    // Act
    const input = requestFromFlags(
      {
        stateMachine: 'orders',
        alias: 'live',
        strategy: 'linear',
        increment: '20',
        interval: '600',
        alarms: ['MaxCPU', 'API Error Breach'],
        alarmPolling: '30',
        file: 'sample.asl.json',
        publishRevision: true,
        historyMax: '11',
        force: true,
        ignoreAlarmsAlreadyFiring: true,
        failOnInsufficientData: true,
      },
      files({ 'sample.asl.json': JSON.stringify(DEFINITION) }),
    );

    // Assert
    expect(input).toEqual({
      stateMachine: 'orders',
      alias: 'live',
      strategy: 'linear',
      increment: 20,
      intervalSeconds: 600,
      alarms: ['MaxCPU', 'API Error Breach'],
      alarmPollingSeconds: 30,
      definition: DEFINITION,
      publishRevision: true,
      historyMax: 11,
      force: true,
      ignoreAlarmsAlreadyFiring: true,
      failOnInsufficientData: true,
    });
  });

  it('passes --version on as the version to deploy', () => {
    expect(requestFromFlags({ stateMachine: 'orders', alias: 'live', version: '7' }, noFiles)).toEqual({
      stateMachine: 'orders',
      alias: 'live',
      version: '7',
    });
  });

  it('leaves out the flags not given, so the deployer applies its own defaults', () => {
    expect(requestFromFlags({ stateMachine: 'orders', alias: 'live' }, noFiles)).toEqual({
      stateMachine: 'orders',
      alias: 'live',
    });
  });

  it('validates to the built-in defaults when only the target and alias are given', () => {
    const { request } = buildDeployRequest({ stateMachine: 'orders', alias: 'live' }, noFiles);

    expect(request).toEqual({
      stateMachine: 'orders',
      alias: 'live',
      strategy: 'allAtOnce',
      increment: 5,
      intervalSeconds: 120,
      alarms: [],
      alarmPollingSeconds: 60,
      publishRevision: false,
      historyMax: 0,
      force: false,
      ignoreAlarmsAlreadyFiring: false,
      failOnInsufficientData: false,
    });
  });

  it('sends publishRevision false and force false for --no-publish-revision and --no-force', () => {
    const input = requestFromFlags(
      { stateMachine: 'orders', alias: 'live', publishRevision: false, force: false },
      noFiles,
    );

    expect(input).toMatchObject({ publishRevision: false, force: false });
  });

  it.each([
    ['allatonce', 'allAtOnce'],
    ['allAtOnce', 'allAtOnce'],
    ['AllAtOnce', 'allAtOnce'],
    ['canary', 'canary'],
    ['LINEAR', 'linear'],
    ['blue-green', 'blue-green'],
    ['Canary10Percent5Minutes', 'Canary10Percent5Minutes'],
    ['CodeDeployDefault.LambdaAllAtOnce', 'CodeDeployDefault.LambdaAllAtOnce'],
  ])('reads --strategy %s as %s', (given, expected) => {
    expect(strategyName(given)).toBe(expected);
  });

  it('reads --steps as a JSON list of steps', () => {
    const { request } = buildDeployRequest(
      { stateMachine: 'orders', alias: 'live', steps: '[{"weight":10,"holdSeconds":300},{"pause":true}]' },
      noFiles,
    );

    expect(request.steps).toEqual([{ weight: 10, holdSeconds: 300 }, { pause: true }]);
    expect(request.strategy).toBeUndefined();
  });

  it('fails with a usage error when --steps is not JSON', () => {
    expect(() => requestFromFlags({ steps: '[{weight:10}]' }, noFiles)).toThrow(UsageError);
    expect(() => requestFromFlags({ steps: '[{weight:10}]' }, noFiles)).toThrow('--steps must be JSON');
  });

  it("deploys CodeDeploy's AllAtOnce when written as CodeDeploy spells it", () => {
    const { request } = buildDeployRequest(
      { stateMachine: 'orders', alias: 'live', strategy: 'CodeDeployDefault.LambdaAllAtOnce' },
      noFiles,
    );

    expect(request).toMatchObject({ strategy: 'AllAtOnce' });
    expect(request.intervalSeconds).toBeUndefined();
  });

  describe('--request', () => {
    const requestFile = JSON.stringify({
      stateMachine: 'orders',
      alias: 'live',
      strategy: 'canary',
      increment: 10,
      alarms: ['a'],
    });

    it('reads a whole request from a file', () => {
      const input = requestFromFlags({ request: 'req.json' }, files({ 'req.json': requestFile }));

      expect(input).toEqual({
        stateMachine: 'orders',
        alias: 'live',
        strategy: 'canary',
        increment: 10,
        alarms: ['a'],
      });
    });

    it('lets the flags given override its fields', () => {
      const input = requestFromFlags(
        { request: 'req.json', increment: '30', alarms: ['b', 'c'], alias: 'beta' },
        files({ 'req.json': requestFile }),
      );

      expect(input).toEqual({
        stateMachine: 'orders',
        alias: 'beta',
        strategy: 'canary',
        increment: 30,
        alarms: ['b', 'c'],
      });
    });

    it('fails when the file is not a JSON object, naming the file', () => {
      expect(() => requestFromFlags({ request: 'req.json' }, files({ 'req.json': '[1, 2]' }))).toThrow(
        new UsageError('--request req.json must hold a JSON object (a deploy request), got: [1,2]'),
      );
    });

    it('fails when the file cannot be read, naming the file', () => {
      expect(() => requestFromFlags({ request: 'missing.json' }, noFiles)).toThrow(
        /^--request missing.json cannot be read: ENOENT/,
      );
    });

    it('fails on unknown fields in the file with the schema message', () => {
      const raw = { stateMachine: 'orders', alias: 'live', intervalSecs: 5 };
      let problems: string[] = [];
      try {
        buildDeployRequest({ request: 'req.json' }, files({ 'req.json': JSON.stringify(raw) }));
      } catch (error) {
        problems = (error as InvalidDeployRequestError).problems;
      }

      expect(problems).toEqual(schemaProblemsOf(raw));
      expect(problems[0]).toMatch(/^unknown fields "intervalSecs"/);
    });
  });

  describe('--file', () => {
    it('reads and parses the definition', () => {
      const { request } = buildDeployRequest(
        { stateMachine: 'orders', alias: 'live', file: 'sample.asl.json', publishRevision: true },
        files({ 'sample.asl.json': JSON.stringify(DEFINITION) }),
      );

      expect(request.definition).toEqual(DEFINITION);
    });

    it('fails when the definition is not valid JSON, naming the file', () => {
      const read = files({ 'sample.asl.json': '{ "StartAt": "Tag", ' });

      expect(() =>
        buildDeployRequest({ stateMachine: 'orders', alias: 'live', file: 'sample.asl.json' }, read),
      ).toThrow(/^--file sample\.asl\.json is not valid JSON: /);
    });

    it('fails when the definition file does not exist, naming the file', () => {
      expect(() =>
        buildDeployRequest({ stateMachine: 'orders', alias: 'live', file: 'nope.json' }, noFiles),
      ).toThrow(/^--file nope\.json cannot be read: ENOENT/);
    });

    it('fails with the schema message when the JSON is not a state machine definition', () => {
      const read = files({ 'sample.asl.json': '{"Comment": "no states"}' });
      let problems: string[] = [];
      try {
        buildDeployRequest({ stateMachine: 'orders', alias: 'live', file: 'sample.asl.json' }, read);
      } catch (error) {
        problems = (error as InvalidDeployRequestError).problems;
      }

      expect(problems).toEqual([
        'definition must be an Amazon States Language object with StartAt and States',
      ]);
    });
  });

  describe('numbers', () => {
    it.each([
      ['20', 20],
      [' 20 ', 20],
      ['1.5', 1.5],
      ['-3', -3],
      ['abc', 'abc'],
      ['10s', '10s'],
      ['', ''],
      ['0x10', '0x10'],
    ])('reads %j strictly as %j', (given, expected) => {
      expect(number(given)).toBe(expected);
    });

    it.each([
      [{ increment: 'abc' }, { increment: 'abc' }],
      [{ increment: '0' }, { increment: 0 }],
      [{ increment: '10s' }, { increment: '10s' }],
      [{ interval: '1.5' }, { intervalSeconds: 1.5 }],
      [{ interval: 'ten' }, { intervalSeconds: 'ten' }],
      [{ alarmPolling: '0' }, { alarmPollingSeconds: 0 }],
      [{ historyMax: '1' }, { historyMax: 1 }],
      [{ historyMax: 'many' }, { historyMax: 'many' }],
    ])('fails on %j with the message the schema gives for %j', (flags, field) => {
      const target = { stateMachine: 'orders', alias: 'live' };

      expect(problemsOf({ ...target, ...flags })).toEqual(schemaProblemsOf({ ...target, ...field }));
    });

    it('fails on --increment abc with the schema message for increment', () => {
      expect(problemsOf({ stateMachine: 'orders', alias: 'live', increment: 'abc' })).toEqual([
        'increment must be an integer between 1 and 100, got: "abc"',
      ]);
    });
  });

  it('fails with every problem at once', () => {
    const problems = problemsOf({
      stateMachine: 'not a name',
      alias: 'live',
      strategy: 'bluegreen',
      alarms: ['x', 'x'],
    });

    expect(problems).toEqual([
      'stateMachine must be a state machine name (1-80 characters with no white space, no control characters and none of < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /) or an unqualified state machine ARN, got: "not a name"',
      `strategy must be one of canary, linear, allAtOnce or CodeDeploy's Canary10Percent5Minutes, Canary10Percent10Minutes, Canary10Percent15Minutes, Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes, Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes, AllAtOnce (also written CodeDeployDefault.Lambda<name>), got: "bluegreen"`,
      'alarms must not name an alarm twice, got: ["x","x"]',
    ]);
  });
});
