import { StateMachine } from 'aws-local-stepfunctions';
import type { BusyClock, BusyHold } from '../clock/clock';
import { prepareDefinition, retryDelayMs, type Retrier, type StateInfo } from './definition';
import type { HistoryRecorder } from './history';
import type { IntegrationContext, Integrations } from './integrations';
import { capCause, DATA_LIMIT_EXCEEDED, dataLimitExceeded, MAX_PAYLOAD_BYTES, payloadBytes } from './limits';
import type { ExecutionRecord } from './model';
import { TaskFailure } from './task-failure';
import type { TaskTokens } from './task-tokens';

// aws-local-stepfunctions 3.0.0 calls Promise.withResolvers, which Node 20 lacks.
const promiseStatics = Promise as unknown as { withResolvers?: () => unknown };
if (typeof promiseStatics.withResolvers !== 'function') {
  promiseStatics.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

export type Outcome =
  | { readonly status: 'SUCCEEDED'; readonly output: string }
  | {
      readonly status: 'FAILED' | 'TIMED_OUT';
      readonly error: string | undefined;
      readonly cause: string | undefined;
    };

export interface RunnerDeps {
  readonly clock: BusyClock;
  readonly integrations: Integrations;
  readonly random: () => number;
  readonly tokens: TaskTokens;
}

/** The library's event log entries the runner reads (a subset of its `EventLog` union). */
interface LibraryEvent {
  type: string;
  state?: { name: string; type: string; input: unknown; output?: unknown };
  retry?: { retrier: Retrier; attempt: number };
  parentState?: { name: string };
  index?: number;
  Error?: string;
  Cause?: unknown;
}

interface LibraryRunInternals {
  execute(
    input: unknown,
    options: { eventLogger: { dispatch(event: LibraryEvent): void } },
    cleanup: () => void,
  ): Promise<unknown>;
}

const json = (value: unknown) => JSON.stringify(value ?? null);
/** Cancels a settled task's timeout; one reason for all (an abort without one builds a DOMException). */
const TASK_SETTLED = new Error('the task settled');
const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Holds the clock busy while the execution is working, and lets it go while the
 * execution only waits (Wait state, retry back-off, child execution), so
 * fast-forward can jump. Waits nest (parallel branches), so they are counted.
 */
class ExecutionActivity {
  private hold: BusyHold | undefined;
  private waiting = 0;
  private ended = false;

  constructor(private readonly clock: BusyClock) {
    this.hold = clock.hold();
  }

  async idle<T>(work: Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.release();
    try {
      return await work;
    } finally {
      if (--this.waiting === 0 && !this.ended) this.hold = this.clock.hold();
    }
  }

  end(): void {
    this.ended = true;
    this.release();
  }

  private release(): void {
    this.hold?.release();
    this.hold = undefined;
  }
}

/**
 * Runs one execution with aws-local-stepfunctions on the virtual clock and writes
 * its history as AWS does. Resolves with the outcome the interpreter reached, or
 * TIMED_OUT. Aborting `execution.abort` stops the interpreter; the caller has then
 * already closed the execution and ignores what this resolves with.
 */
export function runExecution(
  execution: ExecutionRecord,
  recorder: HistoryRecorder,
  deps: RunnerDeps,
): Promise<Outcome> {
  const { clock } = deps;
  const prepared = prepareDefinition(execution.revision.definition);
  const signal = execution.abort.signal;
  const activity = new ExecutionActivity(clock);
  const current: {
    name: string;
    enteredAt: number;
    retryCount: number;
    input?: unknown;
    /** `$$.Task.Token` of the `.waitForTaskToken` task being run: one per attempt. */
    taskToken?: string;
  } = { name: '', enteredAt: execution.startDate, retryCount: 0 };
  const issueToken = (name: string) => {
    const resource = prepared.states.get(name)?.resource ?? '';
    current.taskToken = resource.endsWith('.waitForTaskToken') ? deps.tokens.issue(execution.arn) : undefined;
  };
  const pendingRetries = new Map<string, { retrier: Retrier; attempt: number }>();

  // State data over the payload limit ends the execution at once, whatever state it is in.
  let overLimit: ((outcome: Outcome) => void) | undefined;
  const dataLimit = new Promise<Outcome>((resolve) => (overLimit = resolve));
  let breached = false;
  const breach = (failure: TaskFailure) => {
    if (breached) return;
    breached = true;
    overLimit?.({ status: 'FAILED', error: failure.name, cause: failure.message });
  };

  const machine = new StateMachine(prepared.definition, { validationOptions: { noValidate: true } });
  hookLibrary(machine, clock, (event) => {
    if (breached) return;
    const name = event.state?.name ?? '';
    const data = stateData(event);
    if (data && payloadBytes(data.json) > MAX_PAYLOAD_BYTES)
      return breach(dataLimitExceeded(name, data.what));
    if (event.type === 'StateEntered') {
      current.name = name;
      current.enteredAt = clock.now();
      current.retryCount = 0;
      current.input = event.state?.input;
      issueToken(name);
    } else if (event.type === 'StateRetried' && event.retry) {
      pendingRetries.set(name, event.retry);
      current.retryCount = event.retry.attempt;
      issueToken(name);
    }
    recordLibraryEvent(event, prepared.states, recorder, data?.json);
  });

  const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const retryOverrides: Record<string, number[]> = {};
  for (const [name, info] of prepared.states) {
    if (info.type === 'Wait') taskHandlers[name] = (input) => waitHandler(input);
    if (info.type === 'Task') taskHandlers[name] = (input) => taskHandler(name, info, input);
    // Back-off happens on the virtual clock before the retried task is scheduled, not in real time.
    if (info.retry) retryOverrides[name] = info.retry.map(() => 0);
  }

  async function waitHandler(input: unknown): Promise<unknown> {
    const { Seconds, Timestamp, Input } = input as { Seconds?: unknown; Timestamp?: unknown; Input: unknown };
    let until: number;
    if (Seconds !== undefined) {
      if (typeof Seconds !== 'number' || !Number.isInteger(Seconds) || Seconds < 0) {
        throw new TaskFailure(
          'States.Runtime',
          `The Wait state's seconds must be a non-negative integer, got: ${json(Seconds)}`,
          false,
        );
      }
      until = current.enteredAt + Seconds * 1000;
    } else {
      until = typeof Timestamp === 'string' ? Date.parse(Timestamp) : NaN;
      if (Number.isNaN(until)) {
        throw new TaskFailure(
          'States.Runtime',
          `The Wait state's timestamp must be an RFC 3339 timestamp, got: ${json(Timestamp)}`,
          false,
        );
      }
    }
    await activity.idle(clock.sleepUntil(until, signal));
    return Input;
  }

  async function taskHandler(name: string, info: StateInfo, input: unknown): Promise<unknown> {
    // Events of Parallel/Map branches reach the root log asynchronously; let them land first.
    await clock.busy(immediate());
    const retry = pendingRetries.get(name);
    if (retry) {
      pendingRetries.delete(name);
      await activity.idle(clock.sleep(retryDelayMs(retry.retrier, retry.attempt, deps.random), signal));
    }
    // The task's effective input (after Parameters) is held to the limit when the task is scheduled.
    const inputJson = json(input);
    if (payloadBytes(inputJson) > MAX_PAYLOAD_BYTES) {
      const failure = dataLimitExceeded(name, 'has an input');
      breach(failure);
      throw failure;
    }
    const resolved = deps.integrations.resolve(info.resource ?? '');
    if (!resolved) {
      throw new TaskFailure(
        'States.Runtime',
        `The local cloud does not implement the resource '${info.resource}'`,
        false,
      );
    }
    const lambda = resolved.kind === 'lambda-function';
    const meta = { resourceType: resolved.resourceType, resource: resolved.resource };
    if (lambda) {
      recorder.add('LambdaFunctionScheduled', {
        lambdaFunctionScheduledEventDetails: {
          resource: resolved.resource,
          input: inputJson,
          inputDetails: { truncated: false },
        },
      });
      recorder.add('LambdaFunctionStarted');
    } else {
      recorder.add('TaskScheduled', {
        taskScheduledEventDetails: { ...meta, region: execution.scope.region, parameters: inputJson },
      });
      recorder.add('TaskStarted', { taskStartedEventDetails: meta });
    }
    const token = current.taskToken;
    const timeout = new AbortController();
    const context: IntegrationContext = {
      execution,
      signal,
      submitted: (output) =>
        recorder.add('TaskSubmitted', {
          taskSubmittedEventDetails: { ...meta, output: json(output), outputDetails: { truncated: false } },
        }),
      idle: (work) => activity.idle(work),
      waitForToken: () => {
        if (!token) throw new TaskFailure('States.Runtime', 'The task has no task token to wait for', false);
        // Idle: a task waiting for its callback lets the clock jump to its timeout.
        return activity.idle(deps.tokens.wait(token, AbortSignal.any([timeout.signal, signal])));
      },
    };
    const timeoutSeconds = info.timeoutSeconds ?? timeoutFromPath(info.timeoutSecondsPath, current.input);
    try {
      const work = resolved.run(input, context);
      const result =
        timeoutSeconds === undefined ? await work : await raceTimeout(work, timeoutSeconds, timeout.signal);
      // AWS names a Lambda resource by its ARN and other tasks by their state.
      const resultJson = json(result);
      if (payloadBytes(resultJson) > MAX_PAYLOAD_BYTES)
        throw dataLimitExceeded(lambda ? resolved.resource : name, 'returned a result');
      if (lambda) {
        recorder.add('LambdaFunctionSucceeded', {
          lambdaFunctionSucceededEventDetails: { output: resultJson, outputDetails: { truncated: false } },
        });
      } else {
        recorder.add('TaskSucceeded', {
          taskSucceededEventDetails: { ...meta, output: resultJson, outputDetails: { truncated: false } },
        });
      }
      return result;
    } catch (err) {
      const failure =
        err instanceof TaskFailure
          ? err
          : new TaskFailure('States.TaskFailed', String((err as Error)?.message ?? err));
      const details = { error: failure.name, cause: capCause(failure.message) };
      if (failure.name === DATA_LIMIT_EXCEEDED) breach(failure);
      const timedOut = failure.name === 'States.Timeout';
      if (token) {
        if (timedOut) deps.tokens.timedOut(token);
        else deps.tokens.close(token);
      }
      if (lambda) {
        const type = timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed';
        recorder.add(type, { [`${lcFirst(type)}EventDetails`]: details });
      } else {
        const type = timedOut ? 'TaskTimedOut' : 'TaskFailed';
        recorder.add(type, { [`${lcFirst(type)}EventDetails`]: { ...meta, ...details } });
      }
      throw failure;
    } finally {
      timeout.abort(TASK_SETTLED);
    }
  }

  async function raceTimeout<T>(work: Promise<T>, seconds: number, cancel: AbortSignal): Promise<T> {
    const expired = clock
      .sleepUntil(current.enteredAt + seconds * 1000, AbortSignal.any([cancel, signal]))
      .then(() => {
        throw new TaskFailure('States.Timeout', `The task did not finish within ${seconds} seconds.`);
      });
    return Promise.race([work, expired]);
  }

  const run = machine.run(JSON.parse(execution.input), {
    noThrowOnAbort: true,
    overrides: { taskResourceLocalHandlers: taskHandlers as never, retryIntervalOverrides: retryOverrides },
    context: {
      Execution: {
        Id: execution.arn,
        Name: execution.name,
        RoleArn: execution.revision.roleArn,
        RedriveCount: 0,
      },
      StateMachine: { Id: execution.stateMachineArn, Name: execution.stateMachineName },
      Task: {
        get Token() {
          return current.taskToken;
        },
      },
      // The library copies `context` shallowly, so these getters stay live: it has no State of its own.
      State: {
        get EnteredTime() {
          return new Date(current.enteredAt).toISOString();
        },
        get Name() {
          return current.name;
        },
        get RetryCount() {
          return current.retryCount;
        },
      },
    },
  });
  signal.addEventListener('abort', () => run.abort(), { once: true });

  const outcome = run.result.then(
    (output): Outcome => ({ status: 'SUCCEEDED', output: json(output) }),
    (err: unknown): Outcome => ({ status: 'FAILED', ...failureOf(err) }),
  );
  void dataLimit.then(() => run.abort());
  const timeoutSeconds = prepared.timeoutSeconds;
  const timedOut =
    timeoutSeconds === undefined
      ? new Promise<Outcome>(() => undefined)
      : clock.sleepUntil(execution.startDate + timeoutSeconds * 1000, signal).then(
          (): Outcome => ({ status: 'TIMED_OUT', error: 'States.Timeout', cause: undefined }),
          () => new Promise<Outcome>(() => undefined),
        );
  return Promise.race([dataLimit, outcome, timedOut]).finally(() => activity.end());
}

/**
 * `TimeoutSecondsPath`: a reference path (`$.a.b`) into the state's input, which must name a
 * positive integer; anything else fails the state with `States.Runtime`.
 */
function timeoutFromPath(path: string | undefined, input: unknown): number | undefined {
  if (path === undefined) return undefined;
  let value: unknown = input;
  for (const field of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[field] : undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TaskFailure(
      'States.Runtime',
      `The TimeoutSecondsPath '${path}' must point to a positive integer in the state's input, got: ${json(value)}`,
      false,
    );
  }
  return value;
}

/** Error and cause of a failed run, as `DescribeExecution` reports them. */
function failureOf(err: unknown): { error: string | undefined; cause: string | undefined } {
  const inner = (err as { cause?: unknown })?.cause ?? err;
  if (!(inner instanceof Error)) return { error: 'States.Runtime', cause: String(inner) };
  if (inner.constructor.name === 'FailStateError') {
    // A Fail state without Error/Cause reports neither; the library fills in defaults.
    const error = inner.name === 'FailStateError' ? undefined : inner.name;
    const cause = inner.message === 'Execution failed because of a Fail state' ? undefined : inner.message;
    return { error, cause: capCause(cause) };
  }
  const cause =
    typeof (inner as { cause?: unknown }).cause === 'string'
      ? (inner as { cause: string }).cause
      : inner.message;
  return { error: inner.name, cause: capCause(cause) };
}

/**
 * Reaches into the library run, which exposes its events only as an async generator
 * (too late to interleave with task events): the root event logger's `dispatch` is
 * wrapped so events are seen synchronously, in order. While the run sets up its
 * context, `new Date()` reads the virtual clock, so `$$.Execution.StartTime` is virtual.
 */
function hookLibrary(machine: StateMachine, clock: BusyClock, onEvent: (event: LibraryEvent) => void): void {
  const internals = machine as unknown as LibraryRunInternals;
  const execute = internals.execute;
  internals.execute = function (this: unknown, input, options, cleanup) {
    const logger = options.eventLogger;
    // Replaces the queue that feeds the async generator (nobody reads it) with a synchronous listener.
    logger.dispatch = (event: LibraryEvent) => {
      // The context (and its StartTime) is built between ExecutionStarted and the first StateEntered.
      if (event.type !== 'ExecutionStarted') restoreDate();
      onEvent(event);
    };
    const RealDate = globalThis.Date;
    const virtualNow = clock.now();
    class VirtualDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(virtualNow);
        else super(...(args as [number]));
      }
    }
    let restored = false;
    function restoreDate() {
      if (restored) return;
      restored = true;
      globalThis.Date = RealDate;
    }
    globalThis.Date = VirtualDate as DateConstructor;
    try {
      return execute.call(this, input, options, cleanup);
    } finally {
      restoreDate();
    }
  };
}

