/**
 * EventBridge's `PutEvents` on the local cloud's default bus, as
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 * describes it: 1 to 10 entries, at most 256 KB in all (sized as
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
 * says), each entry accepted or refused on its own (`FailedEntryCount`,
 * `ErrorCode`): a missing Source, DetailType or Detail is `InvalidArgument`,
 * a Detail that is not a JSON object `MalformedDetail`, an `aws.` source
 * `NotAuthorizedForSourceException`, a bus other than the default one
 * `ResourceNotFoundException`. Accepted events go on the bus in AWS's
 * shape, matched against its rules.
 */
import { randomUUID } from 'node:crypto';
import type { BusyClock } from '../clock/clock';
import { AwsServiceError } from '../wire/aws-error';
import type { AwsJsonService, RequestContext, TokenBucketLimit } from '../wire/service';
import type { BusEvent } from './bus';

export const EVENTS_TARGET_PREFIX = 'AWSEvents';
export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

interface Entry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  EventBusName?: unknown;
  Time?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface EventsServiceOptions {
  readonly clock: BusyClock;
  readonly region: string;
  readonly accountId: string;
  /** Puts an accepted event on the bus (the cloud's drop switch does not apply: PutEvents is acknowledged). */
  readonly put: (event: BusEvent) => void;
}

export class EventsService implements AwsJsonService {
  readonly targetPrefix = EVENTS_TARGET_PREFIX;

  constructor(private readonly options: EventsServiceOptions) {}

  async handle(
    operation: string,
    input: Record<string, unknown>,
    context?: RequestContext,
  ): Promise<unknown> {
    if (operation !== 'PutEvents')
      throw new AwsServiceError(
        'UnknownOperationException',
        `The local cloud's EventBridge serves PutEvents only`,
      );
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ` +
          `between 1 and ${MAX_ENTRIES}, got: ${Array.isArray(entries) ? entries.length : 'no list'}`,
      );
    }
    const size = (entries as Entry[]).reduce((sum, entry) => sum + entrySize(entry), 0);
    if (size > MAX_REQUEST_BYTES)
      throw new AwsServiceError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );

    const region = context?.region ?? this.options.region;
    const accountId = context?.accountId ?? this.options.accountId;
    const results = (entries as Entry[]).map((entry) => this.putEntry(entry, region, accountId));
    return {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    };
  }

  /** AWS's documented PutEvents quota varies by region; 10,000 per second in the largest (eb-quota.html). */
  rateLimit(operation: string): TokenBucketLimit | undefined {
    return operation === 'PutEvents' ? { bucketSize: 10_000, refillPerSecond: 10_000 } : undefined;
  }

  private putEntry(entry: Entry, region: string, accountId: string): EntryResult {
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (typeof entry[field] !== 'string' || entry[field] === '') {
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
        };
      }
    }
    const bus = busName(entry.EventBusName);
    if (bus !== 'default')
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus} does not exist.` };
    const source = entry.Source as string;
    if (source.startsWith('aws.'))
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail as string);
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    const id = randomUUID();
    const time = typeof entry.Time === 'number' ? entry.Time * 1000 : this.options.clock.now();
    this.options.put({
      version: '0',
      id,
      'detail-type': entry.DetailType as string,
      source,
      account: accountId,
      time: new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      detail,
    });
    return { EventId: id };
  }
}

/** `default`, a bus name, or a bus ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`). */
export function busName(value: unknown): string {
  if (value === undefined || value === null || value === '') return 'default';
  const name = String(value);
  const arn = /^arn:[^:]+:events:[^:]*:\d{12}:event-bus\/(.+)$/.exec(name);
  return arn ? arn[1]! : name;
}

/** An entry's size as EventBridge counts it: 14 bytes for a Time, then the UTF-8 bytes of each field. */
export function entrySize(entry: Entry): number {
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  return (
    (entry.Time !== undefined ? 14 : 0) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (Array.isArray(entry.Resources) ? entry.Resources.reduce((sum: number, r) => sum + bytes(r), 0) : 0)
  );
}
