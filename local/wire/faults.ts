import { AwsServiceError } from './aws-error';

/** The failures tests can inject: AWS's throttle and its two transient 5xx errors. */
export type FaultError = 'ThrottlingException' | 'ServiceUnavailable' | 'InternalFailure';

export interface FaultSpec {
  /** Operation name, e.g. `UpdateStateMachineAlias`. */
  readonly operation: string;
  /** @default 'ThrottlingException' */
  readonly error?: FaultError;
  /**
   * Instead of failing, hold the call on the wire (neither answered nor applied) until
   * {@link FaultInjector.releaseHeld}; it then goes through as usual. A slow request, for
   * tests of what happens while a write is in flight.
   */
  readonly hold?: boolean;
  /** How many of the next calls fail. @default 1 */
  readonly count?: number;
  /** How many matching calls to let through first, e.g. the first deletes of a batch. @default 0 */
  readonly skip?: number;
  /** Restrict to one service's target prefix, e.g. `AWSStepFunctions`. @default - any service */
  readonly target?: string;
}

export interface PendingFault {
  readonly operation: string;
  readonly error: FaultError;
  readonly hold: boolean;
  readonly remaining: number;
  /** Matching calls still to let through before failing. */
  readonly skip: number;
  readonly target?: string;
}

const FAULT_ERRORS: Record<FaultError, { status: number; message: string }> = {
  ThrottlingException: { status: 400, message: 'Rate exceeded' },
  ServiceUnavailable: {
    status: 503,
    message: 'The request has failed due to a temporary failure of the server.',
  },
  InternalFailure: {
    status: 500,
    message: 'The request processing has failed because of an unknown error, exception or failure.',
  },
};

export function faultError(error: FaultError): AwsServiceError {
  const { status, message } = FAULT_ERRORS[error];
  return new AwsServiceError(error, message, status);
}

/** Makes the next N calls of an operation fail, so tests can exercise retries and rollbacks. */
/** What a call must do when a fault matches it: fail with `error`, or wait for `held` first. */
export type TakenFault = { readonly error: AwsServiceError } | { readonly held: Promise<void> };

export class FaultInjector {
  private faults: {
    operation: string;
    error: FaultError;
    hold: boolean;
    remaining: number;
    skip: number;
    target?: string;
  }[] = [];
  private holding: (() => void)[] = [];

  inject(spec: FaultSpec): void {
    const error = spec.error ?? 'ThrottlingException';
    const count = spec.count ?? 1;
    if (typeof spec.operation !== 'string' || spec.operation === '') {
      throw new Error(`operation must be a non-empty string, got: ${JSON.stringify(spec.operation)}`);
    }
    if (!(error in FAULT_ERRORS)) {
      throw new Error(
        `error must be one of ${Object.keys(FAULT_ERRORS).join(', ')}, got: ${JSON.stringify(error)}`,
      );
    }
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`count must be an integer >= 1, got: ${count}`);
    const skip = spec.skip ?? 0;
    if (!Number.isInteger(skip) || skip < 0) throw new Error(`skip must be an integer >= 0, got: ${skip}`);
    this.faults.push({
      operation: spec.operation,
      error,
      hold: spec.hold ?? false,
      remaining: count,
      skip,
      target: spec.target,
    });
  }

  /** Drops the pending faults and lets every held call go. */
  clear(): void {
    this.faults = [];
    this.releaseHeld();
  }

  /** Calls held on the wire now. */
  get heldCalls(): number {
    return this.holding.length;
  }

  /** Lets every held call go through. */
  releaseHeld(): void {
    const release = this.holding;
    this.holding = [];
    for (const go of release) go();
  }

  pending(): PendingFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** Consumes one matching fault, if any, and says what the call must do. */
  take(target: string, operation: string): TakenFault | undefined {
    const fault = this.faults.find(
      (f) => f.operation === operation && (f.target === undefined || f.target === target),
    );
    if (!fault) return undefined;
    if (fault.skip > 0) {
      fault.skip--;
      return undefined;
    }
    fault.remaining--;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    if (fault.hold) return { held: new Promise<void>((resolve) => this.holding.push(resolve)) };
    return { error: faultError(fault.error) };
  }
}

