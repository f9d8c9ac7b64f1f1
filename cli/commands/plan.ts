/**
 * `sfn-deploy plan`: the weight timeline a request would walk, computed by
 * the deployer's own plan arithmetic, without calling AWS.
 */
import {
  formatDuration,
  isNamedStrategy,
  NAMED_STRATEGIES,
  NAMED_STRATEGY_NAMES,
  type PauseGate,
  type PlanFields,
  type PlanStep,
  stepsOf,
  strategyLabel,
  totalHoldSeconds,
} from '../../lambda/shared/plan';
import type { DeployRequest } from '../../lambda/shared/request';
import { EXIT } from '../errors';
import type { Output } from '../io';
import { buildDeployRequest, type ReadFile, type RequestFlags } from '../request';

export interface PlanOptions extends RequestFlags {
  json?: boolean;
  /** List CodeDeploy's named configurations instead of planning a request. */
  list?: boolean;
}

export interface PlanDeps {
  stdout: Output;
  readFile: ReadFile;
}

export interface PlannedShift {
  weight: number;
  offsetSeconds: number;
  holdSeconds: number;
  /** A pause step: the weight before it is held until resumed, or until its timeout. */
  pause?: PauseGate;
}

// The plan depends only on steps, strategy, increment and interval: a target is not needed to show it.
const PLACEHOLDER_TARGET = { stateMachine: 'plan', alias: 'plan' };

export function printPlan(options: PlanOptions, deps: PlanDeps): number {
  if (options.list) return printNamedStrategies(options, deps);
  const given = { ...options };
  const hasTarget =
    options.request !== undefined || options.stateMachine !== undefined || options.alias !== undefined;
  const { request } = hasTarget
    ? buildDeployRequest(given, deps.readFile)
    : buildDeployRequest({ ...given, ...PLACEHOLDER_TARGET }, deps.readFile);
  const shifts = plannedShifts(request);
  const totalSeconds = totalHoldSeconds(shifts);
  if (options.json) {
    deps.stdout.write(`${JSON.stringify({ strategy: strategyLabel(request), shifts, totalSeconds })}\n`);
  } else {
    deps.stdout.write(
      planLines(request, shifts, totalSeconds, hasTarget)
        .map((line) => `${line}\n`)
        .join(''),
    );
  }
  return EXIT.OK;
}

export function plannedShifts(request: PlanFields): PlannedShift[] {
  return shiftsOf(stepsOf(request));
}

/** Each step with the time it starts, counting a pause as its timeout (or nothing, when it has none). */
function shiftsOf(steps: readonly PlanStep[]): PlannedShift[] {
  let offsetSeconds = 0;
  return steps.map((step) => {
    const shift: PlannedShift = step.pause
      ? { weight: step.weight, offsetSeconds, holdSeconds: step.pause.timeoutSeconds ?? 0, pause: step.pause }
      : { weight: step.weight, offsetSeconds, holdSeconds: step.holdSeconds };
    offsetSeconds += shift.holdSeconds;
    return shift;
  });
}

/**
 * ```
 * linear, 15% every 10m, alarms polled every 1m
 *   +0s      15%  hold 10m
 *   …
 *   +1h      100%  hold 10m
 *   +1h 10m  promoted
 * total 1h 10m
 * ```
 */
function planLines(
  request: DeployRequest,
  shifts: PlannedShift[],
  totalSeconds: number,
  hasTarget: boolean,
): string[] {
  const target = hasTarget ? `${request.stateMachine} → ${request.alias}: ` : '';
  const alarms =
    request.alarms.length > 0
      ? `, ${request.alarms.length} alarm(s) polled every ${formatDuration(request.alarmPollingSeconds)}`
      : '';
  return [`${target}${describeStrategy(request, shifts)}${alarms}`, ...timeline(shifts, totalSeconds)];
}

