import type { Caller } from './caller';

/** Who is calling and where: the region comes from the request's SigV4 credential scope. */
export interface RequestContext {
  readonly region: string;
  readonly accountId: string;
  /** Set for requests that came over HTTP. */
  readonly caller?: Caller;
  /**
   * Lets virtual time pass while the request waits for `work` that needs it (StartSyncExecution
   * waiting for its execution): the request holds the clock otherwise.
   */
  readonly whileWaiting?: <T>(work: Promise<T>) => Promise<T>;
}

/** An AWS token bucket: `bucketSize` calls at once, refilled at `refillPerSecond`. */
export interface TokenBucketLimit {
  readonly bucketSize: number;
  readonly refillPerSecond: number;
}

/**
 * One AWS service served over the AWS JSON 1.0 protocol. The server routes
 * `X-Amz-Target: <targetPrefix>.<Operation>` to `handle(operation, input)`;
 * a thrown `AwsServiceError` becomes the error response AWS would send.
 */
export interface AwsJsonService {
  /** e.g. `AWSStepFunctions` or `GraniteServiceVersion20100801`. */
  readonly targetPrefix: string;
  /** Whether errors also carry the `x-amzn-query-error: <Code>;Sender` header (CloudWatch's query-compatible mode). */
  readonly awsQueryCompatible?: boolean;
  handle(operation: string, input: Record<string, unknown>, context?: RequestContext): Promise<unknown>;
  /** AWS's documented throttle for an operation, applied when the server enforces throttling. */
  rateLimit?(operation: string, region: string): TokenBucketLimit | undefined;
}

/** A datapoint as `PutMetricData` takes it; the Step Functions service emits `AWS/States` metrics through this. */
export interface MetricDatum {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  timestampMs: number;
  unit?: string;
}

/** What the Step Functions service needs of CloudWatch. */
export interface MetricSink {
  putMetric(datum: MetricDatum): void;
}

/** One API call a service served, successful or not, as CloudTrail would see it. */
export interface ApiCall {
  /** e.g. `AWSStepFunctions`. */
  readonly targetPrefix: string;
  readonly operation: string;
  readonly input: Record<string, unknown>;
  /** The response, as sent on the wire; absent when the call failed. */
  readonly output?: unknown;
  /** The AWS error the call failed with. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly context: RequestContext;
  /** Virtual ms since the epoch. */
  readonly timeMs: number;
}

/** Told of every call a service serves (the local cloud turns them into CloudTrail events); must not throw. */
export type ApiCallListener = (call: ApiCall) => void;
