import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../wire/aws-error';
import type { RequestContext } from '../wire/service';
import { executionArn, parseExecutionArn, parseStateMachineArn } from './arns';
import {
  constraint,
  executionAlreadyExists,
  executionDoesNotExist,
  invalidExecutionInput,
  sensitiveConstraint,
  stateMachineDoesNotExist,
} from './errors';
import { HistoryRecorder, renderEvent } from './history';
import { HistoryLog } from './history-log';
import type { ChildExecutions, Integrations } from './integrations';
import { capCause, MAX_PAYLOAD_BYTES } from './limits';
import { emitExecutionMetric, type ExecutionMetric } from './metrics';
import type { ExecutionRecord, ExecutionStatus, Revision, StateMachineRecord } from './model';
import { paginate } from './pagination';
import { pickByWeight } from './random';
import { runExecution, type Outcome } from './runner';
import { toEpochSeconds, type SfnCore } from './store';
import {
  checkResourceName,
  optionalBoolean,
  optionalString,
  readMaxResults,
  requireString,
} from './validation';

const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

const TERMINAL_EVENTS: Record<
  Exclude<ExecutionStatus, 'RUNNING'>,
  { type: string; metric: ExecutionMetric }
> = {
  SUCCEEDED: { type: 'ExecutionSucceeded', metric: 'ExecutionsSucceeded' },
  FAILED: { type: 'ExecutionFailed', metric: 'ExecutionsFailed' },
  TIMED_OUT: { type: 'ExecutionTimedOut', metric: 'ExecutionsTimedOut' },
  ABORTED: { type: 'ExecutionAborted', metric: 'ExecutionsAborted' },
};

type Ending =
  | Outcome
  | { readonly status: 'ABORTED'; readonly error: string | undefined; readonly cause: string | undefined };

interface Target {
  readonly record: StateMachineRecord;
  readonly revision: Revision;
  readonly versionArn?: string;
  readonly version?: number;
  readonly aliasArn?: string;
  readonly aliasName?: string;
}

/** Starts, runs and ends executions; the one place an execution's status changes. */
export class ExecutionEngine implements ChildExecutions {
  private readonly recorders = new Map<ExecutionRecord, { recorder: HistoryRecorder; resolve: () => void }>();
  integrations!: Integrations;

  constructor(private readonly core: SfnCore) {}

  /** Resolves an unqualified, version or alias ARN to what an execution runs; an alias picks a version by weight. */
  private resolveTarget(arn: string): Target {
    const parsed = parseStateMachineArn(arn);
    const record = this.core.store.stateMachineOf(parsed, arn);
    const qualifier = parsed.qualifier;
    if (!qualifier) return { record, revision: record.revision };
    if (qualifier.kind === 'version') {
      const version = record.versions.get(qualifier.version);
      if (!version) throw stateMachineDoesNotExist(arn);
      return { record, revision: version.revision, versionArn: version.arn, version: version.number };
    }
    const alias = record.aliases.get(qualifier.alias);
    if (!alias) throw stateMachineDoesNotExist(arn);
    const chosen = pickByWeight(alias.routing, this.core.random);
    const chosenQualifier = parseStateMachineArn(chosen.stateMachineVersionArn).qualifier;
    const version =
      chosenQualifier?.kind === 'version' ? record.versions.get(chosenQualifier.version) : undefined;
    if (!version) throw stateMachineDoesNotExist(chosen.stateMachineVersionArn);
    return {
      record,
      revision: version.revision,
      versionArn: version.arn,
      version: version.number,
      aliasArn: alias.arn,
      aliasName: alias.name,
    };
  }

