import {
  customSteps,
  formatDuration,
  MAX_DEPLOYMENT_SECONDS,
  NAMED_STRATEGIES,
  NAMED_STRATEGY_NAMES,
  type NamedStrategy,
  namedStrategyOf,
  planSteps,
  type PlanStep,
  stepsOf,
  type Strategy,
  strategyLabel,
  takeOverSteps,
  totalHoldSeconds,
  weightSequence,
} from '../../lambda/shared/plan';

describe('weightSequence', () => {
  it.each<[Strategy, number, number[]]>([
    ['linear', 10, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]],
    ['linear', 30, [30, 60, 90, 100]],
    ['linear', 90, [90, 100]],
    ['linear', 100, [100]],
    ['linear', 15, [15, 30, 45, 60, 75, 90, 100]],
    ['linear', 50, [50, 100]],
    ['linear', 99, [99, 100]],
    ['canary', 10, [10, 100]],
    ['canary', 1, [1, 100]],
    ['canary', 100, [100]],
    ['allAtOnce', 10, [100]],
    ['allAtOnce', 100, [100]],
  ])('walks %s with increment %d through %j', (strategy, increment, expected) => {
    // Act
    const weights = weightSequence(strategy, increment);

    // Assert
    expect(weights).toEqual(expected);
  });

  it('walks linear with increment 1 through every percent from 1 to 100', () => {
    const weights = weightSequence('linear', 1);

    expect(weights).toHaveLength(100);
    expect(weights[0]).toBe(1);
    expect(weights.at(-1)).toBe(100);
  });
});

describe('planSteps', () => {
  it('holds every linear step for one interval, including the bake at 100%', () => {
    const steps = planSteps('linear', 30, 300);

    expect(steps).toEqual([
      { weight: 30, holdSeconds: 300 },
      { weight: 60, holdSeconds: 300 },
      { weight: 90, holdSeconds: 300 },
      { weight: 100, holdSeconds: 300 },
    ]);
  });

  it('makes a linear 10 plan of ten shifts that ends at 100%', () => {
    const steps = planSteps('linear', 10, 60);

    expect(steps).toHaveLength(10);
    expect(steps.at(-1)).toEqual({ weight: 100, holdSeconds: 60 });
    expect(steps.every((step) => step.holdSeconds === 60)).toBe(true);
  });

  it('holds a canary step for the interval and promotes at 100% without holding', () => {
    const steps = planSteps('canary', 10, 300);

    expect(steps).toEqual([
      { weight: 10, holdSeconds: 300 },
      { weight: 100, holdSeconds: 0 },
    ]);
  });

  it('makes a canary of 100 a single shift that holds the interval', () => {
    const steps = planSteps('canary', 100, 300);

    expect(steps).toEqual([{ weight: 100, holdSeconds: 300 }]);
  });

  it('ignores the increment for allAtOnce and monitors 100% for one interval', () => {
    const steps = planSteps('allAtOnce', 25, 300);

    expect(steps).toEqual([{ weight: 100, holdSeconds: 300 }]);
  });
});

describe('takeOverSteps', () => {
  it('holds the weight the target already has, then continues the linear walk above it', () => {
    // Arrange
    const steps = planSteps('linear', 20, 120);

    // Act
    const takeOver = takeOverSteps(steps, 40);

    // Assert
    expect(takeOver).toEqual([
      { weight: 40, holdSeconds: 120 },
      { weight: 60, holdSeconds: 120 },
      { weight: 80, holdSeconds: 120 },
      { weight: 100, holdSeconds: 120 },
    ]);
  });

  it('continues with the next step above a weight that is not on the plan', () => {
    const takeOver = takeOverSteps(planSteps('linear', 20, 120), 50);

    expect(takeOver.map((step) => step.weight)).toEqual([50, 60, 80, 100]);
  });

  it('monitors a taken-over canary for one interval before promoting it', () => {
    const takeOver = takeOverSteps(planSteps('canary', 10, 300), 10);

    expect(takeOver).toEqual([
      { weight: 10, holdSeconds: 300 },
      { weight: 100, holdSeconds: 0 },
    ]);
  });

  it('never jumps to 100% unmonitored when the target already has more than the canary', () => {
    const takeOver = takeOverSteps(planSteps('canary', 10, 300), 70);

    expect(takeOver[0]).toEqual({ weight: 70, holdSeconds: 300 });
    expect(takeOver).toHaveLength(2);
  });

  it('keeps the plan as it is when the target has no traffic yet', () => {
    const steps = planSteps('linear', 25, 60);

    expect(takeOverSteps(steps, 0)).toEqual(steps);
  });
});