/** One AWS call the server served, as {@link CallLog.journal} lists it. */
export interface JournalEntry {
  /** Order of arrival, from 1; keeps counting when old entries are dropped. */
  readonly seq: number;
  /** Virtual ms since the epoch when the call arrived. */
  readonly atMs: number;
  /** e.g. `AWSStepFunctions`, `GraniteServiceVersion20100801`, `Lambda`, `sts`. */
  readonly target: string;
  readonly operation: string;
  /** The request as parsed JSON (`{}` when the body was not a JSON object). */
  readonly input: Record<string, unknown>;
  /** Who called: a local Lambda (its ARN and execution role), else none. */
  readonly caller?: { readonly functionArn: string; readonly roleArn?: string };
  /** The AWS error code the call was answered with, if it failed. */
  readonly error?: string;
}

/** A call being served: the server sets its error when it answers with one. */
export interface JournalRecord {
  failed(code: string): void;
}

/** The journal keeps the newest calls only: enough for a test's deployment, bounded for a year-long run. */
export const JOURNAL_LIMIT = 10_000;

/**
 * Counts calls per `<targetPrefix>.<Operation>`, so tests can assert how often the cloud was called,
 * and journals the last {@link JOURNAL_LIMIT} calls with their time, input, caller and error.
 */
export class CallLog {
  private readonly counts = new Map<string, number>();
  private readonly throttles = new Map<string, number>();
  /** A ring buffer: `entries[(next - 1) % limit]` is the newest once it has wrapped. */
  private entries: JournalEntry[] = [];
  private next = 0;
  private seq = 0;

  /**
   * @param now virtual time of the cloud, for the journal's times
   * @param roleOf a local Lambda's execution role, to name it as the caller
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly roleOf: (functionArn: string) => string | undefined = () => undefined,
    private readonly limit = JOURNAL_LIMIT,
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`limit must be an integer >= 1, got: ${limit}`);
  }

  /** Counts a call and journals it; the returned record takes the error it was answered with, if any. */
  record(
    target: string,
    operation: string,
    input: Record<string, unknown> = {},
    functionArn?: string,
  ): JournalRecord {
    const key = `${target}.${operation}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    const entry: { -readonly [K in keyof JournalEntry]: JournalEntry[K] } = {
      seq: ++this.seq,
      atMs: this.now(),
      target,
      operation,
      input,
      ...(functionArn === undefined ? {} : { caller: { functionArn, roleArn: this.roleOf(functionArn) } }),
    };
    if (this.entries.length < this.limit) this.entries.push(entry);
    else this.entries[this.next] = entry;
    this.next = (this.next + 1) % this.limit;
    return {
      failed: (code) => {
        entry.error = code;
      },
    };
  }

  /**
   * The journaled calls, oldest first, optionally only those of one operation (`Operation` or
   * `Prefix.Operation`) or from `sinceMs` of virtual time on.
   */
  journal(filter: { operation?: string; sinceMs?: number } = {}): JournalEntry[] {
    const ordered =
      this.entries.length < this.limit
        ? this.entries
        : [...this.entries.slice(this.next), ...this.entries.slice(0, this.next)];
    const { operation, sinceMs } = filter;
    return ordered
      .filter(
        (entry) =>
          (operation === undefined ||
            entry.operation === operation ||
            `${entry.target}.${entry.operation}` === operation) &&
          (sinceMs === undefined || entry.atMs >= sinceMs),
      )
      .map((entry) => ({ ...entry, ...(entry.caller ? { caller: { ...entry.caller } } : {}) }));
  }

  /** Calls of `operation` (any service), or of `Prefix.Operation` when the name has a dot. */
  count(operation: string): number {
    if (operation.includes('.')) return this.counts.get(operation) ?? 0;
    let total = 0;
    for (const [key, n] of this.counts) if (key.slice(key.lastIndexOf('.') + 1) === operation) total += n;
    return total;
  }

  /** A call of `operation` the token buckets rejected with `ThrottlingException` (`throttling: true`). */
  recordThrottled(target: string, operation: string): void {
    const key = `${target}.${operation}`;
    this.throttles.set(key, (this.throttles.get(key) ?? 0) + 1);
  }

  /** Calls of `operation` (any service) the token buckets rejected. */
  throttled(operation: string): number {
    let total = 0;
    for (const [key, n] of this.throttles) if (key.slice(key.lastIndexOf('.') + 1) === operation) total += n;
    return total;
  }

  all(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Forgets the counts and the journal (the journal's `seq` goes on counting). */
  reset(): void {
    this.counts.clear();
    this.throttles.clear();
    this.entries = [];
    this.next = 0;
  }
}
