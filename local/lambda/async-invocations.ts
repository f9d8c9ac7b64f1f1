/**
 * Lambda's asynchronous invocation (`InvocationType: Event`, as EventBridge
 * targets use), on the virtual clock
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html):
 * a function error is retried twice, one minute and then two minutes later;
 * `MaximumRetryAttempts` and `MaximumEventAgeInSeconds` of the function's
 * `AWS::Lambda::EventInvokeConfig` change that. An event that still fails is
 * dropped, or sent as an invocation record to the config's on-failure
 * destination, kept here in a local queue store tests can read.
 */
import { randomUUID } from 'node:crypto';
import type { BusyClock } from '../clock/clock';
import { resolveIntrinsics, type ReferenceResolver } from '../eventbridge/rules';

/** Delays before the first and second retry of a failed asynchronous invocation. */
export const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000] as const;
/** Lambda's defaults: 2 retries, events kept 6 hours. */
export const DEFAULT_MAX_RETRY_ATTEMPTS = 2;
export const DEFAULT_MAX_EVENT_AGE_SECONDS = 21_600;

/** An `AWS::Lambda::EventInvokeConfig`, resolved. */
export interface AsyncInvokeConfig {
  /** 0 to 2. @default 2 */
  readonly maximumRetryAttempts?: number;
  /** 60 to 21,600. @default 21600 */
  readonly maximumEventAgeSeconds?: number;
  /** ARN of the on-failure destination (an SQS queue, SNS topic, function or bus). @default - failed events are dropped */
  readonly onFailure?: string;
}

/**
 * What Lambda sends to an on-failure destination
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 */
export interface InvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetriesExhausted' | 'EventAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError: 'Unhandled';
  };
  readonly responsePayload: unknown;
}

export interface AsyncInvocationsOptions {
  readonly clock: BusyClock;
  /** Runs one attempt; a rejection is a function error. */
  readonly invoke: (functionArn: string, payload: unknown) => Promise<unknown>;
  /** Says whether to lose this event before it is queued (best-effort delivery on demand). */
  readonly drop?: (functionArn: string) => boolean;
}

export class AsyncInvocations {
  /** Records sent to each on-failure destination, by destination ARN, oldest first. */
  readonly destinations = new Map<string, InvocationRecord[]>();
  private readonly configs = new Map<string, AsyncInvokeConfig>();
  private readonly pending = new Set<Promise<void>>();
  private readonly stopped = new AbortController();

  constructor(private readonly options: AsyncInvocationsOptions) {}

  /** Sets a function's asynchronous invocation config (`PutFunctionEventInvokeConfig`). */
  configure(functionArn: string, config: AsyncInvokeConfig): void {
    const retries = config.maximumRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS;
    if (!Number.isInteger(retries) || retries < 0 || retries > 2) {
      throw new Error(
        `MaximumRetryAttempts of ${functionArn} must be an integer from 0 to 2, got: ${config.maximumRetryAttempts}`,
      );
    }
    const age = config.maximumEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS;
    if (!Number.isInteger(age) || age < 60 || age > 21_600) {
      throw new Error(
        `MaximumEventAgeInSeconds of ${functionArn} must be an integer from 60 to 21600, got: ${config.maximumEventAgeSeconds}`,
      );
    }
    this.configs.set(functionArn, config);
  }

  /** Records sent to `destinationArn`, e.g. the deployer's recovery-failures queue. */
  records(destinationArn: string): InvocationRecord[] {
    return [...(this.destinations.get(destinationArn) ?? [])];
  }

  /**
   * Queues an event for the function. Resolves with the first attempt's outcome (rejects with its
   * error, for the caller's delivery log); the retries and the on-failure record follow in the background.
   */
  invoke(functionArn: string, payload: unknown): Promise<void> {
    if (this.options.drop?.(functionArn)) return Promise.resolve();
    const queuedAt = this.options.clock.now();
    const requestId = randomUUID();
    let firstSettled!: (error: unknown) => void;
    const first = new Promise<unknown>((resolve) => (firstSettled = resolve));
    const work = this.attempts(functionArn, payload, queuedAt, requestId, firstSettled);
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
    return first.then((error) => {
      if (error !== undefined) throw error;
    });
  }

