import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../wire/service';
import { parseStateMachineArn, stateMachineArn } from './arns';
import {
  missingRequiredParameter,
  stateMachineAlreadyExists,
  stateMachineDoesNotExist,
  validation,
} from './errors';
import type { Revision, StateMachineRecord, StateMachineType } from './model';
import { paginate } from './pagination';
import { scopeOf, toEpochSeconds, type SfnCore } from './store';
import {
  checkDefinition,
  checkResourceName,
  optionalBoolean,
  optionalObject,
  optionalString,
  readMaxResults,
  requireString,
} from './validation';
import { publishVersion } from './versions';

const DEFAULT_LOGGING = { level: 'OFF', includeExecutionData: false };
const DEFAULT_TRACING = { enabled: false };
/** Step Functions encrypts with an AWS owned key unless told otherwise, and says so in Describe* answers. */
const DEFAULT_ENCRYPTION = { type: 'AWS_OWNED_KEY' };

/** The unqualified state machine an ARN names; version and alias ARNs do not exist for these operations. */
function unqualified(core: SfnCore, arn: string): StateMachineRecord {
  const parsed = parseStateMachineArn(arn);
  const record = core.store.stateMachines.get(parsed.base);
  if (!record || parsed.qualifier) throw stateMachineDoesNotExist(arn);
  return record;
}

function readVersionDescription(
  input: Record<string, unknown>,
  publish: boolean | undefined,
): string | undefined {
  const description = optionalString(input, 'versionDescription');
  if (description !== undefined && !publish)
    throw validation('Version description can only be set when publish is true');
  return description;
}

