import type { Clock } from '../clock/clock';
import type { HistoryLog } from './history-log';
import type { HistoryEvent } from './model';

/** AWS's hard quota on events per execution history. */
export const DEFAULT_HISTORY_LIMIT = 25_000;

/**
 * What the failed execution reports when the history quota is hit. AWS documents that the
 * execution fails with an `ExecutionFailed` event but not the error's name; this one is ours.
 */
export const HISTORY_LIMIT_ERROR = 'States.Runtime';
export const historyLimitCause = (limit: number) =>
  `The execution reached the maximum number of events in its history (${limit}).`;

const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/**
 * Appends an execution's history events as AWS numbers them, and enforces the
 * history quota as AWS does: event number `limit` must be `ExecutionSucceeded`,
 * anything else is replaced by an `ExecutionFailed` that ends the execution.
 */
export class HistoryRecorder {
  private closed = false;

  constructor(
    private readonly events: HistoryLog,
    private readonly clock: Clock,
    private readonly limit: number,
    /** Called once when the quota ends the execution. */
    private readonly onLimit: (error: string, cause: string) => void,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Appends an event; ignored once the history is closed. */
  add(type: string, details: Record<string, unknown> = {}): void {
    if (this.closed) return;
    if (this.events.length >= this.limit - 1 && type !== 'ExecutionSucceeded') {
      const cause = historyLimitCause(this.limit);
      this.push('ExecutionFailed', { executionFailedEventDetails: { error: HISTORY_LIMIT_ERROR, cause } });
      this.closed = true;
      this.onLimit(HISTORY_LIMIT_ERROR, cause);
      return;
    }
    this.push(type, details);
    if (TERMINAL.has(type)) this.closed = true;
  }

  private push(type: string, details: Record<string, unknown>): void {
    const id = this.events.length + 1;
    const previous = this.events.last;
    // AWS links the first state's entry to nothing (0); every other event to the one before it.
    const previousEventId =
      type.endsWith('StateEntered') && previous?.type === 'ExecutionStarted' ? 0 : id - 1;
    this.events.push({ id, previousEventId, timestamp: this.clock.now(), type, ...details });
  }
}

/** A history event as the API returns it: timestamps in epoch seconds, data optionally left out. */
export function renderEvent(event: HistoryEvent, includeExecutionData: boolean): Record<string, unknown> {
  const rendered: Record<string, unknown> = { ...event, timestamp: event.timestamp / 1000 };
  if (!includeExecutionData) {
    for (const [key, value] of Object.entries(rendered)) {
      if (key.endsWith('EventDetails') && typeof value === 'object' && value !== null) {
        const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
        rendered[key] = rest;
      }
    }
  }
  return rendered;
}