  /** Resolves once every queued event is done with (succeeded, dropped or recorded), retries included. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Abandons the retries still waiting (the cloud is shutting down). */
  stop(): void {
    this.stopped.abort(new Error('the local cloud stopped'));
  }

  private async attempts(
    functionArn: string,
    payload: unknown,
    queuedAt: number,
    requestId: string,
    firstSettled: (error: unknown) => void,
  ): Promise<void> {
    const config = this.configs.get(functionArn) ?? {};
    const retries = config.maximumRetryAttempts ?? DEFAULT_MAX_RETRY_ATTEMPTS;
    const expiresAt = queuedAt + (config.maximumEventAgeSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
    let invokeCount = 0;
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        try {
          await this.options.clock.sleep(ASYNC_RETRY_DELAYS_MS[attempt - 1]!, this.stopped.signal);
        } catch {
          return;
        }
        if (this.options.clock.now() > expiresAt) {
          return this.failed(
            config,
            functionArn,
            payload,
            requestId,
            'EventAgeExceeded',
            invokeCount,
            lastError,
          );
        }
      }
      invokeCount++;
      try {
        await this.options.invoke(functionArn, payload);
        if (attempt === 0) firstSettled(undefined);
        return;
      } catch (error) {
        lastError = error;
        if (attempt === 0) firstSettled(error);
      }
    }
    this.failed(config, functionArn, payload, requestId, 'RetriesExhausted', invokeCount, lastError);
  }

  private failed(
    config: AsyncInvokeConfig,
    functionArn: string,
    payload: unknown,
    requestId: string,
    condition: InvocationRecord['requestContext']['condition'],
    invokeCount: number,
    error: unknown,
  ): void {
    if (!config.onFailure) {
      console.error(
        `local cloud: an asynchronous invocation of ${functionArn} failed ${invokeCount} times and was dropped`,
      );
      return;
    }
    const record: InvocationRecord = {
      version: '1.0',
      timestamp: new Date(this.options.clock.now()).toISOString(),
      requestContext: {
        requestId,
        functionArn: `${functionArn}:$LATEST`,
        condition,
        approximateInvokeCount: invokeCount,
      },
      requestPayload: payload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: errorPayload(error),
    };
    const queue = this.destinations.get(config.onFailure) ?? [];
    queue.push(record);
    this.destinations.set(config.onFailure, queue);
  }
}

/** The function's error response: the `{errorType, errorMessage, trace}` a local Lambda's failure carries as its cause. */
function errorPayload(error: unknown): unknown {
  const cause = error instanceof Error ? error.message : String(error);
  try {
    return JSON.parse(cause);
  } catch {
    return { errorType: error instanceof Error ? error.name : 'Error', errorMessage: cause };
  }
}

/** A template's `AWS::Lambda::EventInvokeConfig` resources, resolved with `reference`: function name or ARN, and its config. */
export function asyncInvokeConfigsFromTemplate(
  template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> },
  reference: ReferenceResolver,
): { functionName: string; config: AsyncInvokeConfig }[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::EventInvokeConfig')
    .map(([logicalId, resource]) => {
      const properties = resolveIntrinsics(resource.Properties ?? {}, reference) as {
        FunctionName?: unknown;
        Qualifier?: unknown;
        MaximumRetryAttempts?: number;
        MaximumEventAgeInSeconds?: number;
        DestinationConfig?: { OnFailure?: { Destination?: string } };
      };
      if (typeof properties.FunctionName !== 'string') throw new Error(`${logicalId} has no FunctionName`);
      if (properties.Qualifier !== undefined && properties.Qualifier !== '$LATEST') {
        throw new Error(
          `${logicalId}: the local cloud runs $LATEST only, got Qualifier ${JSON.stringify(properties.Qualifier)}`,
        );
      }
      return {
        functionName: properties.FunctionName,
        config: {
          maximumRetryAttempts: properties.MaximumRetryAttempts,
          maximumEventAgeSeconds: properties.MaximumEventAgeInSeconds,
          onFailure: properties.DestinationConfig?.OnFailure?.Destination,
        },
      };
    });
}
