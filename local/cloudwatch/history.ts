import { AlarmType, epochSeconds } from './alarm-model';

export type HistoryItemType = 'ConfigurationUpdate' | 'StateUpdate' | 'Action';
export const HISTORY_ITEM_TYPES: readonly string[] = [
  'ConfigurationUpdate',
  'StateUpdate',
  'Action',
  'AlarmContributorStateUpdate',
  'AlarmContributorAction',
];

export interface HistoryItem {
  /** Increases with every item recorded; orders items of equal timestamp and anchors pagination. */
  seq: number;
  alarmName: string;
  alarmType: AlarmType;
  timestampMs: number;
  type: HistoryItemType;
  summary: string;
  /** JSON text, as `HistoryData` is on the wire. */
  data: string;
}

export interface HistoryQuery {
  alarmName?: string;
  alarmTypes: readonly AlarmType[];
  type?: string;
  startMs?: number;
  endMs?: number;
  ascending: boolean;
}

/** "CloudWatch preserves alarm history for 30 days" (AlarmThatSendsEmail.html). */
const RETENTION_MS = 30 * 24 * 3600 * 1000;

/** Alarm history; it outlives the alarms themselves, as CloudWatch's does. */
export class AlarmHistory {
  private items: HistoryItem[] = [];
  private nextSeq = 1;

  record(item: Omit<HistoryItem, 'seq'>): void {
    this.items.push({ ...item, seq: this.nextSeq++ });
  }

  /** Matching items in the requested order; items of equal timestamp keep the order they happened in. */
  query(q: HistoryQuery, nowMs: number): HistoryItem[] {
    this.items = this.items.filter((i) => i.timestampMs >= nowMs - RETENTION_MS);
    const matching = this.items.filter(
      (i) =>
        (q.alarmName === undefined || i.alarmName === q.alarmName) &&
        q.alarmTypes.includes(i.alarmType) &&
        (q.type === undefined || i.type === q.type) &&
        (q.startMs === undefined || i.timestampMs >= q.startMs) &&
        (q.endMs === undefined || i.timestampMs <= q.endMs),
    );
    const sorted = [...matching].sort((a, b) => a.timestampMs - b.timestampMs || a.seq - b.seq);
    return q.ascending ? sorted : sorted.reverse();
  }
}

export function describeHistoryItem(i: HistoryItem): Record<string, unknown> {
  return {
    AlarmName: i.alarmName,
    AlarmType: i.alarmType,
    Timestamp: epochSeconds(i.timestampMs),
    HistoryItemType: i.type,
    HistorySummary: i.summary,
    HistoryData: i.data,
  };
}
