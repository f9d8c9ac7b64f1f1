/**
 * An execution's history events, kept compactly enough that a year-long deployment's chain — hundreds
 * of executions, all open until the last one ends, each with up to 25,000 events that mostly repeat the
 * loop's state — fits in memory. Events are appended to a plain array; every {@link CHUNK_EVENTS} of
 * them are frozen into one deflated JSON chunk (a tenth of the size or less, as consecutive polls
 * differ in little but their times), and read back a chunk at a time.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { HistoryEvent } from './model';

/** Events per compressed chunk: big enough to compress well, small enough to read one page from. */
export const CHUNK_EVENTS = 1_000;

export class HistoryLog {
  private readonly chunks: Buffer[] = [];
  private recent: HistoryEvent[] = [];
  private newest: HistoryEvent | undefined;
  /** The last chunk read, decompressed, for reads that page through in order. */
  private cached: { index: number; events: HistoryEvent[] } | undefined;

  get length(): number {
    return this.chunks.length * CHUNK_EVENTS + this.recent.length;
  }

  /** The newest event. */
  get last(): HistoryEvent | undefined {
    return this.newest;
  }

  push(event: HistoryEvent): void {
    this.newest = event;
    this.recent.push(event);
    if (this.recent.length === CHUNK_EVENTS) {
      this.chunks.push(deflateRawSync(JSON.stringify(this.recent)));
      this.recent = [];
    }
  }

  at(index: number): HistoryEvent | undefined {
    if (index < 0 || index >= this.length) return undefined;
    return this.slice(index, index + 1)[0];
  }

  /** The events from index `start` to `end` (exclusive), oldest first, as `Array.prototype.slice` takes them. */
  slice(start = 0, end = this.length): HistoryEvent[] {
    const from = Math.max(0, start);
    const to = Math.min(this.length, end);
    const out: HistoryEvent[] = [];
    for (let index = from; index < to;) {
      const chunk = Math.floor(index / CHUNK_EVENTS);
      const events = chunk < this.chunks.length ? this.chunk(chunk) : this.recent;
      const offset = chunk * CHUNK_EVENTS;
      const upTo = Math.min(to - offset, events.length);
      for (let i = index - offset; i < upTo; i++) out.push(events[i]!);
      index = offset + upTo;
    }
    return out;
  }

  toArray(): HistoryEvent[] {
    return this.slice();
  }

  [Symbol.iterator](): Iterator<HistoryEvent> {
    return this.toArray()[Symbol.iterator]();
  }

  private chunk(index: number): HistoryEvent[] {
    if (this.cached?.index !== index) {
      const events = JSON.parse(inflateRawSync(this.chunks[index]!).toString('utf8')) as HistoryEvent[];
      this.cached = { index, events };
    }
    return this.cached.events;
  }
}
