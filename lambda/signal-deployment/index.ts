/**
 * Operators steer a running deployment: `promote`, `pause`, `resume` or
 * `abort`, sent to this function (`aws lambda invoke`, or `sfn-deploy
 * promote|pause|resume|abort`). The signal is queued on the deployment's
 * lock, with who sent it and why, and the deployment's wait is ended so
 * it acts within seconds; its next check takes the signal, records it and
 * acts on it. A signal for an alias with no running deployment is an error,
 * and so is a malformed one: nothing is queued then.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { isAliasArn, isExecutionArn } from '../shared/arns';
import { createDeploymentLock, createSfnClient, lazily } from '../shared/clients';
import { type Clock, systemClock } from '../shared/deployment';
import { InvalidSignalError, NoDeploymentRunningError } from '../shared/errors';
import { type DeploymentLock, type HeldLock, type Signal, SIGNAL_ACTIONS } from '../shared/lock';
import { logger } from '../shared/logger';
import { endWait } from '../shared/wake';

export const REASON_MAX_CHARS = 1024;
export const SENDER_MAX_CHARS = 512;

const got = (value: unknown) => `got: ${value === undefined ? 'nothing' : JSON.stringify(value)}`;

const signalRequestSchema = z
  .strictObject(
    {
      action: z.enum(SIGNAL_ACTIONS, {
        error: (issue) => `action must be one of ${SIGNAL_ACTIONS.join(', ')}, ${got(issue.input)}`,
      }),
      target: z
        .string({ error: (issue) => `target must be an alias ARN or an execution ARN, ${got(issue.input)}` })
        .refine((value) => isAliasArn(value) || isExecutionArn(value), {
          error: (issue) =>
            'target must be the alias ARN of the deployment (arn:…:stateMachine:<name>:<alias>) or the ARN of ' +
            `the deployer execution that started it, ${got(issue.input)}`,
        }),
      reason: z
        .string({ error: (issue) => `reason must be text, ${got(issue.input)}` })
        .max(REASON_MAX_CHARS, { error: `reason must be at most ${REASON_MAX_CHARS} characters` })
        .optional(),
      sender: z
        .string({ error: (issue) => `sender must be text, ${got(issue.input)}` })
        .min(1, { error: 'sender must not be empty' })
        .max(SENDER_MAX_CHARS, { error: `sender must be at most ${SENDER_MAX_CHARS} characters` })
        .optional(),
      full: z.boolean({ error: (issue) => `full must be true or false, ${got(issue.input)}` }).optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown fields ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}: expected only action, target, reason, sender, full`
          : `a signal must be a JSON object, ${got(issue.input)}`,
    },
  )
  .refine((request) => request.full === undefined || request.action === 'promote', {
    error: 'full applies only to promote',
    path: ['full'],
  });

export type SignalRequest = z.input<typeof signalRequestSchema>;

export interface SignalResult {
  action: Signal['action'];
  aliasArn: string;
  /** The deployer execution that owns the deployment. */
  deployment: string;
  /** True when the deployment was waiting and acts now; otherwise it acts at its next check. */
  woken: boolean;
  signal: Signal;
}

export interface SignalDeps {
  sfn: SFNClient;
  lock: DeploymentLock;
  clock?: Clock;
}

export async function signalDeployment(input: unknown, deps: SignalDeps): Promise<SignalResult> {
  const parsed = signalRequestSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidSignalError(
      `Invalid signal: ${[...new Set(parsed.error.issues.map((issue) => issue.message))].join('; ')}`,
    );
  }
  const request = parsed.data;
  const at = (deps.clock ?? systemClock)().toISOString();
  const signal: Signal = {
    action: request.action,
    sender: request.sender ?? 'unnamed sender',
    reason: request.reason?.trim() || 'no reason given',
    at,
    ...(request.full ? { full: true } : {}),
  };
  const aliasArn = await aliasOf(request.target, deps.lock);
  const held = await deps.lock.wake(aliasArn, { cause: 'signal', detail: signal.action, at }, signal);
  if (!held) throw noDeployment(request.target);
  const woken = await endWait(deps.sfn, held, `${signal.action} from ${signal.sender}`);
  logger.info('Signal queued', { signal, aliasArn, deployment: held.owner, woken });
  return { action: signal.action, aliasArn, deployment: held.owner, woken, signal };
}

async function aliasOf(target: string, lock: DeploymentLock): Promise<string> {
  if (isAliasArn(target)) return target;
  const held: HeldLock | undefined = await lock.heldBy(target);
  if (!held) throw noDeployment(target);
  return held.aliasArn;
}

function noDeployment(target: string): NoDeploymentRunningError {
  return new NoDeploymentRunningError(
    isAliasArn(target)
      ? `No deployment of alias ${target} is running: nothing to signal (a deployment that already ended cannot be steered)`
      : `Execution ${target} is not running a deployment: name the execution that started it (not a continuation), or the alias ARN`,
  );
}

const sfn = createSfnClient();
const lock = lazily(createDeploymentLock);

export const handler = async (event: unknown): Promise<SignalResult> =>
  signalDeployment(event, { sfn, lock: lock() });
