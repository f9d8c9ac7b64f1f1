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
import type { RoutingEntry } from './routing';
import { versionNumber } from './routing';

/** The alias's routing, or undefined when the alias does not exist. */
export async function readAliasRouting(sfn: SFNClient, aliasArn: string): Promise<RoutingEntry[] | undefined> {
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

export async function writeAliasRouting(sfn: SFNClient, aliasArn: string, routing: RoutingEntry[]): Promise<void> {
  await sfn.send(
    new UpdateStateMachineAliasCommand({
      stateMachineAliasArn: aliasArn,
      routingConfiguration: routing.map((entry) => ({ ...entry })),
    }),
  );
}

/** Every version of a state machine, newest first. There is no SDK paginator for this API. */
export async function listAllVersions(sfn: SFNClient, stateMachineArn: string): Promise<string[]> {
  const versions: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn, maxResults: 1000, nextToken }));
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
    const page = await sfn.send(new ListStateMachineAliasesCommand({ stateMachineArn, maxResults: 1000, nextToken }));
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
export async function describeAlarms(cloudWatch: CloudWatchClient, names: readonly string[]): Promise<Map<string, AlarmStatus>> {
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