/** A state's input as it enters, or its output as it leaves, serialized once for the limit and the history. */
function stateData(
  event: LibraryEvent,
): { what: 'has an input' | 'has an output'; json: string } | undefined {
  if (event.type === 'StateEntered') return { what: 'has an input', json: json(event.state?.input) };
  if (event.type === 'StateExited') return { what: 'has an output', json: json(event.state?.output) };
  return undefined;
}

const lcFirst = (s: string) => s[0]!.toLowerCase() + s.slice(1);

/** Turns one library event into the history events AWS records for it. */
function recordLibraryEvent(
  event: LibraryEvent,
  states: ReadonlyMap<string, StateInfo>,
  recorder: HistoryRecorder,
  /** The state's input or output as JSON, for StateEntered and StateExited. */
  data: string | undefined,
): void {
  const name = event.state?.name ?? '';
  const type = states.get(name)?.type ?? event.state?.type ?? '';
  switch (event.type) {
    case 'StateEntered': {
      recorder.add(`${type}StateEntered`, {
        stateEnteredEventDetails: {
          name,
          input: data ?? json(event.state?.input),
          inputDetails: { truncated: false },
        },
      });
      if (type === 'Map')
        recorder.add('MapStateStarted', { mapStateStartedEventDetails: { length: mapLength(event) } });
      if (type === 'Parallel') recorder.add('ParallelStateStarted');
      return;
    }
    case 'StateExited': {
      if (type === 'Map') recorder.add('MapStateSucceeded');
      if (type === 'Parallel') recorder.add('ParallelStateSucceeded');
      recorder.add(`${type}StateExited`, {
        stateExitedEventDetails: {
          name,
          output: data ?? json(event.state?.output),
          outputDetails: { truncated: false },
        },
      });
      return;
    }
    case 'StateFailed': {
      // Task failures are recorded by the task handler; Map and Parallel report their own.
      if (type === 'Map' || type === 'Parallel') recorder.add(`${type}StateFailed`);
      return;
    }
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      recorder.add(event.type, {
        [`${lcFirst(event.type)}EventDetails`]: { name: event.parentState?.name, index: event.index },
      });
      return;
    default:
      // Execution* events are recorded by the service; StateRetried/StateCaught add no event of their own.
      return;
  }
}

function mapLength(event: LibraryEvent): number | undefined {
  const input = event.state?.input;
  return Array.isArray(input) ? input.length : undefined;
}
