import { parseStateMachineArn } from './arns';
import {
  conflict,
  invalidArn,
  quotaExceeded,
  resourceNotFound,
  stateMachineDoesNotExist,
  validation,
} from './errors';
import type { AliasRecord, RoutingEntry, StateMachineRecord } from './model';
import { paginate } from './pagination';
import { toEpochSeconds, type SfnCore } from './store';
import { checkAliasName, optionalString, readMaxResults, readRouting, requireString } from './validation';

/** AWS's quota of aliases per state machine. */
export const MAX_ALIASES = 100;

/**
 * Routing must name existing versions of one state machine (the alias's own, when
 * it has one). Returns that state machine.
 */
function checkRoutingTargets(
  core: SfnCore,
  routing: RoutingEntry[],
  owner?: StateMachineRecord,
): StateMachineRecord {
  const arns = routing.map((r) => r.stateMachineVersionArn);
  const received = `[${arns.join(', ')}]`;
  let machine: StateMachineRecord | undefined = owner;
  for (const arn of arns) {
    let parsed;
    try {
      parsed = parseStateMachineArn(arn);
    } catch {
      throw validation(
        `Routing configuration must contain state machine version ARNs. Received: ${received}`,
      );
    }
    const record = core.store.stateMachines.get(parsed.base);
    if (parsed.qualifier?.kind !== 'version' || !record?.versions.has(parsed.qualifier.version)) {
      throw validation(
        `Routing configuration must contain state machine version ARNs. Received: ${received}`,
      );
    }
    if (machine && machine !== record) {
      throw validation(
        `Routing configuration must contain state machine version ARNs of the same state machine. Received: ${received}`,
      );
    }
    machine = record;
  }
  return machine!;
}

const sameRouting = (a: RoutingEntry[], b: RoutingEntry[]) =>
  a.length === b.length &&
  a.every((x) =>
    b.some((y) => y.stateMachineVersionArn === x.stateMachineVersionArn && y.weight === x.weight),
  );

/** The alias an alias ARN names, or undefined when it (or its state machine) does not exist. */
function findAlias(
  core: SfnCore,
  arn: string,
): { record: StateMachineRecord; alias: AliasRecord } | undefined {
  const parsed = parseStateMachineArn(arn);
  if (parsed.qualifier?.kind !== 'alias') throw invalidArn(arn);
  const record = core.store.stateMachines.get(parsed.base);
  const alias = record?.aliases.get(parsed.qualifier.alias);
  return record && alias ? { record, alias } : undefined;
}

export function createStateMachineAlias(core: SfnCore, input: Record<string, unknown>) {
  const name = requireString(input, 'name', 80);
  checkAliasName(name);
  const description = optionalString(input, 'description');
  const routing = readRouting(input.routingConfiguration);
  const record = checkRoutingTargets(core, routing);
  const existing = record.aliases.get(name);
  if (existing) {
    // Idempotent only for an identical request.
    if (existing.description === description && sameRouting(existing.routing, routing)) {
      return { stateMachineAliasArn: existing.arn, creationDate: toEpochSeconds(existing.creationDate) };
    }
    throw conflict(
      'Failed to create alias because an alias with the same name and a different routing configuration already exists.',
    );
  }
  if (record.aliases.size >= MAX_ALIASES) {
    throw quotaExceeded(
      `Maximum number of aliases (${MAX_ALIASES}) reached for state machine '${record.arn}'.`,
    );
  }
  const now = core.clock.now();
  const alias: AliasRecord = {
    name,
    arn: `${record.arn}:${name}`,
    seq: core.store.nextSeq(),
    description,
    routing,
    creationDate: now,
    updateDate: now,
  };
  record.aliases.set(name, alias);
  return { stateMachineAliasArn: alias.arn, creationDate: toEpochSeconds(now) };
}

export function describeStateMachineAlias(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineAliasArn');
  const found = findAlias(core, arn);
  if (!found) throw resourceNotFound(arn);
  const { alias } = found;
  return {
    stateMachineAliasArn: alias.arn,
    name: alias.name,
    description: alias.description,
    routingConfiguration: alias.routing,
    creationDate: toEpochSeconds(alias.creationDate),
    updateDate: toEpochSeconds(alias.updateDate),
  };
}

export function updateStateMachineAlias(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineAliasArn');
  const description = optionalString(input, 'description');
  const routing =
    input.routingConfiguration === undefined ? undefined : readRouting(input.routingConfiguration);
  if (description === undefined && routing === undefined) {
    throw validation('Either the description or the RoutingConfiguration must be specified');
  }
  const found = findAlias(core, arn);
  if (routing) checkRoutingTargets(core, routing, found?.record);
  if (!found) throw resourceNotFound(arn);
  const { alias } = found;
  if (routing) alias.routing = routing;
  if (description !== undefined) alias.description = description;
  alias.updateDate = core.clock.now();
  return { updateDate: toEpochSeconds(alias.updateDate) };
}

/** Deletes an alias (never its versions); deleting one that is gone succeeds. */
export function deleteStateMachineAlias(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineAliasArn');
  const found = findAlias(core, arn);
  found?.record.aliases.delete(found.alias.name);
  return {};
}

/** Aliases of a state machine, or those routing to a version when given a version ARN; oldest first. */
export function listStateMachineAliases(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineArn');
  const maxResults = readMaxResults(input);
  const nextToken = optionalString(input, 'nextToken', 1024);
  const parsed = parseStateMachineArn(arn);
  if (parsed.qualifier?.kind === 'alias') throw invalidArn(arn);
  const record = core.store.stateMachines.get(parsed.base);
  if (!record) throw stateMachineDoesNotExist(arn);
  let aliases = [...record.aliases.values()];
  if (parsed.qualifier?.kind === 'version') {
    if (!record.versions.has(parsed.qualifier.version)) throw resourceNotFound(arn);
    aliases = aliases.filter((a) => a.routing.some((r) => r.stateMachineVersionArn === arn));
  }
  aliases.sort((a, b) => a.seq - b.seq);
  const page = paginate(aliases, {
    keyOf: (a) => a.seq,
    descending: false,
    scope: arn,
    maxResults,
    nextToken,
  });
  return {
    stateMachineAliases: page.items.map((a) => ({
      stateMachineAliasArn: a.arn,
      creationDate: toEpochSeconds(a.creationDate),
    })),
    nextToken: page.nextToken,
  };
}
