/**
 * A local Lambda runs on the cloud's virtual clock, timers included.
 *
 * The deployer's Lambdas wait in ordinary timers: the SDK backs off between
 * retries of a throttled or failed call (up to 20 s a try), and pruning
 * waits for alias updates to settle. On AWS those waits take real time,
 * during which token buckets refill and alarms change. Locally a running
 * handler holds the clock busy, so with `setTimeout` in real time a backoff
 * would stall the run for real seconds while no virtual time passed: a
 * drained bucket would never refill during the invocation, and the time
 * the function reports left (`getRemainingTimeInMillis`, virtual) would
 * never run low.
 *
 * The mechanism: each invocation runs inside an `AsyncLocalStorage` context
 * holding its {@link InvocationActivity}. `setTimeout` (patched once,
 * process-wide, and only different inside that context) sleeps on the
 * virtual clock instead, except the deadlines the SDK's HTTP handler puts on
 * its requests; `clearTimeout` cancels such a timer. The invocation
 * holds the clock busy while it works, and lets it go while it only waits:
 * at least one of its timers is pending and none of its HTTP requests is in
 * flight (requests are seen as in `caller.ts`, through
 * `http.Agent.prototype.addRequest`). Timers still pending when the handler
 * returns are dropped, as a frozen Lambda sandbox runs none. Timers of 0 ms
 * and code outside an invocation use the real timers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import { promisify } from 'node:util';
import type { BusyClock, BusyHold } from '../clock/clock';
import { realClearTimeout, realSetTimeout } from '../clock/real-timers';

/** One reason for every ended invocation: an error (and its stack) per invocation adds up over a year of polls. */
const INVOCATION_ENDED = new Error('the invocation has ended');

/** What one invocation is doing, for the clock: working (busy) or only waiting on its timers (idle). */
export class InvocationActivity {
  private hold: BusyHold | undefined;
  private timers = 0;
  private requests = 0;
  private readonly ended = new AbortController();

  /** Holds the clock at once: create it synchronously where the invocation starts. */
  constructor(readonly clock: BusyClock) {
    this.hold = clock.hold();
  }

  /** Aborted when the handler has returned: its pending timers are dropped. */
  get signal(): AbortSignal {
    return this.ended.signal;
  }

  timerArmed(): void {
    this.timers++;
    this.update();
  }

  timerSettled(): void {
    this.timers--;
    this.update();
  }

  requestStarted(): void {
    this.requests++;
    this.update();
  }

  requestEnded(): void {
    this.requests--;
    this.update();
  }

  end(): void {
    this.ended.abort(INVOCATION_ENDED);
    this.hold?.release();
    this.hold = undefined;
  }

  private update(): void {
    if (this.ended.signal.aborted) return;
    const onlyWaiting = this.timers > 0 && this.requests === 0;
    if (onlyWaiting) {
      this.hold?.release();
      this.hold = undefined;
    } else if (!this.hold) {
      this.hold = this.clock.hold();
    }
  }
}

const current = new AsyncLocalStorage<InvocationActivity>();
let installed = false;

/** Runs a handler as the invocation `activity`: its timers run on `activity.clock`. */
export function runOnVirtualTime<T>(activity: InvocationActivity, fn: () => T): T {
  installVirtualTimers();
  return current.run(activity, fn);
}

/**
 * Counts a request made without HTTP (`wire/in-process-handler.ts`) as in flight for the running
 * invocation, as its HTTP requests are; returns the function that ends it.
 */
export function requestInFlight(): () => void {
  const activity = current.getStore();
  if (!activity || activity.signal.aborted) return () => undefined;
  activity.requestStarted();
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    activity.requestEnded();
  };
}

/** First id of a virtual timer as a number (`Number(timeout)`), far above Node's own async ids. */
let nextId = 2 ** 40;
const byId = new Map<number, VirtualTimeout>();

/** Stands in for Node's `Timeout`: `clearTimeout`, `ref`/`unref`, and a numeric id. */
class VirtualTimeout {
  readonly id = nextId++;
  readonly cancelled = new AbortController();

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  hasRef(): boolean {
    return true;
  }

  close(): this {
    this.cancel();
    return this;
  }

  cancel(): void {
    byId.delete(this.id);
    this.cancelled.abort(new Error('timer cleared'));
  }

  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/**
 * Whether the SDK's HTTP handler (`@smithy/node-http-handler`) is arming this timer: its connection,
 * request and socket deadlines and its deferred listener registrations, four per request. They time real
 * I/O to a server in this process, and are cleared when the answer comes (a request in flight holds the
 * clock, so as virtual sleepers they would never fire in fast-forward): real timers, not the clock's.
 */
function armedByHttpHandler(): boolean {
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, armedByHttpHandler);
  return site.stack?.includes('node-http-handler') ?? false;
}

/** Idempotent, process-wide; outside an invocation the timers behave exactly as Node's. */
export function installVirtualTimers(): void {
  if (installed) return;
  installed = true;
  const setTimeoutOnClock = function (callback: unknown, ms?: unknown, ...args: unknown[]): unknown {
    const activity = current.getStore();
    const delay = Number(ms ?? 0);
    if (
      !activity ||
      activity.signal.aborted ||
      typeof callback !== 'function' ||
      !(delay >= 1) ||
      armedByHttpHandler()
    ) {
      return (realSetTimeout as (...a: unknown[]) => unknown)(callback, ms, ...args);
    }
    const timeout = new VirtualTimeout();
    byId.set(timeout.id, timeout);
    activity.timerArmed();
    const signal = AbortSignal.any([timeout.cancelled.signal, activity.signal]);
    activity.clock.sleep(Math.floor(delay), signal).then(
      () => {
        byId.delete(timeout.id);
        activity.timerSettled();
        try {
          (callback as (...a: unknown[]) => void)(...args);
        } catch (error) {
          // As a real timer's callback would: an uncaught exception.
          process.nextTick(() => {
            throw error;
          });
        }
      },
      () => {
        byId.delete(timeout.id);
        activity.timerSettled();
      },
    );
    return timeout;
  };
  Object.defineProperty(setTimeoutOnClock, promisify.custom, {
    value: (realSetTimeout as unknown as Record<symbol, unknown>)[promisify.custom],
  });

  const clearTimeoutOnClock = function (handle: unknown): void {
    if (handle instanceof VirtualTimeout) return handle.cancel();
    if (typeof handle === 'number' && byId.has(handle)) return byId.get(handle)!.cancel();
    (realClearTimeout as (h: unknown) => void)(handle);
  };

  globalThis.setTimeout = setTimeoutOnClock as unknown as typeof globalThis.setTimeout;
  globalThis.clearTimeout = clearTimeoutOnClock as typeof globalThis.clearTimeout;

  // An invocation is not waiting while one of its requests is in flight (`addRequest` is missing from @types/node).
  const agent = http.Agent.prototype as unknown as {
    addRequest(req: http.ClientRequest, ...rest: unknown[]): void;
  };
  const addRequest = agent.addRequest;
  agent.addRequest = function (this: http.Agent, req: http.ClientRequest, ...rest: unknown[]) {
    const activity = current.getStore();
    if (activity && !activity.signal.aborted) {
      activity.requestStarted();
      req.once('close', () => activity.requestEnded());
    }
    return addRequest.call(this, req, ...rest);
  };
}
