import { AsyncResource } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { BusyClock, BusyHold } from './clock';
import { realClearTimeout, realSetTimeout } from './real-timers';

export interface VirtualClockOptions {
  /** Virtual time at creation, ms since the epoch. @default Date.now() */
  readonly startMs?: number;
  /**
   * Virtual ms that pass per real ms. 0 stops the flow of time: it then moves only by
   * fast-forward jumps and `advanceTo`.
   * @default 1, or 0 when `fastForward` is on (so fast-forward runs are deterministic)
   */
  readonly speed?: number;
  /** When nothing is busy, jump straight to the next sleeper's wake-up. @default false */
  readonly fastForward?: boolean;
  /** `setImmediate` turns to let pending I/O and continuations run before a jump. @default 3 */
  readonly settleTurns?: number;
  /**
   * Real ms to wait before a jump. The local server holds the clock for requests on their way in
   * (`wire/in-flight.ts`), so none is needed to keep a jump from overtaking one. @default 0
   */
  readonly graceMs?: number;
}

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly resolve: () => void;
  cancelled: boolean;
}

interface Periodic {
  readonly periodMs: number;
  readonly fn: (nowMs: number) => void | Promise<void>;
  next: number;
  running: boolean;
  stopped: boolean;
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));
const realDelay = (ms: number) => new Promise<void>((resolve) => realSetTimeout(resolve, ms));

/**
 * The local cloud's clock. Virtual time flows at `speed` × real time, and in
 * fast-forward mode it also jumps to the next sleeper whenever nothing is busy.
 *
 * Only sleepers pull time forward: `every()` timers fire as time passes them (in
 * time order, interleaved with sleepers) but never cause a jump, so an idle cloud
 * with no sleepers stands still instead of spinning through alarm evaluations.
 */
export class VirtualClock implements BusyClock {
  readonly speed: number;
  readonly fastForward: boolean;
  private readonly settleTurns: number;
  private readonly graceMs: number;

  private baseVirtual: number;
  private baseReal: number;
  private sleepers: Sleeper[] = []; // sorted by (at, seq)
  private readonly periodics = new Set<Periodic>();
  private seq = 0;
  private busyCount = 0;
  private realTimer: NodeJS.Timeout | undefined;
  private jumping = false;
  private stopped = false;

  constructor(options: VirtualClockOptions = {}) {
    this.fastForward = options.fastForward ?? false;
    this.speed = options.speed ?? (this.fastForward ? 0 : 1);
    if (!(this.speed >= 0) || !Number.isFinite(this.speed)) {
      throw new Error(`speed must be a finite number >= 0, got: ${options.speed}`);
    }
    this.settleTurns = options.settleTurns ?? 3;
    this.graceMs = options.graceMs ?? 0;
    this.baseVirtual = Math.floor(options.startMs ?? Date.now());
    this.baseReal = performance.now();
  }

  now(): number {
    if (this.speed === 0) return this.baseVirtual;
    return Math.floor(this.baseVirtual + (performance.now() - this.baseReal) * this.speed);
  }

