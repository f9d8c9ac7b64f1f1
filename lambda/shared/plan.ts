/**
 * The routing arithmetic: which weights a deployment walks through and how
 * long each is held. Pure functions, shared by the deployer, its validation
 * and the command line's `plan`.
 */

/** `sfndeploy.py`'s strategies, shaped by the request's `increment` and `intervalSeconds`. */
export const STRATEGIES = ['canary', 'linear', 'allAtOnce'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** One step of a deployment: route `weight` percent to the new version, then hold it. */
export interface PlanStep {
  readonly weight: number;
  readonly holdSeconds: number;
  /** A gate: hold the weight before it until an operator resumes or promotes. */
  readonly pause?: PauseGate;
}

/** What a pause step waits for, and what happens when nobody answers in time. */
export interface PauseGate {
  /** @default - waits until the deployment's one-year limit */
  readonly timeoutSeconds?: number;
  readonly onTimeout: 'rollBack' | 'continue';
}

/**
 * A step as a deploy request's `steps` gives it: a weight to route and hold, or a pause.
 * A pause's `onTimeout` (default rollBack) is given only with its `timeoutSeconds`.
 */
export type RequestStep =
  | { readonly weight: number; readonly holdSeconds: number }
  | { readonly pause: true; readonly timeoutSeconds?: number; readonly onTimeout?: 'rollBack' | 'continue' };

/** The most steps a request may list: each is a shift, a wait and a check in the execution's history. */
export const MAX_REQUEST_STEPS = 50;

/** A standard execution may run one year; keep a day for publishing, pruning and retries. */
export const MAX_DEPLOYMENT_SECONDS = 364 * 24 * 60 * 60;

/**
 * The weights the new version receives, in order, as the AWS sample
 * `sfndeploy.py` walks them: linear adds `increment` up to a capped 100
 * (15 → 15,30,…,90,100), canary is `increment` then 100, allAtOnce is 100.
 */
export function weightSequence(strategy: Strategy, increment: number): number[] {
  switch (strategy) {
    case 'allAtOnce':
      return [100];
    case 'canary':
      return increment >= 100 ? [100] : [increment, 100];
    case 'linear': {
      const weights: number[] = [];
      for (let weight = increment; weight < 100; weight += increment) weights.push(weight);
      weights.push(100);
      return weights;
    }
  }
}

/**
 * The steps of a deployment. Every step holds one interval while alarms are
 * watched, except the final 100% of a canary: a canary promotes right after
 * its one monitored interval, as CodeDeploy's canary configurations do (its
 * alarms are still checked once after the final shift).
 */
export function planSteps(strategy: Strategy, increment: number, intervalSeconds: number): PlanStep[] {
  const weights = weightSequence(strategy, increment);
  return weights.map((weight, index) => ({
    weight,
    holdSeconds:
      strategy === 'canary' && weights.length > 1 && index === weights.length - 1 ? 0 : intervalSeconds,
  }));
}

const minutes = (count: number) => count * 60;

/** CodeDeploy's canary: `percent`, then after `seconds` all of it. */
function codeDeployCanary(percent: number, seconds: number): PlanStep[] {
  return [
    { weight: percent, holdSeconds: seconds },
    { weight: 100, holdSeconds: 0 },
  ];
}

/** CodeDeploy's linear: `percent` more every `seconds`, done when 100% is reached. */
function codeDeployLinear(percent: number, seconds: number): PlanStep[] {
  return weightSequence('linear', percent).map((weight) => ({
    weight,
    holdSeconds: weight === 100 ? 0 : seconds,
  }));
}

/**
 * CodeDeploy's predefined configurations for Lambda, by name and with CodeDeploy's meaning
 * (`CodeDeployDefault.Lambda…`): the final 100% is checked once, not held.
 */
export const NAMED_STRATEGIES = {
  Canary10Percent5Minutes: codeDeployCanary(10, minutes(5)),
  Canary10Percent10Minutes: codeDeployCanary(10, minutes(10)),
  Canary10Percent15Minutes: codeDeployCanary(10, minutes(15)),
  Canary10Percent30Minutes: codeDeployCanary(10, minutes(30)),
  Linear10PercentEvery1Minute: codeDeployLinear(10, minutes(1)),
  Linear10PercentEvery2Minutes: codeDeployLinear(10, minutes(2)),
  Linear10PercentEvery3Minutes: codeDeployLinear(10, minutes(3)),
  Linear10PercentEvery10Minutes: codeDeployLinear(10, minutes(10)),
  AllAtOnce: [{ weight: 100, holdSeconds: 0 }],
} as const satisfies Record<string, readonly PlanStep[]>;
export type NamedStrategy = keyof typeof NAMED_STRATEGIES;
export const NAMED_STRATEGY_NAMES = Object.keys(NAMED_STRATEGIES) as NamedStrategy[];

/** Every value `strategy` takes. */
export const STRATEGY_NAMES: readonly StrategyName[] = [...STRATEGIES, ...NAMED_STRATEGY_NAMES];
export type StrategyName = Strategy | NamedStrategy;

/** CodeDeploy's own spelling of a named configuration, accepted too. */
export const CODEDEPLOY_PREFIX = 'CodeDeployDefault.Lambda';

/** `Canary10Percent5Minutes` for itself or `CodeDeployDefault.LambdaCanary10Percent5Minutes`; else undefined. */
export function namedStrategyOf(value: string): NamedStrategy | undefined {
  const name = value.startsWith(CODEDEPLOY_PREFIX) ? value.slice(CODEDEPLOY_PREFIX.length) : value;
  return isNamedStrategy(name) ? name : undefined;
}

export function isNamedStrategy(value: unknown): value is NamedStrategy {
  return typeof value === 'string' && Object.hasOwn(NAMED_STRATEGIES, value);
}

export function isStrategy(value: unknown): value is Strategy {
  return (STRATEGIES as readonly unknown[]).includes(value);
}

/** The request fields a plan is made of; a validated request has either `steps` or a `strategy`. */
export interface PlanFields {
  readonly strategy?: StrategyName;
  readonly increment?: number;
  readonly intervalSeconds?: number;
  readonly steps?: readonly RequestStep[];
}

/**
 * The steps of a validated request: its own `steps` (ending at 100%), a named
 * configuration's, or those `strategy`, `increment` and `intervalSeconds` make.
 */
export function stepsOf(request: PlanFields): PlanStep[] {
  if (request.steps !== undefined) return customSteps(request.steps);
  const { strategy, increment, intervalSeconds } = request;
  if (isNamedStrategy(strategy)) return NAMED_STRATEGIES[strategy].map((step) => ({ ...step }));
  if (strategy === undefined || increment === undefined || intervalSeconds === undefined) {
    throw new Error(
      `A plan needs steps, a named strategy, or a strategy with an increment and an interval, got: ${JSON.stringify(request)}`,
    );
  }
  return planSteps(strategy, increment, intervalSeconds);
}

/** How a request moves traffic, for records and displays: its strategy's name, or `custom steps`. */
export function strategyLabel(request: PlanFields): string {
  return request.steps !== undefined ? 'custom steps' : (request.strategy ?? 'the default strategy');
}

/**
 * A request's own steps as the loop runs them: a pause holds the weight before
 * it (0 when first), and a final 100% checked once is added when the last
 * weight is below 100.
 */
export function customSteps(steps: readonly RequestStep[]): PlanStep[] {
  let weight = 0;
  const plan: PlanStep[] = steps.map((step) => {
    if ('pause' in step) {
      const onTimeout = step.onTimeout ?? 'rollBack';
      const gate: PauseGate =
        step.timeoutSeconds === undefined
          ? { onTimeout }
          : { timeoutSeconds: step.timeoutSeconds, onTimeout };
      return { weight, holdSeconds: 0, pause: gate };
    }
    weight = step.weight;
    return { weight: step.weight, holdSeconds: step.holdSeconds };
  });
  if (weight < 100) plan.push({ weight: 100, holdSeconds: 0 });
  return plan;
}

/**
 * Steps for taking over an alias that already routes `currentWeight` percent
 * to the new version (an earlier deployment left it split): first hold the
 * current weight, then continue with the steps above it (and the pauses at
 * it). Never a jump to 100% without watching the alarms first.
 */
export function takeOverSteps(steps: readonly PlanStep[], currentWeight: number): PlanStep[] {
  if (currentWeight <= 0) return [...steps];
  const rest = steps.filter((step) =>
    step.pause ? step.weight >= currentWeight : step.weight > currentWeight,
  );
  return [{ weight: currentWeight, holdSeconds: takeOverHoldSeconds(steps, currentWeight) }, ...rest];
}

/**
 * How long a take-over holds the weight it found: the hold of the first step
 * that reaches it, or, when only the final 100% (checked once) does, the last
 * hold below it. For canary and linear that is always one interval.
 */
export function takeOverHoldSeconds(steps: readonly PlanStep[], currentWeight: number): number {
  const holding = steps.filter((step) => !step.pause && step.holdSeconds > 0);
  return (
    holding.find((step) => step.weight >= currentWeight)?.holdSeconds ?? holding.at(-1)?.holdSeconds ?? 0
  );
}

/**
 * How long the steps hold in total, in seconds, a pause counting its timeout
 * (the longest it waits); a pause without one waits for an operator.
 */
export function totalHoldSeconds(steps: readonly PlanStep[]): number {
  return steps.reduce(
    (sum, step) => sum + (step.pause ? (step.pause.timeoutSeconds ?? 0) : step.holdSeconds),
    0,
  );
}

/** `3d 4h 5m 6s`, leaving out zero units; `0s` for zero. */
export function formatDuration(totalSeconds: number): string {
  const units: Array<[string, number]> = [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  let rest = Math.round(totalSeconds);
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.length > 0 ? parts.join(' ') : '0s';
}