/** The rows of a plan: one per step, the promotion, and the total. */
function timeline(shifts: PlannedShift[], totalSeconds: number): string[] {
  const rows = shifts.map((shift) => [
    `+${formatDuration(shift.offsetSeconds)}`,
    `${shift.weight}%`,
    shift.pause ? pauseNote(shift.pause) : hold(shift.holdSeconds),
  ]);
  rows.push([`+${formatDuration(totalSeconds)}`, 'promoted', '']);
  const width = Math.max(...rows.map(([offset]) => offset!.length));
  const untimed = shifts.filter((shift) => shift.pause && shift.pause.timeoutSeconds === undefined).length;
  const timed = shifts.filter((shift) => shift.pause?.timeoutSeconds !== undefined).length;
  const notes = [
    ...(timed > 0 ? ['pauses counted at their timeout'] : []),
    ...(untimed > 0 ? [`plus the wait at ${untimed} pause(s) without a timeout`] : []),
  ];
  return [
    ...rows.map(([offset, weight, note]) =>
      `  ${offset!.padEnd(width)}  ${weight!.padEnd(4)}  ${note}`.trimEnd(),
    ),
    `total ${formatDuration(totalSeconds)}${notes.length > 0 ? `, ${notes.join(', ')}` : ''}`,
  ];
}

function describeStrategy(request: DeployRequest, shifts: PlannedShift[]): string {
  if (request.steps !== undefined) {
    const walk = shifts.map((shift) => (shift.pause ? 'pause' : `${shift.weight}%`));
    return `custom steps: ${walk.join(', ')}`;
  }
  if (isNamedStrategy(request.strategy)) return `${request.strategy}, ${describeNamed(request.strategy)}`;
  const every = formatDuration(request.intervalSeconds ?? 0);
  switch (request.strategy) {
    case 'linear':
      return `linear, ${request.increment}% every ${every}`;
    case 'canary':
      return `canary, ${request.increment}% for ${every}, then 100%`;
    default:
      return `allAtOnce, 100% watched for ${every}`;
  }
}

/** `10% for 5m, then 100%`, from the configuration's own steps. */
function describeNamed(name: keyof typeof NAMED_STRATEGIES): string {
  const steps: readonly PlanStep[] = NAMED_STRATEGIES[name];
  const first = steps[0]!;
  if (steps.length === 1) return `${first.weight}% at once, alarms checked once`;
  if (steps.length === 2) return `${first.weight}% for ${formatDuration(first.holdSeconds)}, then 100%`;
  return `${first.weight}% more every ${formatDuration(first.holdSeconds)} until 100%`;
}

/** `sfn-deploy plan --list`: CodeDeploy's named configurations, their steps and total time. */
function printNamedStrategies(options: PlanOptions, deps: PlanDeps): number {
  const named = NAMED_STRATEGY_NAMES.map((name) => {
    const steps = stepsOf({ strategy: name });
    return { name, description: describeNamed(name), steps, totalSeconds: totalHoldSeconds(steps) };
  });
  if (options.json) {
    deps.stdout.write(`${JSON.stringify({ strategies: named })}\n`);
    return EXIT.OK;
  }
  const width = Math.max(...named.map(({ name }) => name.length));
  const lines = named.map(
    ({ name, description, steps, totalSeconds }) =>
      `${name.padEnd(width)}  ${description}; total ${formatDuration(totalSeconds)}\n` +
      `${' '.repeat(width)}  ${steps.map((step) => `${step.weight}%${step.holdSeconds > 0 ? ` ${formatDuration(step.holdSeconds)}` : ''}`).join(' → ')}`,
  );
  deps.stdout.write(
    [
      ...lines,
      '',
      'Each is a strategy value (also as CodeDeployDefault.Lambda<name>); the final 100% is checked once.',
      'On the command line AllAtOnce is read as allAtOnce (as sfndeploy.py spells it): write CodeDeployDefault.LambdaAllAtOnce.',
    ]
      .map((line) => `${line}\n`)
      .join(''),
  );
  return EXIT.OK;
}

function hold(seconds: number): string {
  return seconds > 0 ? `hold ${formatDuration(seconds)}` : 'alarms checked once';
}

function pauseNote(pause: PauseGate): string {
  if (pause.timeoutSeconds === undefined) return 'pause until resumed or promoted';
  const after = formatDuration(pause.timeoutSeconds);
  return pause.onTimeout === 'continue'
    ? `pause, continues after ${after} unless resumed`
    : `pause, rolls back after ${after} unless resumed`;
}
