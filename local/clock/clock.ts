/**
 * The one clock of the local cloud. It drives Wait states, timestamps,
 * metrics and alarm evaluation, so hours of deployment can run in seconds.
 *
 * Time is virtual: `now()` is milliseconds since the epoch on the virtual
 * timeline. Implementations decide how it advances (scaled real time,
 * jumping to the next timer when nothing is busy, or both).
 */
export interface Clock {
  /** Virtual milliseconds since the epoch. */
  now(): number;
  /** Resolves once virtual time reaches `atMs` (at once if it already has). Rejects with the signal's reason on abort. */
  sleepUntil(atMs: number, signal?: AbortSignal): Promise<void>;
  /** `sleepUntil(now() + ms)`. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` every `periodMs` of virtual time, first at the next multiple of `periodMs`; returns a function that stops it. */
  every(periodMs: number, fn: (nowMs: number) => void | Promise<void>): () => void;
}

/** Held while work is in flight that a fast-forward jump must not overtake. */
export interface BusyHold {
  /** Idempotent. */
  release(): void;
}

/** A clock that knows when the cloud is busy (in-flight requests, running executions). */
export interface BusyClock extends Clock {
  /** Marks the clock busy until `release()`. */
  hold(): BusyHold;
  /** Holds the clock busy until `work` settles; returns `work`. */
  busy<T>(work: Promise<T>): Promise<T>;
}
