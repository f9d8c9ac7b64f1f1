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
  /** Restrict to one service's target prefix, e.g. `AWSStepFunctions`. @default - any service */
  readonly target?: string;
}

export interface PendingFault {
  readonly operation: string;
  readonly error: FaultError;
  readonly hold: boolean;
  readonly remaining: number;
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
    this.faults.push({
      operation: spec.operation,
      error,
      hold: spec.hold ?? false,
      remaining: count,
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
    fault.remaining--;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    if (fault.hold) return { held: new Promise<void>((resolve) => this.holding.push(resolve)) };
    return { error: faultError(fault.error) };
  }
}

/** Counts calls per `<targetPrefix>.<Operation>`, so tests can assert how often the cloud was called. */
export class CallLog {
  private readonly counts = new Map<string, number>();
  private readonly throttles = new Map<string, number>();

  record(target: string, operation: string): void {
    const key = `${target}.${operation}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
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

  reset(): void {
    this.counts.clear();
    this.throttles.clear();
  }
}