export function createStateMachine(core: SfnCore, input: Record<string, unknown>, context: RequestContext) {
  const name = requireString(input, 'name', 80);
  checkResourceName(name);
  const definition = requireString(input, 'definition', 1_048_576);
  const roleArn = requireString(input, 'roleArn');
  const type = (optionalString(input, 'type') ?? 'STANDARD') as StateMachineType;
  if (type !== 'STANDARD' && type !== 'EXPRESS') {
    throw validation(
      `1 validation error detected: Value '${type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
    );
  }
  const publish = optionalBoolean(input, 'publish');
  const versionDescription = readVersionDescription(input, publish);
  checkDefinition(definition);

  const scope = scopeOf(context);
  const arn = stateMachineArn(scope, name);
  const existing = core.store.stateMachines.get(arn);
  if (existing) {
    // CreateStateMachine is idempotent for an identical request.
    const same =
      existing.revision.definition === definition &&
      existing.revision.roleArn === roleArn &&
      existing.type === type;
    if (!same) throw stateMachineAlreadyExists(arn);
    const version = publish ? publishVersion(core, existing, versionDescription) : undefined;
    return {
      stateMachineArn: arn,
      creationDate: toEpochSeconds(existing.creationDate),
      stateMachineVersionArn: version?.arn,
    };
  }
  const now = core.clock.now();
  const record: StateMachineRecord = {
    arn,
    name,
    scope,
    type,
    seq: core.store.nextSeq(),
    creationDate: now,
    description: undefined,
    revision: {
      revisionId: undefined,
      definition,
      roleArn,
      loggingConfiguration: optionalObject(input, 'loggingConfiguration') ?? DEFAULT_LOGGING,
      tracingConfiguration: optionalObject(input, 'tracingConfiguration') ?? DEFAULT_TRACING,
      encryptionConfiguration: optionalObject(input, 'encryptionConfiguration') ?? DEFAULT_ENCRYPTION,
    },
    versions: new Map(),
    nextVersion: 1,
    versionByRevision: new Map(),
    aliases: new Map(),
  };
  core.store.stateMachines.set(arn, record);
  const version = publish ? publishVersion(core, record, versionDescription) : undefined;
  return { stateMachineArn: arn, creationDate: toEpochSeconds(now), stateMachineVersionArn: version?.arn };
}

function describeRevision(name: string, arn: string, type: string, revision: Revision) {
  return {
    stateMachineArn: arn,
    name,
    status: 'ACTIVE',
    definition: revision.definition,
    roleArn: revision.roleArn,
    type,
    loggingConfiguration: revision.loggingConfiguration,
    tracingConfiguration: revision.tracingConfiguration,
    encryptionConfiguration: revision.encryptionConfiguration,
    revisionId: revision.revisionId,
  };
}

/** Describes a state machine, or one of its versions when given a version ARN. */
export function describeStateMachine(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineArn');
  const parsed = parseStateMachineArn(arn);
  const record = core.store.stateMachines.get(parsed.base);
  if (!record) throw stateMachineDoesNotExist(arn);
  if (parsed.qualifier?.kind === 'version') {
    const version = record.versions.get(parsed.qualifier.version);
    if (!version) throw stateMachineDoesNotExist(arn);
    return {
      ...describeRevision(record.name, version.arn, record.type, version.revision),
      description: version.description,
      creationDate: toEpochSeconds(version.creationDate),
    };
  }
  // AWS documents DescribeStateMachine for unqualified and version ARNs only; an alias is described
  // with DescribeStateMachineAlias.
  if (parsed.qualifier) throw stateMachineDoesNotExist(arn);
  return {
    ...describeRevision(record.name, record.arn, record.type, record.revision),
    description: record.description,
    creationDate: toEpochSeconds(record.creationDate),
  };
}

export function updateStateMachine(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineArn');
  const record = unqualified(core, arn);
  const definition = optionalString(input, 'definition', 1_048_576);
  const roleArn = optionalString(input, 'roleArn');
  const logging = optionalObject(input, 'loggingConfiguration');
  const tracing = optionalObject(input, 'tracingConfiguration');
  const encryption = optionalObject(input, 'encryptionConfiguration');
  const publish = optionalBoolean(input, 'publish');
  const versionDescription = readVersionDescription(input, publish);
  if (
    definition === undefined &&
    roleArn === undefined &&
    logging === undefined &&
    tracing === undefined &&
    encryption === undefined
  ) {
    throw missingRequiredParameter(
      'Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified',
    );
  }
  if (definition !== undefined) checkDefinition(definition);

  const current = record.revision;
  const next: Revision = {
    revisionId: current.revisionId,
    definition: definition ?? current.definition,
    roleArn: roleArn ?? current.roleArn,
    loggingConfiguration: logging ?? current.loggingConfiguration,
    tracingConfiguration: tracing ?? current.tracingConfiguration,
    encryptionConfiguration: encryption ?? current.encryptionConfiguration,
  };
  // Only a real change makes a new revision; an unchanged update keeps the revision (and its version).
  const changed =
    JSON.stringify({ ...next, revisionId: 0 }) !== JSON.stringify({ ...current, revisionId: 0 });
  if (changed) record.revision = { ...next, revisionId: randomUUID() };
  const version = publish ? publishVersion(core, record, versionDescription) : undefined;
  return {
    updateDate: toEpochSeconds(core.clock.now()),
    revisionId: record.revision.revisionId,
    stateMachineVersionArn: version?.arn,
  };
}

/** Deletes a state machine with its versions and aliases; deleting one that is gone succeeds. */
export function deleteStateMachine(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineArn');
  const parsed = parseStateMachineArn(arn);
  if (parsed.qualifier) {
    throw validation(`Service does not support qualified state machine ARNs for this operation: '${arn}'`);
  }
  core.store.stateMachines.delete(parsed.base);
  return {};
}

export function listStateMachines(core: SfnCore, input: Record<string, unknown>, context: RequestContext) {
  const scope = scopeOf(context);
  const machines = [...core.store.stateMachines.values()]
    .filter((m) => m.scope.region === scope.region && m.scope.accountId === scope.accountId)
    .sort((a, b) => a.seq - b.seq);
  const page = paginate(machines, {
    keyOf: (m) => m.seq,
    descending: false,
    scope: `ListStateMachines/${scope.region}`,
    maxResults: readMaxResults(input),
    nextToken: optionalString(input, 'nextToken', 1024),
  });
  return {
    stateMachines: page.items.map((m) => ({
      stateMachineArn: m.arn,
      name: m.name,
      type: m.type,
      creationDate: toEpochSeconds(m.creationDate),
    })),
    nextToken: page.nextToken,
  };
}

export { unqualified as unqualifiedStateMachine };
