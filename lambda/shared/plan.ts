/**
 * The routing arithmetic: which weights a strategy walks through and how long
 * each is held. Pure functions, shared by the deployer, its validation and
 * the command line's `plan`.
 */

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

/**
 * Steps for taking over an alias that already routes `currentWeight` percent
 * to the new version (an earlier deployment left it split): first hold the
 * current weight for one monitored interval, then continue with the steps
 * above it. Never a jump to 100% without watching the alarms first.
 */
export function takeOverSteps(steps: PlanStep[], currentWeight: number, intervalSeconds: number): PlanStep[] {
  if (currentWeight <= 0) return steps;
  const rest = steps.filter((step) => step.weight > currentWeight);
  return [{ weight: currentWeight, holdSeconds: intervalSeconds }, ...rest];
}

/** How long the steps hold in total, in seconds. */
export function totalHoldSeconds(steps: readonly PlanStep[]): number {
  return steps.reduce((sum, step) => sum + step.holdSeconds, 0);
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
