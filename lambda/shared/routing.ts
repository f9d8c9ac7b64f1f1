/** Alias routing: what the deployer writes, and how it reads what it finds. */

export interface RoutingEntry {
  readonly stateMachineVersionArn: string;
  readonly weight: number;
}

/**
 * The routing that gives `weight` percent to `target` and the rest to
 * `origin`. At 100% it is a single entry, so a finished deployment leaves no
 * `[old: 0, new: 100]` behind (as `sfndeploy.py` does).
 */
export function routingFor(
  targetVersionArn: string,
  originVersionArn: string,
  weight: number,
): RoutingEntry[] {
  if (weight >= 100) return allTo(targetVersionArn);
  if (weight <= 0) return allTo(originVersionArn);
  return [
    { stateMachineVersionArn: targetVersionArn, weight },
    { stateMachineVersionArn: originVersionArn, weight: 100 - weight },
  ];
}

/** The single-entry routing that sends everything to one version. */
export function allTo(versionArn: string): RoutingEntry[] {
  return [{ stateMachineVersionArn: versionArn, weight: 100 }];
}

/** Whether two routings send the same traffic to the same versions (order and 0% entries do not matter). */
export function sameRouting(a: readonly RoutingEntry[], b: readonly RoutingEntry[]): boolean {
  const key = (routing: readonly RoutingEntry[]) =>
    routing
      .filter((entry) => entry.weight > 0)
      .map((entry) => `${entry.stateMachineVersionArn}=${entry.weight}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

/** `[orders:1 = 90%, orders:2 = 10%]`, for messages. */
export function describeRouting(routing: readonly RoutingEntry[]): string {
  const entries = routing.map((entry) => `${versionLabel(entry.stateMachineVersionArn)} = ${entry.weight}%`);
  return `[${entries.join(', ')}]`;
}

/** `orders:7` from `arn:aws:states:…:stateMachine:orders:7`. */
export function versionLabel(versionArn: string): string {
  const parts = versionArn.split(':');
  return parts.slice(-2).join(':');
}

/** The version number of a version ARN, or undefined when it is not one. */
export function versionNumber(versionArn: string): number | undefined {
  const last = versionArn.split(':').at(-1) ?? '';
  return /^\d+$/.test(last) ? Number(last) : undefined;
}

/** What the deployer finds on the alias before it starts. */
export type AliasSituation =
  /** All traffic already goes to the target: nothing to do. */
  | { kind: 'on-target' }
  /** All traffic goes to one other version: the normal start. */
  | { kind: 'single'; originVersionArn: string }
  /** Traffic is split, so an earlier deployment did not finish. */
  | { kind: 'split'; originVersionArn: string; targetWeight: number };

/**
 * Reads an alias's routing against the version about to be deployed. An
 * entry at 100% counts as the whole routing (a `[old: 0, new: 100]` left by
 * other tools is not a split). For a split, the origin is the entry that is
 * not the target, else the heavier one (the older on a tie, as the more
 * proven).
 */
export function readAlias(routing: readonly RoutingEntry[], targetVersionArn: string): AliasSituation {
  const live = routing.filter((entry) => entry.weight > 0);
  const full = live.find((entry) => entry.weight === 100);
  if (full) {
    return full.stateMachineVersionArn === targetVersionArn
      ? { kind: 'on-target' }
      : { kind: 'single', originVersionArn: full.stateMachineVersionArn };
  }
  const targetEntry = live.find((entry) => entry.stateMachineVersionArn === targetVersionArn);
  const others = live
    .filter((entry) => entry.stateMachineVersionArn !== targetVersionArn)
    .sort(
      (a, b) =>
        b.weight - a.weight ||
        (versionNumber(a.stateMachineVersionArn) ?? 0) - (versionNumber(b.stateMachineVersionArn) ?? 0),
    );
  const origin = others[0];
  if (!origin) throw new Error(`Alias routing has no version to roll back to: ${describeRouting(routing)}`);
  return {
    kind: 'split',
    originVersionArn: origin.stateMachineVersionArn,
    targetWeight: targetEntry?.weight ?? 0,
  };
}