  start(request: { stateMachineArn: string; input: string; name?: string }): ExecutionRecord {
    const name = request.name ?? randomUUID();
    checkResourceName(name);
    checkPayload(request.input);
    const target = this.resolveTarget(request.stateMachineArn);
    const { record } = target;
    const arn = executionArn(record.scope, record.name, name);
    const existing = this.core.store.executions.get(arn);
    if (existing) {
      // Idempotent for a running Standard execution started with the same input.
      if (existing.status === 'RUNNING' && existing.input === request.input) return existing;
      throw executionAlreadyExists(arn);
    }

    let resolveDone!: () => void;
    const execution: ExecutionRecord = {
      arn,
      name,
      seq: this.core.store.nextSeq(),
      scope: record.scope,
      stateMachineArn: record.arn,
      stateMachineName: record.name,
      type: record.type,
      versionArn: target.versionArn,
      aliasArn: target.aliasArn,
      version: target.version,
      aliasName: target.aliasName,
      revision: target.revision,
      input: request.input,
      startDate: this.core.clock.now(),
      status: 'RUNNING',
      stopDate: undefined,
      output: undefined,
      error: undefined,
      cause: undefined,
      history: new HistoryLog(),
      done: new Promise<void>((resolve) => (resolveDone = resolve)),
      abort: new AbortController(),
    };
    this.core.store.executions.set(arn, execution);
    const recorder = new HistoryRecorder(
      execution.history,
      this.core.clock,
      this.core.historyLimit,
      (error, cause) => this.finish(execution, { status: 'FAILED', error, cause }),
    );
    this.recorders.set(execution, { recorder, resolve: resolveDone });
    recorder.add('ExecutionStarted', {
      executionStartedEventDetails: {
        input: execution.input,
        inputDetails: { truncated: false },
        roleArn: execution.revision.roleArn,
        stateMachineVersionArn: execution.versionArn,
        stateMachineAliasArn: execution.aliasArn,
      },
    });
    emitExecutionMetric(this.core.metrics, execution, 'ExecutionsStarted', 1, execution.startDate);
    this.statusChanged(execution);

    const deps = {
      clock: this.core.clock,
      integrations: this.integrations,
      random: this.core.random,
      tokens: this.core.tokens,
    };
    let running: Promise<Outcome>;
    try {
      running = runExecution(execution, recorder, deps);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      (outcome) => this.finish(execution, outcome),
      (err: unknown) => {
        console.error(`local cloud: execution ${arn} crashed:`, err);
        this.finish(execution, {
          status: 'FAILED',
          error: 'States.Runtime',
          cause: String((err as Error)?.message ?? err),
        });
      },
    );
    return execution;
  }

  stop(execution: ExecutionRecord, error: string | undefined, cause: string | undefined): void {
    this.finish(execution, { status: 'ABORTED', error, cause });
  }

  /** Aborts every running execution (the cloud is shutting down). */
  stopAll(): void {
    for (const execution of this.core.store.executions.values()) {
      if (execution.status === 'RUNNING') this.stop(execution, 'States.Aborted', 'The local cloud stopped.');
    }
  }

  /** Closes an execution once: status, terminal history event, metrics, then cancels all its work. */
  private finish(execution: ExecutionRecord, ending: Ending): void {
    if (execution.status !== 'RUNNING') return;
    const now = this.core.clock.now();
    execution.status = ending.status;
    execution.stopDate = now;
    const terminal = TERMINAL_EVENTS[ending.status];
    const { recorder, resolve } = this.recorders.get(execution)!;
    this.recorders.delete(execution);
    if (ending.status === 'SUCCEEDED') {
      execution.output = ending.output;
      recorder.add(terminal.type, {
        executionSucceededEventDetails: { output: ending.output, outputDetails: { truncated: false } },
      });
    } else {
      execution.error = ending.error;
      execution.cause = capCause(ending.cause);
      const detailsKey = `${terminal.type[0]!.toLowerCase()}${terminal.type.slice(1)}EventDetails`;
      recorder.add(terminal.type, { [detailsKey]: { error: ending.error, cause: execution.cause } });
    }
    emitExecutionMetric(this.core.metrics, execution, terminal.metric, 1, now);
    emitExecutionMetric(this.core.metrics, execution, 'ExecutionTime', now - execution.startDate, now);
    execution.abort.abort(new Error(`execution ${ending.status}`));
    resolve();
    this.statusChanged(execution);
  }

  /** Tells the listener (the cloud puts the event on its bus); a failing listener must not fail the execution. */
  private statusChanged(execution: ExecutionRecord): void {
    if (execution.type !== 'STANDARD') return;
    try {
      this.core.onExecutionStatusChange?.(execution);
    } catch (error) {
      console.error(`local cloud: the status change of ${execution.arn} was not delivered:`, error);
    }
  }
}

function checkPayload(input: string): void {
  if (Buffer.byteLength(input, 'utf8') > MAX_PAYLOAD_BYTES) {
    // The model counts characters; the quota counts UTF-8 bytes (multi-byte input is refused the same way).
    throw sensitiveConstraint('input', `Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`);
  }
  try {
    JSON.parse(input);
  } catch (err) {
    throw invalidExecutionInput((err as Error).message);
  }
}

