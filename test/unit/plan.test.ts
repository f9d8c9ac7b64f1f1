import {
  formatDuration,
  MAX_DEPLOYMENT_SECONDS,
  planSteps,
  type Strategy,
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
