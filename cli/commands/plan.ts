/**
 * `sfn-deploy plan`: the weight timeline a request would walk, computed by
 * the deployer's own plan arithmetic, without calling AWS.
 */
import { formatDuration, planSteps, totalHoldSeconds } from '../../lambda/shared/plan';
import type { DeployRequest } from '../../lambda/shared/request';
import { EXIT } from '../errors';
import type { Output } from '../io';
import { buildDeployRequest, type ReadFile, type RequestFlags } from '../request';

export interface PlanOptions extends RequestFlags {
  json?: boolean;
}

export interface PlanDeps {
  stdout: Output;
  readFile: ReadFile;
}

export interface PlannedShift {
  weight: number;
  offsetSeconds: number;
  holdSeconds: number;
}

// The plan depends only on strategy, increment and interval: a target is not needed to show it.
const PLACEHOLDER_TARGET = { stateMachine: 'plan', alias: 'plan' };

export function printPlan(options: PlanOptions, deps: PlanDeps): number {
  const given = { ...options };
  const hasTarget =
    options.request !== undefined || options.stateMachine !== undefined || options.alias !== undefined;
  const { request } = hasTarget
    ? buildDeployRequest(given, deps.readFile)
    : buildDeployRequest({ ...given, ...PLACEHOLDER_TARGET }, deps.readFile);
  const shifts = plannedShifts(request);
  const totalSeconds = totalHoldSeconds(shifts);
  if (options.json) {
    deps.stdout.write(`${JSON.stringify({ strategy: request.strategy, shifts, totalSeconds })}\n`);
  } else {
    deps.stdout.write(
      planLines(request, shifts, totalSeconds, hasTarget)
        .map((line) => `${line}\n`)
        .join(''),
    );
  }
  return EXIT.OK;
}

export function plannedShifts(
  request: Pick<DeployRequest, 'strategy' | 'increment' | 'intervalSeconds'>,
): PlannedShift[] {
  let offsetSeconds = 0;
  return planSteps(request.strategy, request.increment, request.intervalSeconds).map((step) => {
    const shift = { weight: step.weight, offsetSeconds, holdSeconds: step.holdSeconds };
    offsetSeconds += step.holdSeconds;
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
  const every = formatDuration(request.intervalSeconds);
  const how: Record<DeployRequest['strategy'], string> = {
    linear: `linear, ${request.increment}% every ${every}`,
    canary: `canary, ${request.increment}% for ${every}, then 100%`,
    allAtOnce: `allAtOnce, 100% watched for ${every}`,
  };
  const target = hasTarget ? `${request.stateMachine} → ${request.alias}: ` : '';
  const alarms =
    request.alarms.length > 0
      ? `, ${request.alarms.length} alarm(s) polled every ${formatDuration(request.alarmPollingSeconds)}`
      : '';
  const rows = shifts.map((shift) => [
    `+${formatDuration(shift.offsetSeconds)}`,
    `${shift.weight}%`,
    hold(shift.holdSeconds),
  ]);
  rows.push([`+${formatDuration(totalSeconds)}`, 'promoted', '']);
  const width = Math.max(...rows.map(([offset]) => offset!.length));
  return [
    `${target}${how[request.strategy]}${alarms}`,
    ...rows.map(([offset, weight, note]) =>
      `  ${offset!.padEnd(width)}  ${weight!.padEnd(4)}  ${note}`.trimEnd(),
    ),
    `total ${formatDuration(totalSeconds)}`,
  ];
}

function hold(seconds: number): string {
  return seconds > 0 ? `hold ${formatDuration(seconds)}` : 'alarms checked once';
}