function findExecution(core: SfnCore, arn: string): ExecutionRecord {
  parseExecutionArn(arn);
  const execution = core.store.executions.get(arn);
  if (!execution) throw executionDoesNotExist(arn);
  return execution;
}

const redrive = (e: ExecutionRecord) =>
  e.status === 'RUNNING' || e.status === 'SUCCEEDED'
    ? {
        redriveStatus: 'NOT_REDRIVABLE',
        redriveStatusReason: `Execution is ${e.status} and cannot be redriven`,
      }
    : { redriveStatus: 'REDRIVABLE' };

export function startExecution(engine: ExecutionEngine, input: Record<string, unknown>) {
  const stateMachineArn = requireString(input, 'stateMachineArn');
  const name = optionalString(input, 'name', 80);
  const executionInput = optionalString(input, 'input', MAX_PAYLOAD_BYTES) ?? '{}';
  const execution = engine.start({ stateMachineArn, input: executionInput, name });
  return { executionArn: execution.arn, startDate: toEpochSeconds(execution.startDate) };
}

/**
 * StartSyncExecution: runs an Express execution (of a state machine, version or alias) to its end
 * and answers with it, as https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html
 * describes; a Standard target is `StateMachineTypeNotSupported`. The request lets virtual time pass
 * while the execution waits (`whileWaiting`), as a real synchronous call would.
 */
export async function startSyncExecution(
  engine: ExecutionEngine,
  core: SfnCore,
  input: Record<string, unknown>,
  context?: RequestContext,
) {
  const stateMachineArn = requireString(input, 'stateMachineArn');
  const record = core.store.stateMachineOf(parseStateMachineArn(stateMachineArn), stateMachineArn);
  if (record.type !== 'EXPRESS') {
    throw new AwsServiceError(
      'StateMachineTypeNotSupported',
      'This operation is not supported by this type of state machine',
    );
  }
  const name = optionalString(input, 'name', 80);
  const executionInput = optionalString(input, 'input', MAX_PAYLOAD_BYTES) ?? '{}';
  const execution = engine.start({ stateMachineArn, input: executionInput, name });
  await (context?.whileWaiting ?? ((work) => work))(execution.done);
  return {
    executionArn: execution.arn,
    stateMachineArn: execution.versionArn ?? execution.aliasArn ?? execution.stateMachineArn,
    name: execution.name,
    startDate: toEpochSeconds(execution.startDate),
    stopDate: toEpochSeconds(execution.stopDate ?? core.clock.now()),
    status: execution.status,
    error: execution.error,
    cause: execution.cause,
    input: execution.input,
    inputDetails: { included: true },
    output: execution.output,
    outputDetails: execution.output === undefined ? undefined : { included: true },
    billingDetails: {
      billedMemoryUsedInMB: 64,
      billedDurationInMilliseconds: Math.max(
        100,
        (execution.stopDate ?? core.clock.now()) - execution.startDate,
      ),
    },
  };
}

export function describeExecution(core: SfnCore, input: Record<string, unknown>) {
  const e = findExecution(core, requireString(input, 'executionArn'));
  return {
    executionArn: e.arn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: toEpochSeconds(e.startDate),
    stopDate: e.stopDate === undefined ? undefined : toEpochSeconds(e.stopDate),
    input: e.input,
    inputDetails: { included: true },
    output: e.output,
    outputDetails: e.output === undefined ? undefined : { included: true },
    error: e.error,
    cause: e.cause,
    stateMachineVersionArn: e.versionArn,
    stateMachineAliasArn: e.aliasArn,
    redriveCount: 0,
    ...redrive(e),
  };
}

export function describeStateMachineForExecution(core: SfnCore, input: Record<string, unknown>) {
  const e = findExecution(core, requireString(input, 'executionArn'));
  return {
    stateMachineArn: e.versionArn ?? e.stateMachineArn,
    name: e.stateMachineName,
    definition: e.revision.definition,
    roleArn: e.revision.roleArn,
    updateDate: toEpochSeconds(e.startDate),
    loggingConfiguration: e.revision.loggingConfiguration,
    tracingConfiguration: e.revision.tracingConfiguration,
    encryptionConfiguration: e.revision.encryptionConfiguration,
    revisionId: e.revision.revisionId,
  };
}