describe('totalHoldSeconds', () => {
  it('adds up the hold of every step', () => {
    expect(totalHoldSeconds(planSteps('linear', 25, 60))).toBe(240);
    expect(totalHoldSeconds(planSteps('canary', 10, 600))).toBe(600);
  });

  it('counts a pause as its timeout, and a pause without one as nothing', () => {
    const steps = customSteps([
      { weight: 10, holdSeconds: 60 },
      { pause: true, timeoutSeconds: 3600 },
      { pause: true },
      { weight: 50, holdSeconds: 120 },
    ]);

    expect(totalHoldSeconds(steps)).toBe(60 + 3600 + 120);
  });
});

const linearSteps = (seconds: number): PlanStep[] => [
  ...[10, 20, 30, 40, 50, 60, 70, 80, 90].map((weight) => ({ weight, holdSeconds: seconds })),
  { weight: 100, holdSeconds: 0 },
];

describe("CodeDeploy's named configurations", () => {
  it.each<[NamedStrategy, PlanStep[], number]>([
    [
      'Canary10Percent5Minutes',
      [
        { weight: 10, holdSeconds: 300 },
        { weight: 100, holdSeconds: 0 },
      ],
      300,
    ],
    [
      'Canary10Percent10Minutes',
      [
        { weight: 10, holdSeconds: 600 },
        { weight: 100, holdSeconds: 0 },
      ],
      600,
    ],
    [
      'Canary10Percent15Minutes',
      [
        { weight: 10, holdSeconds: 900 },
        { weight: 100, holdSeconds: 0 },
      ],
      900,
    ],
    [
      'Canary10Percent30Minutes',
      [
        { weight: 10, holdSeconds: 1800 },
        { weight: 100, holdSeconds: 0 },
      ],
      1800,
    ],
    ['Linear10PercentEvery1Minute', linearSteps(60), 540],
    ['Linear10PercentEvery2Minutes', linearSteps(120), 1080],
    ['Linear10PercentEvery3Minutes', linearSteps(180), 1620],
    ['Linear10PercentEvery10Minutes', linearSteps(600), 5400],
    ['AllAtOnce', [{ weight: 100, holdSeconds: 0 }], 0],
  ])('plans %s as CodeDeploy does: %j, %d s in total', (strategy, expected, total) => {
    // Act
    const steps = stepsOf({ strategy });

    // Assert
    expect(steps).toEqual(expected);
    expect(totalHoldSeconds(steps)).toBe(total);
  });

  it('lists exactly the nine predefined Lambda configurations', () => {
    expect(NAMED_STRATEGY_NAMES).toEqual([
      'Canary10Percent5Minutes',
      'Canary10Percent10Minutes',
      'Canary10Percent15Minutes',
      'Canary10Percent30Minutes',
      'Linear10PercentEvery1Minute',
      'Linear10PercentEvery2Minutes',
      'Linear10PercentEvery3Minutes',
      'Linear10PercentEvery10Minutes',
      'AllAtOnce',
    ]);
  });

  it('ignores increment and interval for a named configuration', () => {
    expect(stepsOf({ strategy: 'Canary10Percent5Minutes', increment: 50, intervalSeconds: 1 })).toEqual(
      NAMED_STRATEGIES.Canary10Percent5Minutes,
    );
  });

  it('hands out copies, so a deployment cannot change the configuration', () => {
    const steps = stepsOf({ strategy: 'AllAtOnce' });
    (steps[0] as { holdSeconds: number }).holdSeconds = 99;

    expect(stepsOf({ strategy: 'AllAtOnce' })).toEqual([{ weight: 100, holdSeconds: 0 }]);
  });

  it.each([
    ['Canary10Percent5Minutes', 'Canary10Percent5Minutes'],
    ['CodeDeployDefault.LambdaCanary10Percent5Minutes', 'Canary10Percent5Minutes'],
    ['CodeDeployDefault.LambdaAllAtOnce', 'AllAtOnce'],
    ['CodeDeployDefault.AllAtOnce', undefined],
    ['CodeDeployDefault.LambdaCanary10Percent6Minutes', undefined],
    ['canary10percent5minutes', undefined],
    ['allAtOnce', undefined],
    ['toString', undefined],
  ])('reads %s as %s', (given, expected) => {
    expect(namedStrategyOf(given)).toBe(expected);
  });
});

