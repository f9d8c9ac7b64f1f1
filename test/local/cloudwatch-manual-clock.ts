import type { Clock } from '../../local/clock/clock';

interface Timer {
  at: number;
  periodMs?: number;
  fn: (nowMs: number) => void | Promise<void>;
  resolve?: () => void;
  stopped: boolean;
}

/** A clock that moves only when a test says so; timers fire in time order as it passes them. */
export class ManualClock implements Clock {
  private timers: Timer[] = [];

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  sleepUntil(atMs: number): Promise<void> {
    if (atMs <= this.t) return Promise.resolve();
    return new Promise((resolve) =>
      this.timers.push({ at: atMs, fn: () => undefined, resolve, stopped: false }),
    );
  }

  sleep(ms: number): Promise<void> {
    return this.sleepUntil(this.t + ms);
  }

  every(periodMs: number, fn: (nowMs: number) => void | Promise<void>): () => void {
    const timer: Timer = { at: (Math.floor(this.t / periodMs) + 1) * periodMs, periodMs, fn, stopped: false };
    this.timers.push(timer);
    return () => {
      timer.stopped = true;
    };
  }

  /** Moves to `atMs`, firing every timer due on the way at its own time. */
  async advanceTo(atMs: number): Promise<void> {
    for (;;) {
      this.timers = this.timers.filter((x) => !x.stopped);
      const next = this.timers.filter((x) => x.at <= atMs).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.t = next.at;
      if (next.periodMs !== undefined) next.at += next.periodMs;
      else next.stopped = true;
      next.resolve?.();
      await next.fn(this.t);
    }
    this.t = atMs;
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.t + ms);
  }

  /** Evaluation timers still armed, for tests of timer bookkeeping. */
  activeTimers(): number {
    return this.timers.filter((x) => !x.stopped && x.periodMs !== undefined).length;
  }
}
