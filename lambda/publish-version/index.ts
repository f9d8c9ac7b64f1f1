/**
 * First step of a deployment: validate the request, decide which version to
 * deploy (uploading and publishing it if asked), read the alias, check that
 * every alarm exists, and plan the weight steps. Everything that can reject
 * the request is checked before the first write.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineAliasCommand,
  PublishStateMachineVersionCommand,
  type SFNClient,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { START_EVENTS } from '../shared/budget';
import { checkAlarms, describeTarget, findExistingVersion } from '../shared/preflight';
import {
  aliasArnOf,
  isVersionArn,
  resolveStateMachineArn,
  scopeOf,
  stateMachineOfVersion,
} from '../shared/arns';
import { isNamed, readAliasRouting } from '../shared/aws';
import type { Sleep } from '../shared/aws';
import {
  createCloudWatchClient,
  createDeploymentLock,
  createLifecycleEvents,
  createSfnClient,
  declaredHooks,
  lazily,
} from '../shared/clients';
import {
  type Clock,
  type DeployerState,
  type Deployment,
  eventTime,
  systemClock,
} from '../shared/deployment';
import {
  describeError,
  DeploymentInProgressError,
  InvalidDeployRequestError,
  RevisionConflictError,
} from '../shared/errors';
import { DETAIL_TYPES, type LifecycleEvents, LifecycleLog } from '../shared/lifecycle';
import { type DeploymentLock, recordKey } from '../shared/lock';
import { logDeployment, logger } from '../shared/logger';
import { stepsOf, strategyLabel, takeOverSteps } from '../shared/plan';
import { isStale, recoverLock } from '../shared/recovery';
import {
  BUILT_IN_DEFAULTS,
  type DeployRequest,
  definitionString,
  parseDeployRequest,
  type RequestDefaults,
} from '../shared/request';
import { describeRouting, readAlias, type RoutingEntry } from '../shared/routing';
import { isContinuation, refuseLoopState, resumeDeployment } from './resume';

export interface PublishVersionEvent {
  /** The deploy request as the user sent it. */
  request: unknown;
  now?: string;
  /** The deployer's own execution: a target given by name lives in its region and account. */
  executionArn: string;
  /** `$$.State.RetryCount`, for the history budget. */
  retries?: number;
}

export interface PublishVersionDeps {
  sfn: SFNClient;
  cloudWatch: CloudWatchClient;
  /** One deployment per alias. */
  lock: DeploymentLock;
  clock?: Clock;
  defaults?: RequestDefaults;
  /** Recovery's fence waits in it when a stale lock is taken over. */
  sleep?: Sleep;
  /** Where `Deployment Started` goes. @default none */
  lifecycle?: LifecycleEvents;
  /** The traffic-test hooks the deployer construct declared; a request may name no other. @default none */
  hooks?: readonly string[];
}

/**
 * Starts a deployment from a deploy request, or resumes the loop a deployment
 * handed to this execution (a continuation). Nothing else gets in: input
 * carrying loop state is refused before anything is read.
 */
export async function publishVersion(
  event: PublishVersionEvent,
  deps: PublishVersionDeps,
): Promise<DeployerState> {
  if (isContinuation(event.request))
    return resumeDeployment(event.request, event.executionArn, event.retries, deps.lock);
  refuseLoopState(event.request);
  const request = parseDeployRequest(event.request, deps.defaults);
  refuseUndeclaredHooks(request, deps.hooks ?? []);
  const now = eventTime(event.now, deps.clock ?? systemClock).toISOString();
  const stateMachineArn = resolveStateMachineArn(request.stateMachine, scopeOf(event.executionArn));
  const aliasArn = aliasArnOf(stateMachineArn, request.alias);
  const { definition: _uploaded, ...carried } = request;
  // The schema checks a version ARN against a target ARN; a target given by name is only known now.
  if (
    typeof request.version === 'string' &&
    isVersionArn(request.version) &&
    stateMachineOfVersion(request.version) !== stateMachineArn
  ) {
    throw new InvalidDeployRequestError([
      `version must be a version of ${stateMachineArn}, got: ${JSON.stringify(request.version)}`,
    ]);
  }

  // A deployment running on the alias is named at once; a lock left by one that has ended (its
  // status-change event and the sweep have not recovered it yet) is recovered first, so this
  // deployment sees the alias as recovery leaves it.
  await recoverStaleLock(deps, aliasArn, now, event.executionArn);

  // Read-only checks first: a rejected request changes nothing.
  const target = await describeTarget(deps.sfn, stateMachineArn);
  const latestRevisionId = target.revisionId;
  const routing = await readAliasRouting(deps.sfn, aliasArn);
  if (routing && !routing.some((entry) => entry.weight === 100) && !request.force) {
    throw new DeploymentInProgressError(
      `Alias ${request.alias} is split ${describeRouting(routing)}: an earlier deployment did not finish. ` +
        'Set force to take it over.',
    );
  }
  await checkAlarms(deps.cloudWatch, request);
  const existingVersion = await findExistingVersion(deps.sfn, request, stateMachineArn);

  // The last check before the first write: one deployment per alias at a time.
  const owner = event.executionArn;
  await deps.lock.acquire({
    aliasArn,
    stateMachineArn,
    owner,
    startedAt: now,
    strategy: strategyLabel(request),
    alarms: request.alarms,
    failOnInsufficientData: request.failOnInsufficientData,
    judgesExecutions: request.analysis !== undefined && !request.analysis.dryRun,
  });
  try {
    return await start(deps, {
      request,
      carried,
      stateMachineArn,
      aliasArn,
      routing,
      existingVersion,
      latestRevisionId,
      targetType: target.type,
      now,
      owner,
    });
  } catch (error) {
    await deps.lock
      .release(aliasArn, owner, {
        status: 'FAILED',
        endedAt: now,
        error: (error as Error).name,
        cause: describeError(error),
      })
      .catch((releaseError: unknown) => logger.error('Could not release the lock', { releaseError }));
    throw error;
  }
}