describe('stepsOf', () => {
  it('plans canary, linear and allAtOnce from increment and interval, as planSteps does', () => {
    expect(stepsOf({ strategy: 'linear', increment: 30, intervalSeconds: 300 })).toEqual(
      planSteps('linear', 30, 300),
    );
    expect(stepsOf({ strategy: 'allAtOnce', increment: 5, intervalSeconds: 120 })).toEqual([
      { weight: 100, holdSeconds: 120 },
    ]);
  });

  it('walks custom steps, a pause holding the weight before it, and ends at 100% checked once', () => {
    // Act
    const steps = stepsOf({
      steps: [
        { weight: 1, holdSeconds: 600 },
        { weight: 10, holdSeconds: 1800 },
        { pause: true },
        { weight: 50, holdSeconds: 3600 },
      ],
    });

    // Assert
    expect(steps).toEqual([
      { weight: 1, holdSeconds: 600 },
      { weight: 10, holdSeconds: 1800 },
      { weight: 10, holdSeconds: 0, pause: { onTimeout: 'rollBack' } },
      { weight: 50, holdSeconds: 3600 },
      { weight: 100, holdSeconds: 0 },
    ]);
  });

  it('gives a first pause weight 0 and keeps a timed pause and its onTimeout', () => {
    const steps = customSteps([
      { pause: true, timeoutSeconds: 600, onTimeout: 'continue' },
      { pause: true, timeoutSeconds: 60, onTimeout: 'rollBack' },
      { weight: 100, holdSeconds: 300 },
    ]);

    expect(steps).toEqual([
      { weight: 0, holdSeconds: 0, pause: { timeoutSeconds: 600, onTimeout: 'continue' } },
      { weight: 0, holdSeconds: 0, pause: { timeoutSeconds: 60, onTimeout: 'rollBack' } },
      { weight: 100, holdSeconds: 300 },
    ]);
  });

  it('adds no final step when the last one already routes 100%, and keeps its hold', () => {
    expect(
      customSteps([
        { weight: 20, holdSeconds: 60 },
        { weight: 100, holdSeconds: 900 },
      ]),
    ).toEqual([
      { weight: 20, holdSeconds: 60 },
      { weight: 100, holdSeconds: 900 },
    ]);
  });

  it('fails on fields no validated request has, rather than planning nothing', () => {
    expect(() => stepsOf({ strategy: 'linear' })).toThrow('A plan needs steps, a named strategy');
    expect(() => stepsOf({})).toThrow('A plan needs steps');
  });
});

describe('strategyLabel', () => {
  it('names the strategy, or custom steps', () => {
    expect(strategyLabel({ strategy: 'Canary10Percent5Minutes' })).toBe('Canary10Percent5Minutes');
    expect(strategyLabel({ strategy: 'linear', increment: 5, intervalSeconds: 60 })).toBe('linear');
    expect(strategyLabel({ steps: [{ weight: 5, holdSeconds: 60 }] })).toBe('custom steps');
  });
});

describe('takeOverSteps with custom steps', () => {
  const custom = stepsOf({
    steps: [
      { weight: 1, holdSeconds: 600 },
      { weight: 10, holdSeconds: 1800 },
      { pause: true },
      { weight: 50, holdSeconds: 3600 },
    ],
  });

  it('holds a weight between two steps for the hold of the step above it, then goes on from there', () => {
    expect(takeOverSteps(custom, 30)).toEqual([
      { weight: 30, holdSeconds: 3600 },
      { weight: 50, holdSeconds: 3600 },
      { weight: 100, holdSeconds: 0 },
    ]);
  });

  it('keeps the pause at the weight it takes over, so the gate is still answered', () => {
    expect(takeOverSteps(custom, 10)).toEqual([
      { weight: 10, holdSeconds: 1800 },
      { weight: 10, holdSeconds: 0, pause: { onTimeout: 'rollBack' } },
      { weight: 50, holdSeconds: 3600 },
      { weight: 100, holdSeconds: 0 },
    ]);
  });

  it('keeps a pause above the weight it takes over, and drops the steps below', () => {
    expect(takeOverSteps(custom, 5)).toEqual([
      { weight: 5, holdSeconds: 1800 },
      { weight: 10, holdSeconds: 1800 },
      { weight: 10, holdSeconds: 0, pause: { onTimeout: 'rollBack' } },
      { weight: 50, holdSeconds: 3600 },
      { weight: 100, holdSeconds: 0 },
    ]);
  });

  it("watches a weight above the last held step for that step's hold, never jumping to 100% unwatched", () => {
    expect(takeOverSteps(custom, 70)).toEqual([
      { weight: 70, holdSeconds: 3600 },
      { weight: 100, holdSeconds: 0 },
    ]);
  });

  it("holds a taken-over named canary for its canary's interval", () => {
    expect(takeOverSteps(stepsOf({ strategy: 'Canary10Percent15Minutes' }), 10)).toEqual([
      { weight: 10, holdSeconds: 900 },
      { weight: 100, holdSeconds: 0 },
    ]);
  });

  it('drops a first pause at 0% once the new version already has traffic', () => {
    const steps = stepsOf({ steps: [{ pause: true }, { weight: 40, holdSeconds: 60 }] });

    expect(takeOverSteps(steps, 20)).toEqual([
      { weight: 20, holdSeconds: 60 },
      { weight: 40, holdSeconds: 60 },
      { weight: 100, holdSeconds: 0 },
    ]);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [3600, '1h'],
    [3661, '1h 1m 1s'],
    [93784, '1d 2h 3m 4s'],
    [86400 * 2 + 5, '2d 5s'],
    [89.6, '1m 30s'],
    [MAX_DEPLOYMENT_SECONDS, '364d'],
  ])('formats %d seconds as %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});