  sleepUntil(atMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (atMs <= this.now()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        sleeper.cancelled = true;
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        this.armRealTimer();
        reject(signal?.reason);
      };
      const sleeper: Sleeper = {
        at: atMs,
        seq: this.seq++,
        cancelled: false,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.insertSleeper(sleeper);
      this.armRealTimer();
      this.scheduleJumps();
    });
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.sleepUntil(this.now() + ms, signal);
  }

  every(periodMs: number, fn: (nowMs: number) => void | Promise<void>): () => void {
    if (!(periodMs > 0)) throw new Error(`periodMs must be > 0, got: ${periodMs}`);
    const timer: Periodic = {
      periodMs,
      // Fires in the async context it was created in, as a real timer does, not in that of whoever
      // moved the clock past it (a local Lambda's sleep would otherwise lend it the Lambda's identity).
      fn: AsyncResource.bind(fn),
      next: (Math.floor(this.now() / periodMs) + 1) * periodMs,
      running: false,
      stopped: false,
    };
    this.periodics.add(timer);
    this.armRealTimer();
    return () => {
      timer.stopped = true;
      this.periodics.delete(timer);
      this.armRealTimer();
    };
  }

  /** Marks the clock busy until `release()`: no fast-forward jump happens meanwhile. */
  hold(): BusyHold {
    this.busyCount++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.busyCount--;
        if (this.busyCount === 0) this.scheduleJumps();
      },
    };
  }

  /** Holds the clock busy until `work` settles; returns `work`. */
  busy<T>(work: Promise<T>): Promise<T> {
    const hold = this.hold();
    return work.finally(() => hold.release());
  }

  /** How many holds are outstanding. */
  get busyHolds(): number {
    return this.busyCount;
  }

  /** Wake-up times of pending sleepers, earliest first (for diagnostics and tests). */
  pendingWakeUps(): number[] {
    return this.sleepers.map((s) => s.at);
  }

  /**
   * Moves virtual time forward to `targetMs`, firing every timer and sleeper on the
   * way in time order and letting each settle before the next. Works in any mode.
   */
  async advanceTo(targetMs: number): Promise<void> {
    for (;;) {
      const next = this.nextDue();
      if (next === undefined || next > targetMs) break;
      this.setTo(next);
      this.fireDue();
      await this.settle();
    }
    this.setTo(targetMs);
    this.armRealTimer();
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.now() + ms);
  }

  /** Stops all timers. Pending sleepers never wake; holders should abort them first. */
  stop(): void {
    this.stopped = true;
    if (this.realTimer) realClearTimeout(this.realTimer);
    this.realTimer = undefined;
    for (const p of this.periodics) p.stopped = true;
    this.periodics.clear();
  }

  private setTo(virtualMs: number): void {
    if (virtualMs <= this.now()) return;
    this.baseVirtual = virtualMs;
    this.baseReal = performance.now();
  }

  private insertSleeper(sleeper: Sleeper): void {
    let i = this.sleepers.length;
    while (i > 0 && this.sleepers[i - 1]!.at > sleeper.at) i--;
    this.sleepers.splice(i, 0, sleeper);
  }

  /** Earliest instant at which a sleeper or a periodic timer is due. */
  private nextDue(): number | undefined {
    let next = this.sleepers[0]?.at;
    for (const p of this.periodics) {
      if (!p.running && (next === undefined || p.next < next)) next = p.next;
    }
    return next;
  }

  /**
   * Fires everything due by now, in time order; at the same instant periodic timers
   * go first, so an alarm evaluated at t is seen by a sleeper waking at t.
   */
  private fireDue(): void {
    const now = this.now();
    for (;;) {
      let periodic: Periodic | undefined;
      for (const p of this.periodics) {
        if (!p.running && p.next <= now && (!periodic || p.next < periodic.next)) periodic = p;
      }
      const sleeper = this.sleepers[0];
      if (periodic && (!sleeper || periodic.next <= sleeper.at)) {
        this.firePeriodic(periodic);
      } else if (sleeper && sleeper.at <= now) {
        this.sleepers.shift();
        sleeper.resolve();
      } else {
        break;
      }
    }
    this.armRealTimer();
  }

  private firePeriodic(timer: Periodic): void {
    const at = timer.next;
    timer.next += timer.periodMs;
    let result: void | Promise<void>;
    try {
      result = timer.fn(at);
    } catch (err) {
      reportTimerError(err);
      return;
    }
    if (result instanceof Promise) {
      timer.running = true;
      void this.busy(result)
        .catch(reportTimerError)
        .finally(() => {
          timer.running = false;
          if (!this.stopped && this.speed > 0) this.fireDue();
        });
    }
  }

  /** With time flowing, a real timer fires whatever becomes due next. */
  private armRealTimer(): void {
    if (this.realTimer) realClearTimeout(this.realTimer);
    this.realTimer = undefined;
    if (this.stopped || this.speed === 0) return;
    const next = this.nextDue();
    if (next === undefined) return;
    const delay = Math.max(0, Math.ceil((next - this.now()) / this.speed));
    // Node clamps delays past 2^31-1 ms to 1 ms; re-arm instead of overflowing.
    this.realTimer = realSetTimeout(() => this.fireDue(), Math.min(delay, 2 ** 31 - 1));
    this.realTimer.unref();
  }

  private scheduleJumps(): void {
    if (this.fastForward && !this.jumping && !this.stopped) void this.runJumps();
  }

  /** Fast-forward: while nothing is busy and a sleeper waits, step to the next due instant. */
  private async runJumps(): Promise<void> {
    this.jumping = true;
    try {
      for (;;) {
        await this.settle();
        if (this.stopped || this.busyCount > 0 || this.sleepers.length === 0) return;
        const next = this.nextDue();
        if (next === undefined) return;
        this.setTo(next);
        this.fireDue();
      }
    } finally {
      this.jumping = false;
    }
  }

  private async settle(): Promise<void> {
    for (let i = 0; i < this.settleTurns; i++) await immediate();
    if (this.graceMs > 0) {
      await realDelay(this.graceMs);
      await immediate();
    }
  }
}

function reportTimerError(err: unknown): void {
  // A failing periodic task must not stop the clock; surface it like an unhandled error would.
  console.error('local cloud: periodic timer failed:', err);
}