/**
 * Whoever may start the deployer must not make it call any function: a hook must be one the
 * construct declared (`trafficTestHooks`), which is also all its IAM role may call.
 */
function refuseUndeclaredHooks(request: DeployRequest, hooks: readonly string[]): void {
  const problems = (['preTraffic', 'postTraffic'] as const).flatMap((field) => {
    const spec = request[field];
    if (!spec || !('hook' in spec) || hooks.includes(spec.hook)) return [];
    return [
      `${field}.hook must be one of the hooks declared on the deployer (trafficTestHooks): ` +
        `${hooks.length > 0 ? hooks.join(', ') : 'none are declared'}, got: ${JSON.stringify(spec.hook)}`,
    ];
  });
  if (problems.length > 0) throw new InvalidDeployRequestError(problems);
}

/**
 * Recovers the lock on the alias if its owner has ended (or its recovery stalled); a lock a running
 * deployment holds fails this one with `DeploymentInProgress` naming it.
 */
async function recoverStaleLock(
  deps: PublishVersionDeps,
  aliasArn: string,
  now: string,
  self: string,
): Promise<void> {
  const holder = await deps.lock.lockOn(aliasArn);
  if (!holder || holder.owner === self) return;
  const clock = () => new Date(now);
  const ended = await isStale(holder, { sfn: deps.sfn, clock });
  if (ended === undefined) {
    throw new DeploymentInProgressError(
      `Alias ${aliasArn.split(':').at(-1)} is being deployed by execution ${holder.owner}` +
        `${holder.acquiredAt ? ` since ${holder.acquiredAt}` : ''}; wait for it to end, or stop it (its alias is then rolled back)`,
      { holder },
    );
  }
  logger.warn('Recovering the lock of an ended deployment before taking the alias', {
    holder: holder.owner,
    status: ended,
  });
  await recoverLock(holder, ended, { sfn: deps.sfn, lock: deps.lock, clock, sleep: deps.sleep });
}

interface Start {
  request: DeployRequest;
  carried: DeployerState['request'];
  stateMachineArn: string;
  aliasArn: string;
  routing: RoutingEntry[] | undefined;
  existingVersion: string | undefined;
  latestRevisionId: string | undefined;
  /** STANDARD or EXPRESS: how the analysis counts the versions' executions. */
  targetType: string | undefined;
  now: string;
  owner: string;
}

/** Publishes if asked, then creates the alias, finds nothing to do, or plans the deployment. */
async function start(deps: PublishVersionDeps, run: Start): Promise<DeployerState> {
  const { request, carried, stateMachineArn, aliasArn, routing, now, owner } = run;
  const targetVersionArn =
    run.existingVersion ?? (await publish(deps.sfn, request, stateMachineArn, run.latestRevisionId));
  logger.info('Version to deploy', { targetVersionArn, aliasArn, routing });

  if (!routing) {
    await deps.sfn.send(
      new CreateStateMachineAliasCommand({
        name: request.alias,
        routingConfiguration: [{ stateMachineVersionArn: targetVersionArn, weight: 100 }],
      }),
    );
    const timeline = [{ at: now, weight: 100 }];
    await deps.lock.release(aliasArn, owner, {
      status: 'CREATED_ALIAS',
      endedAt: now,
      targetVersionArn,
      timeline,
    });
    return finished(carried, 'CREATED_ALIAS', stateMachineArn, aliasArn, null, targetVersionArn, timeline);
  }

  const situation = readAlias(routing, targetVersionArn);
  if (situation.kind === 'on-target') {
    await deps.lock.release(aliasArn, owner, { status: 'NO_CHANGE', endedAt: now, targetVersionArn });
    return finished(carried, 'NO_CHANGE', stateMachineArn, aliasArn, targetVersionArn, targetVersionArn, []);
  }
  await deps.lock.update(aliasArn, owner, { originVersionArn: situation.originVersionArn, targetVersionArn });
  let steps = stepsOf(request);
  if (situation.kind === 'split') {
    logger.warn('Taking over a split alias', { routing, targetWeight: situation.targetWeight });
    steps = takeOverSteps(steps, situation.targetWeight);
  }
  const deployment: Deployment = {
    owner,
    recordKey: recordKey(now, owner),
    stateMachineArn,
    aliasArn,
    originVersionArn: situation.originVersionArn,
    targetVersionArn,
    steps,
    stepIndex: 0,
    ...(run.targetType === 'EXPRESS' ? { express: true } : {}),
    watchStartedAt: now,
    lastCheckedAt: now,
    routing: normalized(routing),
    timeline: [],
    waitSeconds: 0,
    // Tests before traffic run on the new version first; nothing is shifted until they pass.
    next: request.preTraffic ? 'PRE_TRAFFIC' : 'SHIFT',
    polls: 0,
    segmentExecutionArn: owner,
    eventsUsed: START_EVENTS,
    segments: 1,
  };
  const events = new LifecycleLog(deployment);
  events.add(DETAIL_TYPES.started, new Date(now), {
    plan: steps,
    alarms: request.alarms,
    force: request.force ?? false,
  });
  await events.flush(deps.lifecycle);
  return { request: carried, deployment };
}

