import { InvalidDeployRequestError } from '../../lambda/shared/errors';
import {
  BUILT_IN_DEFAULTS,
  definitionString,
  KNOWN_FIELDS,
  parseDeployRequest,
  requestFieldsSchema,
} from '../../lambda/shared/request';
import { DEFINITION_MAX_BYTES, jsonBytes, STATE_MAX_BYTES } from '../../lambda/shared/limits';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { STATE_MACHINE_ARN } from './fixtures';

const minimal = { stateMachine: 'orders', alias: 'live' };

/** The InvalidDeployRequest error parsing `input` throws; fails the test when it parses. */
function rejectionOf(input: unknown): InvalidDeployRequestError {
  try {
    parseDeployRequest(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDeployRequestError);
    return error as InvalidDeployRequestError;
  }
  throw new Error(`expected the request to be rejected: ${JSON.stringify(input)}`);
}

describe('parseDeployRequest', () => {
  describe('defaults', () => {
    it('applies the built-in defaults to a request that names only the target and the alias', () => {
      // Act
      const request = parseDeployRequest(minimal);

      // Assert
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

    it('applies the defaults a deployer was configured with', () => {
      const request = parseDeployRequest(minimal, {
        strategy: 'canary',
        increment: 10,
        intervalSeconds: 600,
        alarmPollingSeconds: 30,
      });

      expect(request).toMatchObject({
        strategy: 'canary',
        increment: 10,
        intervalSeconds: 600,
        alarmPollingSeconds: 30,
      });
    });

    it('prefers the fields the request gives over the configured defaults', () => {
      const request = parseDeployRequest(
        { ...minimal, strategy: 'linear', increment: 25 },
        { ...BUILT_IN_DEFAULTS, strategy: 'canary' },
      );

      expect(request).toMatchObject({ strategy: 'linear', increment: 25 });
    });
  });

  describe('increment', () => {
    it.each([0, 101, -1, 500, 1.5, '5'])(
      'fails when increment is %j, naming the field and the value',
      (increment) => {
        const error = rejectionOf({ ...minimal, strategy: 'linear', increment });

        expect(error.name).toBe('InvalidDeployRequest');
        expect(error.message).toContain('increment must be an integer between 1 and 100');
        expect(error.message).toContain(`got: ${JSON.stringify(increment)}`);
      },
    );

    it.each([1, 50, 100])('accepts increment %d', (increment) => {
      expect(parseDeployRequest({ ...minimal, increment }).increment).toBe(increment);
    });
  });

  describe('historyMax', () => {
    it('fails when historyMax is 1, since no version to roll back to would be kept', () => {
      const error = rejectionOf({ ...minimal, historyMax: 1 });

      expect(error.problems).toEqual([expect.stringMatching(/^historyMax must be 0 .* at least 2.*got: 1$/)]);
    });

    it('fails when historyMax is above the 1000-version quota', () => {
      expect(rejectionOf({ ...minimal, historyMax: 1001 }).message).toContain(
        'historyMax must be 0 (never prune) or between 2 and 1000, got: 1001',
      );
    });

    it.each([0, 2, 1000])('accepts historyMax %d', (historyMax) => {
      expect(parseDeployRequest({ ...minimal, historyMax }).historyMax).toBe(historyMax);
    });
  });

  describe('alarms', () => {
    it('fails when more than 100 alarms are named', () => {
      const alarms = Array.from({ length: 101 }, (_, index) => `orders-alarm-${index}`);

      expect(rejectionOf({ ...minimal, alarms }).message).toContain(
        'alarms must name at most 100 alarms, got: 101',
      );
    });

    it('accepts exactly 100 alarms', () => {
      const alarms = Array.from({ length: 100 }, (_, index) => `orders-alarm-${index}`);

      expect(parseDeployRequest({ ...minimal, alarms }).alarms).toHaveLength(100);
    });

    it('fails when an alarm is named twice', () => {
      const error = rejectionOf({
        ...minimal,
        alarms: ['orders-failures', 'orders-latency', 'orders-failures'],
      });

      expect(error.message).toContain('alarms must not name an alarm twice');
      expect(error.message).toContain('"orders-failures"');
    });

    it('fails when alarms is not a list', () => {
      expect(rejectionOf({ ...minimal, alarms: 'orders-failures' }).message).toContain(
        'alarms must be a list of alarm names, got: "orders-failures"',
      );
    });
  });

  describe('version', () => {
    it.each([
      [{ version: 7, publishRevision: true }],
      [{ version: 7, definition: { StartAt: 'Pass', States: { Pass: { Type: 'Pass', End: true } } } }],
    ])('fails when version is combined with a version to publish: %j', (fields) => {
      const error = rejectionOf({ ...minimal, ...fields });

      expect(error.message).toContain('version cannot be combined with definition or publishRevision');
    });

    it.each([7, '7', `${STATE_MACHINE_ARN}:7`])('accepts version %j', (version) => {
      expect(parseDeployRequest({ ...minimal, version }).version).toBe(version);
    });

    it.each([0, -3, 'seven', `${STATE_MACHINE_ARN}:live`])(
      'fails when version is %j, naming the value',
      (version) => {
        const error = rejectionOf({ ...minimal, version });

        expect(error.message).toContain('version must be a version number or a version ARN');
        expect(error.message).toContain(`got: ${JSON.stringify(version)}`);
      },
    );

    it('fails when the version ARN belongs to another state machine than the ARN given', () => {
      const other = 'arn:aws:states:us-east-1:123456789012:stateMachine:payments:3';

      const error = rejectionOf({ ...minimal, stateMachine: STATE_MACHINE_ARN, version: other });

      expect(error.message).toContain(`version must be a version of ${STATE_MACHINE_ARN}, got: "${other}"`);
    });
  });

  describe('alias', () => {
    it.each(['123', 'INVALID ALIAS', '!x', 'ALIAS@', '', 'a'.repeat(81)])(
      'fails when the alias is %j',
      (alias) => {
        const error = rejectionOf({ ...minimal, alias });

        expect(error.message).toContain('alias must be 1-80 letters, digits, _, - or . and not only digits');
        expect(error.message).toContain(`got: ${JSON.stringify(alias)}`);
      },
    );

    it.each(['live', 'prod-2', 'v1.2_beta', '1a'])('accepts the alias %j', (alias) => {
      expect(parseDeployRequest({ ...minimal, alias }).alias).toBe(alias);
    });
  });

  describe('stateMachine', () => {
    it('accepts a name', () => {
      expect(parseDeployRequest(minimal).stateMachine).toBe('orders');
    });

    it('accepts an unqualified ARN, in any partition', () => {
      const china = 'arn:aws-cn:states:cn-north-1:123456789012:stateMachine:orders';

      expect(parseDeployRequest({ ...minimal, stateMachine: STATE_MACHINE_ARN }).stateMachine).toBe(
        STATE_MACHINE_ARN,
      );
      expect(parseDeployRequest({ ...minimal, stateMachine: china }).stateMachine).toBe(china);
    });

    it('fails when the ARN is qualified with a version', () => {
      const error = rejectionOf({ ...minimal, stateMachine: `${STATE_MACHINE_ARN}:3` });

      expect(error.message).toContain('stateMachine must be a state machine name');
      expect(error.message).toContain(`got: "${STATE_MACHINE_ARN}:3"`);
    });

    it('fails when the ARN is qualified with an alias', () => {
      expect(rejectionOf({ ...minimal, stateMachine: `${STATE_MACHINE_ARN}:live` }).message).toContain(
        'an unqualified state machine ARN',
      );
    });

    // The rule is AWS's (CreateStateMachine `name`): a set of forbidden characters, not an allow-list.
    it.each(['orders.v2', 'orders@eu', 'Bestellungen-ä', "o'brien+1", 'x'.repeat(80)])(
      'accepts the name %j, as AWS does',
      (name) => {
        expect(parseDeployRequest({ ...minimal, stateMachine: name }).stateMachine).toBe(name);
        const arn = `arn:aws:states:us-east-1:123456789012:stateMachine:${name}`;
        expect(parseDeployRequest({ ...minimal, stateMachine: arn, version: `${arn}:2` }).version).toBe(
          `${arn}:2`,
        );
      },
    );

    it.each([
      'orders v2',
      'orders:v2',
      'orders/v2',
      'or*ders',
      'orders[1]',
      'tab\there',
      'bell\u0007',
      'x'.repeat(81),
      '',
    ])('fails for the name %j, stating the rule', (name) => {
      const error = rejectionOf({ ...minimal, stateMachine: name });
      expect(error.message).toContain(
        '1-80 characters with no white space, no control characters and none of',
      );
      expect(error.message).toContain(`got: ${JSON.stringify(name)}`);
    });

    it('fails when it is missing, saying nothing was given', () => {
      expect(rejectionOf({ alias: 'live' }).message).toContain(
        'stateMachine must be a state machine name or ARN, got: nothing',
      );
    });
  });

  describe('definition', () => {
    const definition = { StartAt: 'Pass', States: { Pass: { Type: 'Pass', End: true } } };

    it('accepts a definition of up to 200 KiB inline, and refuses a larger one saying how to deploy it', () => {
      const sized = (bytes: number) => {
        const base = JSON.stringify({
          StartAt: 'Pass',
          States: { Pass: { Type: 'Pass', End: true, Comment: '' } },
        });
        return base.replace('"Comment":""', `"Comment":"${'c'.repeat(bytes - base.length)}"`);
      };

      expect(
        parseDeployRequest({ ...minimal, definition: sized(DEFINITION_MAX_BYTES) }).definition,
      ).toHaveLength(DEFINITION_MAX_BYTES);
      const error = rejectionOf({ ...minimal, definition: sized(DEFINITION_MAX_BYTES + 1) });
      expect(error.message).toContain(
        `definition must be at most ${DEFINITION_MAX_BYTES} bytes of JSON inline (the request travels in the execution's input, capped at 256 KiB), got: ${DEFINITION_MAX_BYTES + 1} bytes`,
      );
      expect(error.message).toContain('deploy it with publishRevision');
    });

    it('leaves room in the 256 KiB execution input for the rest of the largest valid request', () => {
      const largest = {
        ...minimal,
        stateMachine: 'arn:aws:states:us-east-1:123456789012:stateMachine:' + 'o'.repeat(80),
        alias: 'a'.repeat(80),
        alarms: Array.from(
          { length: 100 },
          (_, index) => `${String(index).padStart(3, '0')}${'x'.repeat(252)}`,
        ),
        definition: JSON.stringify({
          StartAt: 'P',
          States: { P: { Type: 'Pass', End: true, Comment: 'c'.repeat(DEFINITION_MAX_BYTES - 70) } },
        }),
      };

      // The first Lambda's payload wraps the request with the time, the execution ARN and the retry count.
      const payload = {
        request: largest,
        now: '2026-03-02T10:00:00.000Z',
        executionArn: 'e'.repeat(300),
        retries: 10,
      };
      expect(jsonBytes(payload)).toBeLessThan(STATE_MAX_BYTES);
      expect(parseDeployRequest(largest).alarms).toHaveLength(100);
    });

    it('accepts a definition as an object or as a JSON string', () => {
      expect(parseDeployRequest({ ...minimal, definition }).definition).toEqual(definition);
      expect(parseDeployRequest({ ...minimal, definition: JSON.stringify(definition) }).definition).toBe(
        JSON.stringify(definition),
      );
    });

    it('fails when the definition has no States', () => {
      expect(rejectionOf({ ...minimal, definition: { StartAt: 'Pass' } }).message).toContain(
        'definition must be an Amazon States Language object with StartAt and States',
      );
    });

    it('fails when the definition is a string that is not JSON', () => {
      expect(rejectionOf({ ...minimal, definition: 'StartAt: Pass' }).message).toContain(
        'definition must be an Amazon States Language object',
      );
    });

    it('passes a string definition through and serializes an object one', () => {
      expect(definitionString('{"StartAt":"A"}')).toBe('{"StartAt":"A"}');
      expect(definitionString(definition)).toBe(JSON.stringify(definition));
    });
  });

  describe('plan length', () => {
    it('fails when the plan holds for longer than a year', () => {
      // 100 steps of 4.6 days each.
      const error = rejectionOf({ ...minimal, strategy: 'linear', increment: 1, intervalSeconds: 400_000 });

      expect(error.message).toContain('the plan holds for 462d 23h 6m 40s in total');
      expect(error.message).toContain('must finish within 364d');
    });

    it('accepts a plan that ends within the limit', () => {
      expect(
        parseDeployRequest({ ...minimal, strategy: 'linear', increment: 1, intervalSeconds: 300_000 })
          .intervalSeconds,
      ).toBe(300_000);
    });

    it.each([0, -1])('fails when a linear increment is %d instead of looping on its plan', (increment) => {
      const error = rejectionOf({ ...minimal, strategy: 'linear', increment });

      expect(error.problems).toEqual([`increment must be an integer between 1 and 100, got: ${increment}`]);
    });
  });

  describe('steps', () => {
    const example = [
      { weight: 1, holdSeconds: 600 },
      { weight: 10, holdSeconds: 1800 },
      { pause: true },
      { weight: 50, holdSeconds: 3600 },
    ];

    it('takes custom steps instead of a strategy, filling no strategy, increment or interval', () => {
      // Act
      const request = parseDeployRequest({ ...minimal, steps: example });

      // Assert
      expect(request.steps).toEqual(example);
      expect(request).not.toHaveProperty('strategy');
      expect(request).not.toHaveProperty('increment');
      expect(request).not.toHaveProperty('intervalSeconds');
    });

    it('ignores the configured default strategy, increment and interval for a request with steps', () => {
      const request = parseDeployRequest(
        { ...minimal, steps: example },
        { strategy: 'Canary10Percent5Minutes', increment: 10, intervalSeconds: 600, alarmPollingSeconds: 30 },
      );

      expect(request).toMatchObject({ steps: example, alarmPollingSeconds: 30 });
      expect(request.strategy).toBeUndefined();
    });

    it('makes a timed pause roll back unless it says continue, and reads its own output back', () => {
      const request = parseDeployRequest({
        ...minimal,
        steps: [
          { pause: true, timeoutSeconds: 60 },
          { pause: true, timeoutSeconds: 5, onTimeout: 'continue' },
        ],
      });

      expect(request.steps).toEqual([
        { pause: true, timeoutSeconds: 60, onTimeout: 'rollBack' },
        { pause: true, timeoutSeconds: 5, onTimeout: 'continue' },
      ]);
      expect(parseDeployRequest(request)).toEqual(request);
    });

    it('accepts two pauses in a row, a first pause and a last step of 100% with a hold', () => {
      const steps = [{ pause: true }, { pause: true }, { weight: 100, holdSeconds: 600 }];

      expect(parseDeployRequest({ ...minimal, steps }).steps).toEqual(steps);
    });

    it('accepts 50 steps', () => {
      const steps = Array.from({ length: 50 }, (_, index) => ({ weight: index + 1, holdSeconds: 0 }));

      expect(parseDeployRequest({ ...minimal, steps }).steps).toHaveLength(50);
    });

    it.each<[string, unknown, string]>([
      ['empty', [], 'steps must list at least one step, got: []'],
      [
        'longer than 50 steps',
        Array.from({ length: 51 }, (_, index) => ({ weight: index + 1, holdSeconds: 0 })),
        'steps must list at most 50 steps, got: 51',
      ],
      ['not a list', { weight: 10 }, 'steps must be a list of steps, each a weight step'],
      [
        'a step that is not an object',
        [{ weight: 10, holdSeconds: 0 }, 'pause'],
        'steps[1] must be a weight step',
      ],
      [
        'a weight of 0',
        [{ weight: 0, holdSeconds: 60 }],
        'steps[0].weight must be an integer between 1 and 100, got: 0',
      ],
      [
        'a weight over 100',
        [{ weight: 101, holdSeconds: 60 }],
        'steps[0].weight must be an integer between 1 and 100, got: 101',
      ],
      [
        'a fractional weight',
        [
          { weight: 10, holdSeconds: 60 },
          { weight: 12.5, holdSeconds: 60 },
        ],
        'steps[1].weight must be an integer between 1 and 100, got: 12.5',
      ],
      [
        'a missing weight',
        [{ holdSeconds: 60 }],
        'steps[0].weight must be an integer between 1 and 100, got: nothing',
      ],
      [
        'a weight that repeats the one before',
        [{ weight: 10, holdSeconds: 60 }, { pause: true }, { weight: 10, holdSeconds: 60 }],
        'steps[2].weight must be above steps[0].weight (10): weights rise strictly, got: 10',
      ],
      [
        'a weight below the one before',
        [
          { weight: 20, holdSeconds: 60 },
          { weight: 5, holdSeconds: 60 },
        ],
        'steps[1].weight must be above steps[0].weight (20): weights rise strictly, got: 5',
      ],
      [
        'a negative hold',
        [{ weight: 10, holdSeconds: -1 }],
        'steps[0].holdSeconds must be an integer between 0 and 31536000, got: -1',
      ],
      [
        'a missing hold',
        [{ weight: 10 }],
        'steps[0].holdSeconds must be an integer between 0 and 31536000, got: nothing',
      ],
      [
        'a hold given as a string',
        [{ weight: 10, holdSeconds: '60' }],
        'steps[0].holdSeconds must be an integer between 0 and 31536000, got: "60"',
      ],
      ['pause: false', [{ pause: false }], 'steps[0].pause must be true, got: false'],
      [
        'a pause timeout of 0',
        [{ pause: true, timeoutSeconds: 0 }],
        'steps[0].timeoutSeconds must be an integer between 1 and 31536000, got: 0',
      ],
      [
        'an unknown onTimeout',
        [{ pause: true, timeoutSeconds: 60, onTimeout: 'fail' }],
        'steps[0].onTimeout must be rollBack or continue, got: "fail"',
      ],
      [
        'onTimeout without timeoutSeconds',
        [
          { weight: 10, holdSeconds: 0 },
          { pause: true, onTimeout: 'continue' },
        ],
        'steps[1].onTimeout needs steps[1].timeoutSeconds: a pause without a timeout waits for resume, promote or abort, got: "continue"',
      ],
      [
        'a pause after the final 100%',
        [{ weight: 100, holdSeconds: 60 }, { pause: true }],
        'steps[1] must not pause after the final 100% (steps[0]): nothing is left to gate, got: {"pause":true}',
      ],
      [
        'a weight step with an unknown field',
        [{ weight: 10, holdSeconds: 0, hold: 5 }],
        'steps[0] has unknown fields "hold": a weight step has only weight, holdSeconds',
      ],
      [
        'a step that is both a weight and a pause',
        [{ weight: 10, holdSeconds: 0, pause: true }],
        'steps[0] has unknown fields "weight", "holdSeconds": a pause step has only pause, timeoutSeconds, onTimeout',
      ],
    ])('fails when steps are %s, naming the step', (_case, steps, message) => {
      const error = rejectionOf({ ...minimal, steps });

      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toContain(message);
    });

    it('names every bad step at once', () => {
      const error = rejectionOf({
        ...minimal,
        steps: [{ weight: 10, holdSeconds: -5 }, { weight: 5, holdSeconds: 0 }, { pause: 'yes' }],
      });

      expect(error.problems).toEqual([
        'steps[0].holdSeconds must be an integer between 0 and 31536000, got: -5',
        'steps[1].weight must be above steps[0].weight (10): weights rise strictly, got: 5',
        'steps[2].pause must be true, got: "yes"',
      ]);
    });

    it('fails when the holds and pause timeouts add up to more than the deployment limit', () => {
      const error = rejectionOf({
        ...minimal,
        steps: [
          { weight: 10, holdSeconds: 200 * 86_400 },
          { pause: true, timeoutSeconds: 100 * 86_400 },
          { weight: 50, holdSeconds: 100 * 86_400 },
        ],
      });

      expect(error.problems).toEqual([
        'steps: the plan holds for 400d in total but a deployment must finish within 364d ' +
          '(the one-year execution limit, less a day): use shorter holds or pause timeouts',
      ]);
    });

    it('accepts holds and pause timeouts that end within the limit, not counting pauses without one', () => {
      const steps = [
        { weight: 10, holdSeconds: 200 * 86_400 },
        { pause: true },
        { pause: true, timeoutSeconds: 164 * 86_400 },
      ];

      expect(parseDeployRequest({ ...minimal, steps }).steps).toHaveLength(3);
    });

    it.each<[Record<string, unknown>, string]>([
      [{ strategy: 'linear' }, 'strategy'],
      [{ increment: 10 }, 'increment'],
      [{ intervalSeconds: 60 }, 'intervalSeconds'],
      [{ strategy: 'canary', increment: 10, intervalSeconds: 60 }, 'strategy, increment and intervalSeconds'],
    ])('fails when steps come with %j', (shaping, named) => {
      const error = rejectionOf({ ...minimal, steps: example, ...shaping });

      expect(error.problems).toEqual([
        `steps cannot be combined with ${named}: give either steps or strategy (with its increment and intervalSeconds)`,
      ]);
    });
    const examples = path.resolve(__dirname, '..', '..', 'examples', 'requests');
    it.each(fs.readdirSync(examples).filter((name) => name.endsWith('.json')))(
      'parses the example request %s',
      (name) => {
        expect(() =>
          parseDeployRequest(JSON.parse(fs.readFileSync(path.join(examples, name), 'utf8'))),
        ).not.toThrow();
      },
    );
  });

  describe("CodeDeploy's named configurations", () => {
    it.each([
      'Canary10Percent5Minutes',
      'Canary10Percent10Minutes',
      'Canary10Percent15Minutes',
      'Canary10Percent30Minutes',
      'Linear10PercentEvery1Minute',
      'Linear10PercentEvery2Minutes',
      'Linear10PercentEvery3Minutes',
      'Linear10PercentEvery10Minutes',
      'AllAtOnce',
    ])("takes strategy %s, and CodeDeploy's own spelling of it, without increment or interval", (name) => {
      const request = parseDeployRequest({ ...minimal, strategy: name });
      const prefixed = parseDeployRequest({ ...minimal, strategy: `CodeDeployDefault.Lambda${name}` });

      expect(request.strategy).toBe(name);
      expect(prefixed).toEqual(request);
      expect(request).not.toHaveProperty('increment');
      expect(request).not.toHaveProperty('intervalSeconds');
    });

    it("keeps allAtOnce, with its watched interval, apart from CodeDeploy's AllAtOnce", () => {
      expect(parseDeployRequest({ ...minimal, strategy: 'allAtOnce' })).toMatchObject({
        strategy: 'allAtOnce',
        intervalSeconds: 120,
      });
      expect(parseDeployRequest({ ...minimal, strategy: 'AllAtOnce' }).intervalSeconds).toBeUndefined();
    });

    it.each(['increment', 'intervalSeconds'])('fails when %s comes with a named configuration', (field) => {
      const error = rejectionOf({ ...minimal, strategy: 'Linear10PercentEvery1Minute', [field]: 30 });

      expect(error.problems).toEqual([
        `${field} cannot be combined with strategy Linear10PercentEvery1Minute: a named configuration has its own ` +
          'steps; use canary or linear with increment and intervalSeconds, or give steps',
      ]);
    });

    it('fails when increment comes with a named configuration configured as the default', () => {
      let problems: string[] = [];
      try {
        parseDeployRequest(
          { ...minimal, increment: 30 },
          { ...BUILT_IN_DEFAULTS, strategy: 'Canary10Percent30Minutes' },
        );
      } catch (thrown) {
        problems = (thrown as InvalidDeployRequestError).problems;
      }

      expect(problems).toEqual([
        'increment cannot be combined with the default strategy Canary10Percent30Minutes: a named configuration ' +
          'has its own steps; use canary or linear with increment and intervalSeconds, or give steps',
      ]);
    });

    it('uses a named configuration configured as the default, taking no increment or interval', () => {
      const request = parseDeployRequest(minimal, {
        ...BUILT_IN_DEFAULTS,
        strategy: 'Canary10Percent30Minutes',
      });

      expect(request.strategy).toBe('Canary10Percent30Minutes');
      expect(request.increment).toBeUndefined();
    });

    it.each([
      'canary10percent5minutes',
      'CodeDeployDefault.Canary10Percent5Minutes',
      'Canary10Percent6Minutes',
    ])('fails on %s, listing the strategies', (strategy) => {
      expect(rejectionOf({ ...minimal, strategy }).problems[0]).toContain(
        `strategy must be one of canary, linear, allAtOnce or CodeDeploy's Canary10Percent5Minutes,`,
      );
    });
  });

  describe('unknown fields', () => {
    it('fails when the request has fields it does not know, naming them and the known ones', () => {
      const error = rejectionOf({ ...minimal, interval: 300, alarm: 'orders-failures' });

      expect(error.message).toContain('unknown fields "interval", "alarm"');
      expect(error.message).toContain(`expected only ${KNOWN_FIELDS.join(', ')}`);
    });

    it('lists exactly the fields of the schema as known fields', () => {
      expect([...KNOWN_FIELDS].sort()).toEqual(Object.keys(requestFieldsSchema().shape).sort());
    });
  });

  it('fails when the request is not an object', () => {
    expect(rejectionOf(null).message).toContain('the deploy request must be a JSON object, got: null');
    expect(rejectionOf('orders').message).toContain(
      'the deploy request must be a JSON object, got: "orders"',
    );
  });

  it('reports every bad field at once', () => {
    // Arrange
    const input = {
      alias: 'INVALID ALIAS',
      strategy: 'blue',
      increment: 0,
      force: 'yes',
      alarmPollingSeconds: 0,
    };

    // Act
    const error = rejectionOf(input);

    // Assert
    expect(error.problems).toEqual([
      'stateMachine must be a state machine name or ARN, got: nothing',
      'alias must be 1-80 letters, digits, _, - or . and not only digits, got: "INVALID ALIAS"',
      `strategy must be one of canary, linear, allAtOnce or CodeDeploy's Canary10Percent5Minutes, Canary10Percent10Minutes, Canary10Percent15Minutes, Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes, Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes, AllAtOnce (also written CodeDeployDefault.Lambda<name>), got: "blue"`,
      'increment must be an integer between 1 and 100, got: 0',
      'alarmPollingSeconds must be an integer between 1 and 31536000, got: 0',
      'force must be true or false, got: "yes"',
    ]);
    expect(error.message).toBe(`Invalid deploy request: ${error.problems.join('; ')}`);
  });
});

describe('preTraffic and postTraffic', () => {
  const test = {
    name: 'rejects type B',
    input: { type: 'B' },
    expect: { status: 'FAILED', error: 'Invalid' },
  };

  it('takes tests with a default timeout of 300 s, and a hook', () => {
    const request = parseDeployRequest({
      ...minimal,
      preTraffic: { tests: [test] },
      postTraffic: { hook: `${STATE_MACHINE_ARN}-smoke`, timeoutSeconds: 600 },
    });

    expect(request.preTraffic).toEqual({ tests: [test], timeoutSeconds: 300 });
    expect(request.postTraffic).toEqual({ hook: `${STATE_MACHINE_ARN}-smoke`, timeoutSeconds: 600 });
  });

  it('fails when tests and hook are both given, or neither', () => {
    expect(
      rejectionOf({ ...minimal, preTraffic: { tests: [test], hook: STATE_MACHINE_ARN } }).problems,
    ).toEqual(['preTraffic must give either tests or hook, not both']);
    expect(rejectionOf({ ...minimal, postTraffic: { timeoutSeconds: 5 } }).problems).toEqual([
      'postTraffic must give either tests or hook, not neither',
    ]);
  });

  it('fails on each bad test, naming it by its index, with what was given', () => {
    const problems = rejectionOf({
      ...minimal,
      preTraffic: {
        timeoutSeconds: 3601,
        tests: [
          test,
          { ...test, expect: { status: 'DONE' } },
          { name: 'rejects type B', expect: { status: 'SUCCEEDED', output: 1, error: 'E' } },
        ],
      },
    }).problems;

    expect(problems).toEqual([
      'preTraffic.timeoutSeconds must be an integer between 1 and 3600, got: 3601',
      'preTraffic.tests[1].name must be unique: preTraffic.tests[0] has the same name, got: "rejects type B"',
      'preTraffic.tests[1].expect.status must be one of SUCCEEDED, FAILED, TIMED_OUT, ABORTED, got: "DONE"',
      'preTraffic.tests[2].name must be unique: preTraffic.tests[0] has the same name, got: "rejects type B"',
      'preTraffic.tests[2].expect.error needs status FAILED or TIMED_OUT: only a failed execution has an error, got: "E"',
    ]);
  });

  it('fails on no tests, more than 20, or an input over 256 KiB', () => {
    const many = Array.from({ length: 21 }, (_, index) => ({ ...test, name: `t${index}` }));
    expect(rejectionOf({ ...minimal, preTraffic: { tests: [] } }).problems).toEqual([
      'preTraffic.tests must list 1 to 20 tests, got: 0',
    ]);
    expect(rejectionOf({ ...minimal, preTraffic: { tests: many } }).problems).toEqual([
      'preTraffic.tests must list 1 to 20 tests, got: 21',
    ]);
    expect(
      rejectionOf({
        ...minimal,
        preTraffic: { tests: [{ ...test, input: { big: 'x'.repeat(STATE_MAX_BYTES) } }] },
      }).problems[0],
    ).toMatch(/^preTraffic\.tests\[0\]\.input must be at most 262144 bytes of JSON/);
  });

  it('fails on a hook that is neither a Lambda function nor a state machine', () => {
    expect(
      rejectionOf({ ...minimal, postTraffic: { hook: 'arn:aws:sns:us-east-1:123456789012:topic' } }).problems,
    ).toEqual([
      'postTraffic.hook must be a Lambda function ARN or an unqualified state machine ARN, got: "arn:aws:sns:us-east-1:123456789012:topic"',
    ]);
  });
});
