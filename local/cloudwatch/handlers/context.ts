import type { Clock } from '../../clock/clock';
import type { AlarmRegistry } from '../alarm-registry';
import type { Input } from '../input';
import type { MetricStore } from '../metric-store';

/** What an API handler works on. */
export interface CloudWatchContext {
  clock: Clock;
  metrics: MetricStore;
  alarms: AlarmRegistry;
}

export type Handler = (ctx: CloudWatchContext, input: Input) => Record<string, unknown>;

export const STANDARD_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;