/** Confirms the target exists and returns its latest revision id. */
/**
 * Uploads the definition if given, then publishes exactly the revision this
 * deployment saw or wrote: the `revisionId` guard turns a concurrent update
 * into a conflict instead of deploying someone else's change.
 */
async function publish(
  sfn: SFNClient,
  request: DeployRequest,
  stateMachineArn: string,
  latestRevisionId?: string,
): Promise<string> {
  let revisionId = latestRevisionId;
  if (request.definition !== undefined) {
    try {
      const updated = await sfn.send(
        new UpdateStateMachineCommand({ stateMachineArn, definition: definitionString(request.definition) }),
      );
      // An upload that changes nothing may return no revisionId: the revision described is still the latest.
      revisionId = updated.revisionId ?? revisionId;
    } catch (error) {
      if (isNamed(error, 'InvalidDefinition')) {
        throw new InvalidDeployRequestError([
          `definition was rejected by Step Functions: ${(error as Error).message}`,
        ]);
      }
      throw error;
    }
  }
  try {
    const published = await sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn, revisionId }));
    return published.stateMachineVersionArn!;
  } catch (error) {
    if (isNamed(error, 'ConflictException')) {
      throw new RevisionConflictError(
        `State machine ${stateMachineArn} changed while this deployment was publishing revision ${revisionId}: ` +
          'someone else updated it; start the deployment again',
        { cause: error },
      );
    }
    throw error;
  }
}

/** The routing without 0% entries, as the deployer compares it later. */
function normalized(routing: RoutingEntry[]): RoutingEntry[] {
  return routing.filter((entry) => entry.weight > 0);
}

function finished(
  request: DeployerState['request'],
  outcome: 'CREATED_ALIAS' | 'NO_CHANGE',
  stateMachineArn: string,
  aliasArn: string,
  fromVersionArn: string | null,
  toVersionArn: string,
  timeline: { at: string; weight: number }[],
): DeployerState {
  return {
    request,
    result: {
      outcome,
      stateMachineArn,
      aliasArn,
      fromVersionArn,
      toVersionArn,
      timeline,
      prunedVersionArns: [],
    },
  };
}

const sfn = createSfnClient();
const cloudWatch = createCloudWatchClient();
const lock = lazily(createDeploymentLock);
const lifecycle = lazily(createLifecycleEvents);
const hooks = lazily(declaredHooks);

/** Defaults the deployer construct sets for requests that leave them out. */
export function defaultsFromEnvironment(env: NodeJS.ProcessEnv = process.env): RequestDefaults {
  return {
    strategy: (env.DEFAULT_STRATEGY as RequestDefaults['strategy'] | undefined) ?? BUILT_IN_DEFAULTS.strategy,
    increment: Number(env.DEFAULT_INCREMENT ?? BUILT_IN_DEFAULTS.increment),
    intervalSeconds: Number(env.DEFAULT_INTERVAL_SECONDS ?? BUILT_IN_DEFAULTS.intervalSeconds),
    alarmPollingSeconds: Number(env.DEFAULT_ALARM_POLLING_SECONDS ?? BUILT_IN_DEFAULTS.alarmPollingSeconds),
    ...(env.DEFAULT_ANALYSIS
      ? { analysis: JSON.parse(env.DEFAULT_ANALYSIS) as Record<string, unknown> }
      : {}),
  };
}

export const handler = async (event: PublishVersionEvent): Promise<DeployerState> => {
  logDeployment(event.executionArn);
  return publishVersion(event, {
    sfn,
    cloudWatch,
    lock: lock(),
    defaults: defaultsFromEnvironment(),
    lifecycle: lifecycle(),
    hooks: hooks(),
  });
};
