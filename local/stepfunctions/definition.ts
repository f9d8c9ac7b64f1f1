import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/** Resource of the Task a `Wait` state is rewritten into; its handler sleeps on the virtual clock. */
export const LOCAL_WAIT_RESOURCE = 'arn:aws:states:::local:wait';

/**
 * The library arms a real `setTimeout` for every Task's timeout (60 s by default).
 * Timeouts are enforced on the virtual clock instead, so every Task gets the
 * longest real timeout that does not overflow Node's 32-bit timer.
 */
const REAL_TIMEOUT_SECONDS = 2_000_000;

export interface Retrier {
  readonly ErrorEquals: string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'NONE' | 'FULL';
}

/** What the runner must know about a state of the original definition. */
export interface StateInfo {
  /** The state's type as written (a rewritten Wait is still a `Wait`). */
  readonly type: string;
  readonly resource?: string;
  /** Task timeout to enforce on the virtual clock. */
  readonly timeoutSeconds?: number;
  /** Or the reference path, in the state's input, of that timeout. */
  readonly timeoutSecondsPath?: string;
  readonly retry?: readonly Retrier[];
}

export interface PreparedDefinition {
  readonly definition: StateMachineDefinition;
  /** The state machine's `TimeoutSeconds`, enforced on the virtual clock. */
  readonly timeoutSeconds: number | undefined;
  /** Every state by name, nested ones included (names are unique across a state machine). */
  readonly states: ReadonlyMap<string, StateInfo>;
}

type Json = Record<string, unknown>;

/**
 * Rewrites a definition so aws-local-stepfunctions runs it on virtual time:
 * `Wait` states become Tasks with a local resource (their timing fields carried
 * in `Parameters`, the input passed through), and every timeout is taken out of
 * the library's hands.
 */
export function prepareDefinition(text: string): PreparedDefinition {
  const original = JSON.parse(text) as Json;
  const states = new Map<string, StateInfo>();
  const { TimeoutSeconds, ...rest } = original;
  const definition = {
    ...rest,
    States: rewriteStates(original.States as Json, states),
  } as unknown as StateMachineDefinition;
  return {
    definition,
    timeoutSeconds: typeof TimeoutSeconds === 'number' ? TimeoutSeconds : undefined,
    states,
  };
}

function rewriteStates(states: Json, infos: Map<string, StateInfo>): Json {
  const out: Json = {};
  for (const [name, value] of Object.entries(states)) {
    const state = value as Json;
    out[name] = rewriteState(name, state, infos);
  }
  return out;
}

function rewriteState(name: string, state: Json, infos: Map<string, StateInfo>): Json {
  const type = state.Type as string;
  const retry = Array.isArray(state.Retry) ? (state.Retry as Retrier[]) : undefined;
  switch (type) {
    case 'Wait': {
      infos.set(name, { type });
      const parameters: Json = { 'Input.$': '$' };
      for (const field of ['Seconds', 'Timestamp'] as const) {
        if (state[field] !== undefined) parameters[field] = state[field];
        if (state[`${field}Path`] !== undefined) parameters[`${field}.$`] = state[`${field}Path`];
      }
      const task: Json = { Type: 'Task', Resource: LOCAL_WAIT_RESOURCE, Parameters: parameters };
      for (const field of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End']) {
        if (state[field] !== undefined) task[field] = state[field];
      }
      task.TimeoutSeconds = REAL_TIMEOUT_SECONDS;
      return task;
    }
    case 'Task': {
      const {
        TimeoutSeconds,
        TimeoutSecondsPath,
        HeartbeatSeconds: _hb,
        HeartbeatSecondsPath: _hbp,
        ...task
      } = state;
      infos.set(name, {
        type,
        resource: state.Resource as string,
        timeoutSeconds: typeof TimeoutSeconds === 'number' ? TimeoutSeconds : undefined,
        timeoutSecondsPath: typeof TimeoutSecondsPath === 'string' ? TimeoutSecondsPath : undefined,
        retry,
      });
      return { ...task, TimeoutSeconds: REAL_TIMEOUT_SECONDS };
    }
    case 'Parallel': {
      infos.set(name, { type, retry });
      const branches = (state.Branches as Json[]).map((b) => ({
        ...b,
        States: rewriteStates(b.States as Json, infos),
      }));
      return { ...state, Branches: branches };
    }
    case 'Map': {
      infos.set(name, { type, retry });
      const out = { ...state };
      for (const field of ['Iterator', 'ItemProcessor'] as const) {
        const inner = state[field] as Json | undefined;
        if (inner) out[field] = { ...inner, States: rewriteStates(inner.States as Json, infos) };
      }
      return out;
    }
    default:
      infos.set(name, { type });
      return state;
  }
}

/** Step Functions' back-off before retry number `attempt` (1-based) of `retrier`, in ms. */
export function retryDelayMs(retrier: Retrier, attempt: number, random: () => number): number {
  const interval = retrier.IntervalSeconds ?? 1;
  const backoff = retrier.BackoffRate ?? 2;
  let seconds = interval * Math.pow(backoff, attempt - 1);
  if (retrier.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, retrier.MaxDelaySeconds);
  const ms = seconds * 1000;
  return retrier.JitterStrategy === 'FULL' ? Math.floor(random() * ms) : ms;
}
