/**
 * Rolls back in seconds instead of at the next poll: an EventBridge rule
 * sends every `CloudWatch Alarm State Change` to `ALARM` (or to
 * `INSUFFICIENT_DATA`) here, and this wakes each running deployment that
 * watches the alarm (and fails on that state). The woken deployment checks
 * its alarms at once, reading them itself, so an event is only ever a
 * prompt: a lost or late one costs time, never a decision, because the
 * loop still polls.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { createDeploymentLock, createSfnClient, lazily } from '../shared/clients';
import { type Clock, systemClock } from '../shared/deployment';
import type { DeploymentLock } from '../shared/lock';
import { logger } from '../shared/logger';
import { endWait } from '../shared/wake';

/** The part of a `CloudWatch Alarm State Change` event this reads
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html). */
export interface AlarmStateChange {
  'detail-type': 'CloudWatch Alarm State Change';
  time?: string;
  detail: { alarmName: string; state: { value: string } };
}

export interface WakeResult {
  alarmName: string;
  state: string;
  /** Alias ARNs of the deployments woken (their wait ended) or marked to check at their next wait. */
  woken: string[];
  marked: string[];
}

export interface WakeDeps {
  sfn: SFNClient;
  lock: DeploymentLock;
  clock?: Clock;
}

export async function wakeOnAlarm(event: AlarmStateChange, deps: WakeDeps): Promise<WakeResult> {
  const { alarmName } = event.detail;
  const state = event.detail.state.value;
  const result: WakeResult = { alarmName, state, woken: [], marked: [] };
  if (state !== 'ALARM' && state !== 'INSUFFICIENT_DATA') return result;
  const at = (deps.clock ?? systemClock)().toISOString();
  const watching = (await deps.lock.allLocks()).filter(
    (held) =>
      held.alarms?.includes(alarmName) &&
      !held.recovering &&
      (state === 'ALARM' || held.failOnInsufficientData === true),
  );
  // One deployment's failure must not keep the others from waking.
  await Promise.all(
    watching.map(async (candidate) => {
      try {
        const held = await deps.lock.wake(candidate.aliasArn, {
          cause: 'alarm',
          detail: `${alarmName} is ${state}`,
          at,
        });
        if (!held) return;
        if (await endWait(deps.sfn, held, `${alarmName} is ${state}`)) result.woken.push(held.aliasArn);
        else result.marked.push(held.aliasArn);
      } catch (error) {
        logger.warn('Could not wake a deployment; its next poll sees the alarm', {
          aliasArn: candidate.aliasArn,
          error: (error as Error).name,
        });
      }
    }),
  );
  logger.info('Woke deployments on an alarm', { ...result });
  return result;
}

const sfn = createSfnClient();
const lock = lazily(createDeploymentLock);

export const handler = async (event: AlarmStateChange): Promise<WakeResult> =>
  wakeOnAlarm(event, { sfn, lock: lock() });
