/**
 * Typed errors of the deployer. A Step Functions `Catch`/`Retry` matches
 * `ErrorEquals` against the Lambda's error type, which is the error's `name`:
 * so `name` is the contract, and the class name only says it in TypeScript.
 */
import type { HeldLock } from './lock';

export abstract class DeployerError extends Error {
  abstract override readonly name: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The deploy request is malformed; nothing was changed. */
export class InvalidDeployRequestError extends DeployerError {
  override readonly name = 'InvalidDeployRequest';
  constructor(readonly problems: string[]) {
    super(`Invalid deploy request: ${problems.join('; ')}`);
  }
}

/** The target state machine does not exist. */
export class StateMachineNotFoundError extends DeployerError {
  override readonly name = 'StateMachineNotFound';
}

/** The version to deploy does not exist, or the state machine has none. */
export class VersionNotFoundError extends DeployerError {
  override readonly name = 'VersionNotFound';
}

/** One or more alarm names do not exist (as metric or composite alarms). */
export class AlarmNotFoundError extends DeployerError {
  override readonly name = 'AlarmNotFound';
  constructor(readonly alarmNames: string[]) {
    super(`Alarms not found (neither metric nor composite): ${alarmNames.join(', ')}`);
  }
}

/** A watched alarm was already in ALARM before the first shift. */
export class AlarmAlreadyFiringError extends DeployerError {
  override readonly name = 'AlarmAlreadyFiring';
  constructor(readonly alarmNames: string[]) {
    super(
      `Alarms already in ALARM before the deployment started: ${alarmNames.join(', ')}. ` +
        'Fix them first, or set ignoreAlarmsAlreadyFiring to watch only new transitions.',
    );
  }
}

/** Another deployment holds the alias, or the alias is split from an earlier one. */
export class DeploymentInProgressError extends DeployerError {
  override readonly name = 'DeploymentInProgress';
  /** The lock that is in the way, when the conflict is the lock. */
  readonly holder?: HeldLock;
  constructor(message: string, options?: { cause?: unknown; holder?: HeldLock }) {
    super(message, options);
    this.holder = options?.holder;
  }
}

/**
 * The deployment no longer holds its alias's lock (recovery or another
 * deployment took it over): it stops without touching the alias.
 */
export class DeploymentLockLostError extends DeployerError {
  override readonly name = 'DeploymentLockLost';
}

/** The loop reached a state it has no rule for: it fails closed, after rolling back if traffic moved. */
export class UnexpectedLoopStateError extends DeployerError {
  override readonly name = 'UnexpectedLoopState';
}

/** Someone else changed the alias while the deployer owned it. */
export class AliasDriftError extends DeployerError {
  override readonly name = 'AliasDrift';
}

/** The state machine changed between uploading the definition and publishing it. */
export class RevisionConflictError extends DeployerError {
  override readonly name = 'RevisionConflict';
}

/**
 * A pre-traffic test (or hook) failed on the new version: nothing was shifted,
 * the version stays published, and the alias is free again.
 */
export class PreTrafficTestFailedError extends DeployerError {
  override readonly name = 'PreTrafficTestFailed';
}

/** Errors that reject a deployment before anything was shifted. */
export const REJECTION_ERRORS = [
  'InvalidDeployRequest',
  'StateMachineNotFound',
  'VersionNotFound',
  'AlarmNotFound',
  'AlarmAlreadyFiring',
  'DeploymentInProgress',
  'RevisionConflict',
  'PreTrafficTestFailed',
] as const;

/** The name an unknown thrown value reports, for logs and causes. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** A signal for an alias (or execution) with no running deployment. */
export class NoDeploymentRunningError extends DeployerError {
  override readonly name = 'NoDeploymentRunning';
}

/** A signal that is malformed: nothing was sent. */
export class InvalidSignalError extends DeployerError {
  override readonly name = 'InvalidSignal';
}
