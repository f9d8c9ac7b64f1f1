import { CHUNK_EVENTS, HistoryLog } from '../../local/stepfunctions/history-log';
import type { HistoryEvent } from '../../local/stepfunctions/model';

/** A poll's events as a long deployment records them: the same loop state, a new time. */
const event = (id: number): HistoryEvent => ({
  id,
  previousEventId: id - 1,
  timestamp: Date.UTC(2026, 0, 1) + id * 20_000,
  type: 'LambdaFunctionSucceeded',
  lambdaFunctionSucceededEventDetails: {
    output: JSON.stringify({
      deployment: { alias: 'live', weight: 10, polls: id, alarms: ['orders-errors'] },
    }),
    outputDetails: { truncated: false },
  },
});

function filled(count: number): HistoryLog {
  const log = new HistoryLog();
  for (let id = 1; id <= count; id++) log.push(event(id));
  return log;
}

describe('HistoryLog', () => {
  it('reads back every event, in order, across compressed chunks and the newest events', () => {
    const count = 2 * CHUNK_EVENTS + 17;
    const log = filled(count);
    expect(log.length).toBe(count);
    expect(log.toArray()).toEqual(Array.from({ length: count }, (_, i) => event(i + 1)));
    expect([...log].map((e) => e.id)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it('slices across chunk boundaries as Array.prototype.slice does', () => {
    const log = filled(3 * CHUNK_EVENTS);
    const all = Array.from({ length: 3 * CHUNK_EVENTS }, (_, i) => event(i + 1));
    for (const [start, end] of [
      [0, 1],
      [CHUNK_EVENTS - 2, CHUNK_EVENTS + 3],
      [CHUNK_EVENTS, 2 * CHUNK_EVENTS],
      [2 * CHUNK_EVENTS - 1, 3 * CHUNK_EVENTS + 50],
      [-5, 3],
      [10, 5],
    ] as const) {
      expect(log.slice(start, end)).toEqual(all.slice(Math.max(0, start), end));
    }
    expect(log.at(CHUNK_EVENTS)).toEqual(event(CHUNK_EVENTS + 1));
    expect(log.at(3 * CHUNK_EVENTS)).toBeUndefined();
  });

  it('knows its newest event, also just after it was frozen into a chunk', () => {
    const log = filled(CHUNK_EVENTS);
    expect(log.last).toEqual(event(CHUNK_EVENTS));
    log.push(event(CHUNK_EVENTS + 1));
    expect(log.last).toEqual(event(CHUNK_EVENTS + 1));
    expect(new HistoryLog().last).toBeUndefined();
  });

  it('keeps a loop’s repetitive events in a fraction of their JSON size', () => {
    const log = filled(10 * CHUNK_EVENTS);
    const json = Buffer.byteLength(JSON.stringify(log.toArray()));
    const held = (log as unknown as { chunks: Buffer[] }).chunks.reduce(
      (sum, chunk) => sum + chunk.length,
      0,
    );
    expect(held).toBeLessThan(json / 10);
  });
});
