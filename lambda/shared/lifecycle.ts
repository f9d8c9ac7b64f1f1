/**
 * Lifecycle events: the deployer tells EventBridge what each deployment
 * does (source `sfn-deployer`), so users wire notifications with an
 * ordinary rule. The schema is documented in docs/lifecycle-events.md.
 *
 * Each Lambda collects its events while it works and puts them last, after
 * every write it makes: a Lambda that fails before then publishes nothing,
 * and its retry publishes once. A retry after the put (a crash between the
 * put and the return) repeats them with the same `sequence`, which with
 * `deploymentId` names an event uniquely for consumers that must not see one
 * twice. A failed put is logged and never fails the deployment: traffic
 * safety does not wait on a notification.
 */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Deployment } from './deployment';
import { logger } from './logger';

export const EVENT_SOURCE = 'sfn-deployer';

export const DETAIL_TYPES = {
  started: 'Deployment Started',
  shifted: 'Weight Shifted',
  paused: 'Deployment Paused',
  resumed: 'Deployment Resumed',
  promoted: 'Deployment Promoted',
  rolledBack: 'Deployment Rolled Back',
  aborted: 'Deployment Aborted',
  analyzed: 'Analysis Verdict',
  preTrafficPassed: 'Pre-Traffic Tests Passed',
  preTrafficFailed: 'Pre-Traffic Tests Failed',
  postTrafficPassed: 'Post-Traffic Tests Passed',
  postTrafficFailed: 'Post-Traffic Tests Failed',
} as const;
export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

/** What every lifecycle event's `detail` holds, plus the fields of its type. */
export interface LifecycleDetail {
  /** The deployer execution that started the deployment (continuations keep it). */
  readonly deploymentId: string;
  /** 1, 2, 3… in the order the deployment did things: with deploymentId, the event's identity. */
  readonly sequence: number;
  readonly stateMachineArn: string;
  readonly aliasArn: string;
  readonly fromVersionArn: string;
  readonly toVersionArn: string;
  /** Percent the alias routes to the new version after what the event tells. */
  readonly weight: number;
  /** 1-based step of the plan, and how many steps it has. */
  readonly step: number;
  readonly steps: number;
  /** ISO time it happened. */
  readonly at: string;
  readonly [field: string]: unknown;
}

/** An event waiting to be put: its type and detail. */
export interface LifecycleEvent {
  readonly detailType: DetailType;
  readonly detail: LifecycleDetail;
}

/** Where lifecycle events go; absent in a Lambda's deps, none are put. */
export interface LifecycleEvents {
  put(events: readonly LifecycleEvent[]): Promise<void>;
}

/** PutEvents allows 10 entries per request. */
const BATCH = 10;

export class EventBridgeLifecycleEvents implements LifecycleEvents {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async put(events: readonly LifecycleEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += BATCH) {
      const batch = events.slice(start, start + BATCH);
      try {
        const out = await this.client.send(
          new PutEventsCommand({
            Entries: batch.map((event) => ({
              EventBusName: this.eventBusName,
              Source: EVENT_SOURCE,
              DetailType: event.detailType,
              Detail: JSON.stringify(event.detail),
              Resources: [event.detail.aliasArn, event.detail.deploymentId],
            })),
          }),
        );
        if (out.FailedEntryCount) {
          logger.warn('Some lifecycle events were not put', {
            failed: (out.Entries ?? [])
              .map((entry, index) => ({ ...entry, detailType: batch[index]?.detailType }))
              .filter((entry) => entry.ErrorCode),
          });
        }
      } catch (error) {
        logger.warn('Lifecycle events were not put', {
          error: (error as Error).name,
          message: (error as Error).message,
          detailTypes: batch.map((event) => event.detailType),
        });
      }
    }
  }
}

/**
 * Collects a Lambda's lifecycle events in order, numbering them from the
 * deployment's count (which travels in the state), to put at the end.
 */
export class LifecycleLog {
  readonly events: LifecycleEvent[] = [];

  constructor(private readonly deployment: Deployment) {}

  add(detailType: DetailType, at: Date, fields: Record<string, unknown> = {}): void {
    const deployment = this.deployment;
    deployment.lifecycleSequence = (deployment.lifecycleSequence ?? 0) + 1;
    this.events.push({
      detailType,
      detail: {
        deploymentId: deployment.owner,
        sequence: deployment.lifecycleSequence,
        stateMachineArn: deployment.stateMachineArn,
        aliasArn: deployment.aliasArn,
        fromVersionArn: deployment.originVersionArn,
        toVersionArn: deployment.targetVersionArn,
        weight: deployment.timeline.at(-1)?.weight ?? 0,
        step: Math.min(deployment.stepIndex + 1, deployment.steps.length),
        steps: deployment.steps.length,
        at: at.toISOString(),
        ...fields,
      },
    });
  }

  /** Puts what was collected, if anything; never throws. */
  async flush(sink: LifecycleEvents | undefined): Promise<void> {
    if (sink && this.events.length > 0) await sink.put(this.events);
  }
}