/** Executions of a state machine, version or alias, newest first. */
export function listExecutions(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'stateMachineArn');
  const statusFilter = optionalString(input, 'statusFilter');
  if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) {
    throw constraint(
      statusFilter,
      'statusFilter',
      'Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]',
    );
  }
  const maxResults = readMaxResults(input);
  const nextToken = optionalString(input, 'nextToken', 3096);
  const parsed = parseStateMachineArn(arn);
  core.store.stateMachineOf(parsed, arn);
  const matches = (e: ExecutionRecord) =>
    !parsed.qualifier
      ? e.stateMachineArn === parsed.base
      : parsed.qualifier.kind === 'version'
        ? e.versionArn === arn
        : e.aliasArn === arn;
  const executions = [...core.store.executions.values()]
    .filter((e) => matches(e) && (statusFilter === undefined || e.status === statusFilter))
    .sort((a, b) => b.seq - a.seq);
  const scope = `ListExecutions/${arn}/${statusFilter ?? ''}`;
  const page = paginate(executions, {
    keyOf: (e) => e.seq,
    descending: true,
    scope,
    maxResults,
    nextToken,
    maxTokenLength: 3096,
  });
  return {
    executions: page.items.map((e) => ({
      executionArn: e.arn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: toEpochSeconds(e.startDate),
      stopDate: e.stopDate === undefined ? undefined : toEpochSeconds(e.stopDate),
      stateMachineVersionArn: e.versionArn,
      stateMachineAliasArn: e.aliasArn,
      redriveCount: 0,
    })),
    nextToken: page.nextToken,
  };
}

export function getExecutionHistory(core: SfnCore, input: Record<string, unknown>) {
  const arn = requireString(input, 'executionArn');
  const maxResults = readMaxResults(input);
  const reverseOrder = optionalBoolean(input, 'reverseOrder') ?? false;
  const includeExecutionData = optionalBoolean(input, 'includeExecutionData') ?? true;
  const nextToken = optionalString(input, 'nextToken', 3096);
  const execution = findExecution(core, arn);
  const history = execution.history;
  const n = history.length;
  // Event ids run 1..n in order, so a page is read straight from the log, not from a copy of it.
  const events = {
    length: n,
    slice: (start: number, end: number) =>
      reverseOrder ? history.slice(n - Math.min(end, n), n - start).reverse() : history.slice(start, end),
  };
  const page = paginate(events, {
    keyOf: (e) => e.id,
    descending: reverseOrder,
    scope: `GetExecutionHistory/${arn}`,
    maxResults,
    nextToken,
    maxTokenLength: 3096,
    indexAfter: (id) => Math.min(n, Math.max(0, reverseOrder ? n - id + 1 : id)),
  });
  return { events: page.items.map((e) => renderEvent(e, includeExecutionData)), nextToken: page.nextToken };
}

export function stopExecution(core: SfnCore, engine: ExecutionEngine, input: Record<string, unknown>) {
  const execution = findExecution(core, requireString(input, 'executionArn'));
  const error = optionalString(input, 'error', 256);
  const cause = optionalString(input, 'cause', 32_768);
  engine.stop(execution, error, cause);
  return { stopDate: toEpochSeconds(execution.stopDate ?? core.clock.now()) };
}

/**
 * `SendTaskFailure`, validated as AWS's model does (`taskToken` 1–2,048 characters, `error` at most 256,
 * `cause` at most 32,768): the waiting task fails with that error and cause.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskFailure.html
 */
export function sendTaskFailure(core: SfnCore, input: Record<string, unknown>) {
  const token = requireString(input, 'taskToken', 2048);
  const error = optionalString(input, 'error', 256);
  const cause = optionalString(input, 'cause', 32_768);
  core.tokens.fail(token, error, cause);
  return {};
}

/**
 * `SendTaskSuccess`: the waiting task succeeds with `output`, which must be JSON of at most 256 KiB
 * (`InvalidOutput` otherwise). https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
 */
export function sendTaskSuccess(core: SfnCore, input: Record<string, unknown>) {
  const token = requireString(input, 'taskToken', 2048);
  const output = requireString(input, 'output', MAX_PAYLOAD_BYTES);
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    throw new AwsServiceError('InvalidOutput', 'Invalid Output: output is not valid JSON');
  }
  core.tokens.succeed(token, parsed);
  return {};
}

/** `SendTaskHeartbeat`: accepted for a task that still waits. https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html */
export function sendTaskHeartbeat(core: SfnCore, input: Record<string, unknown>) {
  core.tokens.heartbeat(requireString(input, 'taskToken', 2048));
  return {};
}
