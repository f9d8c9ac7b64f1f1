import { VirtualClock } from '../../local/clock/virtual-clock';

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const HOUR = 3_600_000;

describe('VirtualClock', () => {
  const clocks: VirtualClock[] = [];
  const make = (options: ConstructorParameters<typeof VirtualClock>[0]) => {
    const clock = new VirtualClock({ startMs: 0, ...options });
    clocks.push(clock);
    return clock;
  };
  afterEach(() => clocks.splice(0).forEach((c) => c.stop()));

  describe('fast-forward', () => {
    it('jumps straight to a sleeper an hour away', async () => {
      const clock = make({ fastForward: true });
      const started = Date.now();
      await clock.sleep(HOUR);
      expect(clock.now()).toBe(HOUR);
      expect(Date.now() - started).toBeLessThan(200);
    });

    it('stands still when only periodic timers are pending', async () => {
      const clock = make({ fastForward: true });
      const fired: number[] = [];
      clock.every(60_000, (t) => void fired.push(t));
      await realSleep(15);
      expect(clock.now()).toBe(0);
      expect(fired).toEqual([]);
    });

    it('fires periodic timers passed by a jump in time order, interleaved with sleepers', async () => {
      const clock = make({ fastForward: true });
      const log: string[] = [];
      clock.every(60_000, (t) => void log.push(`every@${t}`));
      const a = clock.sleepUntil(61_000).then(() => log.push(`sleep@${clock.now()}`));
      const b = clock.sleepUntil(150_000).then(() => log.push(`sleep@${clock.now()}`));
      await Promise.all([a, b]);
      expect(log).toEqual(['every@60000', 'sleep@61000', 'every@120000', 'sleep@150000']);
    });

    it('runs a periodic timer due at the same instant before the sleeper', async () => {
      const clock = make({ fastForward: true });
      const log: string[] = [];
      clock.every(60_000, (t) => void log.push(`every@${t}`));
      await clock.sleepUntil(60_000).then(() => log.push('sleeper'));
      expect(log).toEqual(['every@60000', 'sleeper']);
    });

    it('waits for an async periodic callback before waking later sleepers', async () => {
      const clock = make({ fastForward: true });
      const log: string[] = [];
      clock.every(60_000, async (t) => {
        await realSleep(5);
        log.push(`evaluated@${t}`);
      });
      await clock.sleepUntil(61_000);
      log.push(`woke@${clock.now()}`);
      expect(log).toEqual(['evaluated@60000', 'woke@61000']);
    });

    it('does not jump while something holds the clock busy', async () => {
      const clock = make({ fastForward: true });
      const hold = clock.hold();
      let woke = false;
      const sleeping = clock.sleep(HOUR).then(() => (woke = true));
      await realSleep(15);
      expect(woke).toBe(false);
      expect(clock.now()).toBe(0);
      hold.release();
      hold.release(); // idempotent
      await sleeping;
      expect(clock.now()).toBe(HOUR);
      expect(clock.busyHolds).toBe(0);
    });

    it('treats a promise passed to busy() as busy until it settles', async () => {
      const clock = make({ fastForward: true });
      const order: string[] = [];
      const work = clock.busy(realSleep(10).then(() => order.push('work done')));
      await clock.sleep(1000).then(() => order.push('sleeper woke'));
      await work;
      expect(order).toEqual(['work done', 'sleeper woke']);
    });

    it('lets a woken worker re-hold the clock before the next jump', async () => {
      const clock = make({ fastForward: true });
      const seen: number[] = [];
      const worker = async () => {
        let hold = clock.hold();
        for (let i = 0; i < 3; i++) {
          hold.release();
          await clock.sleep(1000);
          hold = clock.hold();
          await realSleep(2); // e.g. a Lambda making an HTTP call
          seen.push(clock.now());
        }
        hold.release();
      };
      const other = clock.sleepUntil(1500).then(() => seen.push(-clock.now()));
      await Promise.all([worker(), other]);
      expect(seen).toEqual([1000, -1500, 2000, 3000]);
    });

    it('wakes sleepers due at the same instant in the order they slept', async () => {
      const clock = make({ fastForward: true });
      const order: number[] = [];
      await Promise.all([1, 2, 3].map((n) => clock.sleepUntil(5000).then(() => order.push(n))));
      expect(order).toEqual([1, 2, 3]);
    });

    it('is deterministic: the same scenario gives the same timestamps', async () => {
      const scenario = async () => {
        const clock = make({ fastForward: true });
        const log: number[] = [];
        clock.every(60_000, (t) => void log.push(t));
        await Promise.all(
          [90_000, 30_000, 200_000].map((at) => clock.sleepUntil(at).then(() => log.push(clock.now()))),
        );
        return log;
      };
      expect(await scenario()).toEqual(await scenario());
    });
  });

  describe('speed', () => {
    it('scales real elapsed time', async () => {
      const clock = make({ speed: 1000 });
      await realSleep(10);
      expect(clock.now()).toBeGreaterThanOrEqual(9_000);
      const before = Date.now();
      await clock.sleep(20_000);
      expect(Date.now() - before).toBeLessThan(200);
    });

    it('fires periodic timers as real time passes them', async () => {
      const clock = make({ speed: 10_000 });
      const fired: number[] = [];
      clock.every(60_000, (t) => void fired.push(t));
      await clock.sleepUntil(130_000);
      // A late real timer may also have passed 180 s by now; what matters is order and instants.
      expect(fired.slice(0, 2)).toEqual([60_000, 120_000]);
      expect(fired.every((t, i) => t === (i + 1) * 60_000)).toBe(true);
    });

    it('stands still at speed 0 without fast-forward', async () => {
      const clock = make({ speed: 0 });
      let woke = false;
      void clock.sleep(1).then(() => (woke = true));
      await realSleep(10);
      expect(clock.now()).toBe(0);
      expect(woke).toBe(false);
      await clock.advance(1);
      expect(woke).toBe(true);
    });

    it('can combine flowing time with fast-forward', async () => {
      const clock = make({ speed: 1, fastForward: true });
      await clock.sleep(HOUR);
      expect(clock.now()).toBeGreaterThanOrEqual(HOUR);
    });

    it('rejects a negative speed', () => {
      expect(() => new VirtualClock({ speed: -1 })).toThrow('speed must be a finite number >= 0, got: -1');
    });
  });

  describe('advanceTo', () => {
    it('fires timers and sleepers on the way in order', async () => {
      const clock = make({ speed: 0 });
      const log: string[] = [];
      clock.every(1000, (t) => void log.push(`every@${t}`));
      void clock.sleepUntil(1500).then(() => log.push(`sleep@${clock.now()}`));
      await clock.advanceTo(2500);
      expect(log).toEqual(['every@1000', 'sleep@1500', 'every@2000']);
      expect(clock.now()).toBe(2500);
    });
  });

  describe('sleepUntil', () => {
    it('resolves at once for an instant already passed', async () => {
      const clock = make({ speed: 0, startMs: 5000 });
      await expect(clock.sleepUntil(4000)).resolves.toBeUndefined();
    });

    it('rejects with the signal reason on abort and forgets the sleeper', async () => {
      const clock = make({ fastForward: true });
      const hold = clock.hold();
      const controller = new AbortController();
      const sleeping = clock.sleep(HOUR, controller.signal);
      controller.abort(new Error('stopped'));
      await expect(sleeping).rejects.toThrow('stopped');
      expect(clock.pendingWakeUps()).toEqual([]);
      hold.release();
    });

    it('rejects at once when the signal is already aborted', async () => {
      const clock = make({ fastForward: true });
      await expect(clock.sleep(10, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    });
  });

  it('stops periodic timers with the returned function', async () => {
    const clock = make({ speed: 0 });
    const fired: number[] = [];
    const cancel = clock.every(1000, (t) => void fired.push(t));
    await clock.advanceTo(1000);
    cancel();
    await clock.advanceTo(5000);
    expect(fired).toEqual([1000]);
  });
});
