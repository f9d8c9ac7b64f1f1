/** The few SDK calls several Lambdas make, with the error translations they share. */
import {
  type CloudWatchClient,
  type CompositeAlarm,
  type MetricAlarm,
  paginateDescribeAlarms,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeStateMachineAliasCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  type SFNClient,
  UpdateStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { isRetryableByTrait, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { RoutingEntry } from './routing';
import { versionNumber } from './routing';

/** The alias's routing, or undefined when the alias does not exist. */
export async function readAliasRouting(
  sfn: SFNClient,
  aliasArn: string,
): Promise<RoutingEntry[] | undefined> {
  try {
    const alias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }));
    return (alias.routingConfiguration ?? []).map((entry) => ({
      stateMachineVersionArn: entry.stateMachineVersionArn!,
      weight: entry.weight ?? 0,
    }));
  } catch (error) {
    if (isNamed(error, 'ResourceNotFound')) return undefined;
    throw error;
  }
}

export async function writeAliasRouting(
  sfn: SFNClient,
  aliasArn: string,
  routing: RoutingEntry[],
): Promise<void> {
  await sfn.send(
    new UpdateStateMachineAliasCommand({
      stateMachineAliasArn: aliasArn,
      routingConfiguration: routing.map((entry) => ({ ...entry })),
    }),
  );
}

/** Attempts of a guarded alias write: as many as the SDK's own retries would make (see clients.ts). */
export const GUARDED_WRITE_ATTEMPTS = 8;

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes the alias only while `guard` passes, checking it before every
 * attempt: a retry never lands after the deployment lost its lock (stopped,
 * then recovered), as the SDK's own retries would. `sfn` must not retry on
 * its own (`createSfnClient({ retries: false })`). Transient and throttling
 * errors back off exponentially with full jitter, from 1 s (the alias API
 * refills one request a second) up to 20 s, as the SDK's standard mode does.
 */
export async function writeAliasRoutingGuarded(
  sfn: SFNClient,
  aliasArn: string,
  routing: RoutingEntry[],
  guard: () => Promise<unknown>,
  sleep: Sleep = realSleep,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await guard();
    try {
      await writeAliasRouting(sfn, aliasArn, routing);
      return;
    } catch (error) {
      if (attempt >= GUARDED_WRITE_ATTEMPTS || !isRetryable(error)) throw error;
      await sleep(Math.random() * Math.min(20_000, 1000 * 2 ** (attempt - 1)));
    }
  }
}

/** The SDK's own classification of errors its standard retry mode retries. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const sdkError = error as Parameters<typeof isThrottlingError>[0];
  return (
    isRetryableByTrait(sdkError) ||
    isThrottlingError(sdkError) ||
    isTransientError(sdkError) ||
    isServerError(sdkError)
  );
}

/** Every version of a state machine, newest first. There is no SDK paginator for this API. */
export async function listAllVersions(sfn: SFNClient, stateMachineArn: string): Promise<string[]> {
  const versions: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListStateMachineVersionsCommand({ stateMachineArn, maxResults: 1000, nextToken }),
    );
    versions.push(...(page.stateMachineVersions ?? []).map((version) => version.stateMachineVersionArn!));
    nextToken = page.nextToken;
  } while (nextToken);
  return versions.sort((a, b) => (versionNumber(b) ?? 0) - (versionNumber(a) ?? 0));
}

/** Every alias ARN of a state machine. There is no SDK paginator for this API either. */
export async function listAllAliases(sfn: SFNClient, stateMachineArn: string): Promise<string[]> {
  const aliases: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListStateMachineAliasesCommand({ stateMachineArn, maxResults: 1000, nextToken }),
    );
    aliases.push(...(page.stateMachineAliases ?? []).map((alias) => alias.stateMachineAliasArn!));
    nextToken = page.nextToken;
  } while (nextToken);
  return aliases;
}

export interface AlarmStatus {
  name: string;
  type: 'MetricAlarm' | 'CompositeAlarm';
  state: StateValue;
  reason: string;
  /** Last change of the state value; undefined when CloudWatch did not say. */
  transitionedAt?: Date;
}

/**
 * The named alarms, metric and composite. `DescribeAlarms` returns only
 * metric alarms unless `AlarmTypes` is given, and silently leaves out names
 * that do not exist: callers compare against what they asked for.
 */
export async function describeAlarms(
  cloudWatch: CloudWatchClient,
  names: readonly string[],
): Promise<Map<string, AlarmStatus>> {
  const found = new Map<string, AlarmStatus>();
  if (names.length === 0) return found;
  const pages = paginateDescribeAlarms(
    { client: cloudWatch },
    { AlarmNames: [...names], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 },
  );
  const add = (alarm: MetricAlarm | CompositeAlarm, type: AlarmStatus['type']) => {
    found.set(alarm.AlarmName!, {
      name: alarm.AlarmName!,
      type,
      state: alarm.StateValue!,
      reason: alarm.StateReason ?? '',
      transitionedAt: alarm.StateTransitionedTimestamp ?? alarm.StateUpdatedTimestamp,
    });
  };
  for await (const page of pages) {
    for (const alarm of page.MetricAlarms ?? []) add(alarm, 'MetricAlarm');
    for (const alarm of page.CompositeAlarms ?? []) add(alarm, 'CompositeAlarm');
  }
  return found;
}

/** Whether an SDK error is the named AWS error. */
export function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
