import { parseStateMachineArn } from './arns';
import { conflict, invalidArn, quotaExceeded, stateMachineDoesNotExist } from './errors';
import { INITIAL_REVISION, revisionKey, type StateMachineRecord, type VersionRecord } from './model';
import { paginate } from './pagination';
import { toEpochSeconds, type SfnCore } from './store';
import { optionalString, readMaxResults, requireString } from './validation';

/** AWS's quota of published versions per state machine. */
export const MAX_VERSIONS = 1000;

/**
 * Publishes the current revision as a version. Idempotent: a revision that already
 * has a live version returns that version; numbers of deleted versions are never reused.
 */
export function publishVersion(
  core: SfnCore,
  record: StateMachineRecord,
  description: string | undefined,
): VersionRecord {
  const key = revisionKey(record.revision);
  const existing = record.versionByRevision.get(key);
  const live = existing === undefined ? undefined : record.versions.get(existing);
  if (live) return live;
  if (record.versions.size >= MAX_VERSIONS) {
    throw quotaExceeded(
      `Maximum number of versions (${MAX_VERSIONS}) reached for state machine '${record.arn}'. Delete unused versions and try again.`,
    );
  }
  const number = record.nextVersion++;
  const version: VersionRecord = {
    number,
    arn: `${record.arn}:${number}`,
    revision: record.revision,
    description,
    creationDate: core.clock.now(),
  };
  record.versions.set(number, version);
  record.versionByRevision.set(key, number);
  return version;
}

export function publishStateMachineVersion(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineArn');
  const revisionId = optionalString(input, 'revisionId');
  const description = optionalString(input, 'description');
  const parsed = parseStateMachineArn(arn);
  const record = core.store.stateMachines.get(parsed.base);
  if (!record || parsed.qualifier) throw stateMachineDoesNotExist(arn);
  const current = revisionKey(record.revision);
  if (revisionId !== undefined && revisionId !== current) {
    const shown = record.revision.revisionId ?? INITIAL_REVISION;
    throw conflict(
      `Failed to publish the State Machine version for revision ${revisionId}. The current State Machine revision is ${shown}.`,
    );
  }
  const version = publishVersion(core, record, description);
  return { stateMachineVersionArn: version.arn, creationDate: toEpochSeconds(version.creationDate) };
}

/** Versions newest first, as AWS lists them. */
export function listStateMachineVersions(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineArn');
  const maxResults = readMaxResults(input);
  const nextToken = optionalString(input, 'nextToken', 1024);
  const parsed = parseStateMachineArn(arn);
  if (parsed.qualifier) throw invalidArn(arn);
  const record = core.store.stateMachines.get(parsed.base);
  if (!record) throw stateMachineDoesNotExist(arn);
  const versions = [...record.versions.values()].sort((a, b) => b.number - a.number);
  const page = paginate(versions, {
    keyOf: (v) => v.number,
    descending: true,
    scope: arn,
    maxResults,
    nextToken,
  });
  return {
    stateMachineVersions: page.items.map((v) => ({
      stateMachineVersionArn: v.arn,
      creationDate: toEpochSeconds(v.creationDate),
    })),
    nextToken: page.nextToken,
  };
}

/** Deletes a version unless an alias routes to it; deleting one that is gone succeeds. */
export function deleteStateMachineVersion(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineVersionArn', 2000);
  const parsed = parseStateMachineArn(arn);
  if (parsed.qualifier?.kind !== 'version') throw invalidArn(arn);
  const record = core.store.stateMachines.get(parsed.base);
  const version = record?.versions.get(parsed.qualifier.version);
  if (!record || !version) return {};
  const referencing = [...record.aliases.values()]
    .filter((alias) => alias.routing.some((r) => r.stateMachineVersionArn === version.arn))
    .sort((a, b) => a.seq - b.seq)
    .map((alias) => alias.name);
  if (referencing.length > 0) {
    throw conflict(
      `Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [${referencing.join(', ')}]`,
    );
  }
  record.versions.delete(version.number);
  const key = revisionKey(version.revision);
  if (record.versionByRevision.get(key) === version.number) record.versionByRevision.delete(key);
  return {};
}
