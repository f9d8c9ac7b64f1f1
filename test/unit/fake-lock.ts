/**
 * An in-memory `DeploymentLock` with the table's semantics (one holder per
 * alias, idempotent for the owner, release harmless when not held, strict
 * checks that fail `DeploymentLockLost`, hand-offs claimed once) that
 * records every call, for tests of the Lambdas that use the lock.
 */
import { DeploymentInProgressError, DeploymentLockLostError } from '../../lambda/shared/errors';
import type {
  DeploymentLock,
  Handoff,
  HeldLock,
  LockClaim,
  LockOutcome,
  LockProgress,
  RecordedOutcome,
  Signal,
  WakeReason,
} from '../../lambda/shared/lock';
import { recordKey } from '../../lambda/shared/lock';

export type LockCall =
  | { method: 'acquire'; claim: LockClaim }
  | { method: 'assertHeld'; aliasArn: string; owner: string }
  | { method: 'update'; aliasArn: string; owner: string; progress: LockProgress }
  | { method: 'release'; aliasArn: string; owner: string; outcome: LockOutcome }
  | { method: 'promote'; aliasArn: string; owner: string; outcome: Omit<LockOutcome, 'status'> }
  | { method: 'heldBy'; owner: string }
  | { method: 'lockOn'; aliasArn: string }
  | { method: 'allLocks' }
  | { method: 'beginRecovery'; aliasArn: string; owner: string; now: string }
  | { method: 'handOff'; aliasArn: string; owner: string; handoff: Handoff }
  | { method: 'claimHandoff'; aliasArn: string; executionArn: string }
  | { method: 'outcomeOf'; aliasArn: string; recordKey: string }
  | { method: 'takeSignals'; aliasArn: string; owner: string }
  | { method: 'wake'; aliasArn: string; reason: WakeReason; signal?: Signal };

type Item = HeldLock & {
  acquiredAt: string;
  handoffTo?: string;
  handoffState?: string;
  segment?: string;
  wake?: WakeReason;
  signals?: Signal[];
};

export class FakeDeploymentLock implements DeploymentLock {
  readonly calls: LockCall[] = [];
  /** LOCK items by alias ARN. */
  readonly held = new Map<string, Item>();
  /** Outcomes recorded by release and promote, in order. */
  readonly released: LockOutcome[] = [];
  /** Recorded outcomes by record key. */
  readonly records = new Map<string, RecordedOutcome>();
  /** Makes the next calls of this method throw. */
  failing: Partial<Record<LockCall['method'], Error>> = {};

  /** A lock `owner` holds on `aliasArn`, as if acquired earlier and updated with these versions. */
  static holding(lock: Omit<HeldLock, 'recordKey'> & { acquiredAt?: string }): FakeDeploymentLock {
    const fake = new FakeDeploymentLock();
    const acquiredAt = lock.acquiredAt ?? '2026-03-02T10:00:00.000Z';
    fake.held.set(lock.aliasArn, { ...lock, acquiredAt, recordKey: recordKey(acquiredAt, lock.owner) });
    return fake;
  }

  async acquire(claim: LockClaim): Promise<void> {
    this.record({ method: 'acquire', claim });
    const current = this.held.get(claim.aliasArn);
    if (current && current.owner !== claim.owner) {
      throw new DeploymentInProgressError(
        `Alias ${claim.aliasArn.split(':').at(-1)} is being deployed by execution ${current.owner} since ${current.acquiredAt}`,
        { holder: this.view(current) },
      );
    }
    this.held.set(claim.aliasArn, {
      aliasArn: claim.aliasArn,
      owner: claim.owner,
      recordKey: recordKey(claim.startedAt, claim.owner),
      acquiredAt: claim.startedAt,
      ...(claim.alarms && claim.alarms.length > 0 ? { alarms: [...claim.alarms] } : {}),
      failOnInsufficientData: claim.failOnInsufficientData ?? false,
      judgesExecutions: claim.judgesExecutions ?? false,
    });
    this.records.set(recordKey(claim.startedAt, claim.owner), { status: 'IN_PROGRESS' });
  }

  async assertHeld(aliasArn: string, owner: string): Promise<HeldLock> {
    this.record({ method: 'assertHeld', aliasArn, owner });
    return this.view(this.holding(aliasArn, owner));
  }

  async update(aliasArn: string, owner: string, progress: LockProgress): Promise<void> {
    this.record({ method: 'update', aliasArn, owner, progress });
    const current = this.holding(aliasArn, owner);
    if (progress.originVersionArn) current.originVersionArn = progress.originVersionArn;
    if (progress.targetVersionArn) current.targetVersionArn = progress.targetVersionArn;
  }

  async release(aliasArn: string, owner: string, outcome: LockOutcome): Promise<void> {
    this.record({ method: 'release', aliasArn, owner, outcome });
    const current = this.held.get(aliasArn);
    if (current?.owner !== owner) return;
    this.released.push(outcome);
    this.records.set(current.recordKey, {
      status: outcome.status,
      error: outcome.error,
      cause: outcome.cause,
    });
    this.held.delete(aliasArn);
  }

  async promote(aliasArn: string, owner: string, outcome: Omit<LockOutcome, 'status'>): Promise<void> {
    this.record({ method: 'promote', aliasArn, owner, outcome });
    const current = this.holding(aliasArn, owner);
    this.released.push({ ...outcome, status: 'PROMOTED' });
    this.records.set(current.recordKey, { status: 'PROMOTED' });
    this.held.delete(aliasArn);
  }

  async heldBy(owner: string): Promise<HeldLock | undefined> {
    this.record({ method: 'heldBy', owner });
    const found = [...this.held.values()].find((lock) => lock.owner === owner);
    return found && this.view(found);
  }

  async lockOn(aliasArn: string): Promise<HeldLock | undefined> {
    this.record({ method: 'lockOn', aliasArn });
    const found = this.held.get(aliasArn);
    return found && this.view(found);
  }

  async allLocks(): Promise<HeldLock[]> {
    this.record({ method: 'allLocks' });
    return [...this.held.values()].map((item) => this.view(item));
  }

  async beginRecovery(aliasArn: string, owner: string, now: string): Promise<HeldLock | undefined> {
    this.record({ method: 'beginRecovery', aliasArn, owner, now });
    const current = this.held.get(aliasArn);
    if (current?.owner !== owner) return undefined;
    current.recovering ??= now;
    delete current.handoffTo;
    return this.view(current);
  }

  async handOff(aliasArn: string, owner: string, handoff: Handoff): Promise<void> {
    this.record({ method: 'handOff', aliasArn, owner, handoff });
    const current = this.holding(aliasArn, owner);
    current.handoffTo = handoff.executionName;
    current.handoffState = handoff.state;
  }

  async claimHandoff(aliasArn: string, executionArn: string): Promise<string> {
    this.record({ method: 'claimHandoff', aliasArn, executionArn });
    const current = this.held.get(aliasArn);
    const name = executionArn.split(':').at(-1);
    if (current?.handoffState && current.segment === executionArn && !current.recovering)
      return current.handoffState;
    if (!current?.handoffState || current.handoffTo !== name || current.recovering) {
      throw new DeploymentLockLostError(
        `Execution ${name} is not the continuation any deployment of ${aliasArn} handed its loop to`,
      );
    }
    current.segment = executionArn;
    delete current.handoffTo;
    return current.handoffState;
  }

  async outcomeOf(aliasArn: string, key: string): Promise<RecordedOutcome | undefined> {
    this.record({ method: 'outcomeOf', aliasArn, recordKey: key });
    return this.records.get(key);
  }

  async takeSignals(aliasArn: string, owner: string): Promise<Signal[]> {
    this.record({ method: 'takeSignals', aliasArn, owner });
    const current = this.holding(aliasArn, owner);
    const signals = current.signals ?? [];
    delete current.signals;
    delete current.wake;
    delete current.taskToken;
    return signals;
  }

  async wake(aliasArn: string, reason: WakeReason, signal?: Signal): Promise<HeldLock | undefined> {
    this.record({ method: 'wake', aliasArn, reason, signal });
    const current = this.held.get(aliasArn);
    if (!current || current.recovering) return undefined;
    current.wake = reason;
    if (signal) current.signals = [...(current.signals ?? []), signal];
    return this.view(current);
  }

  /** The signals queued on the lock of `aliasArn`. */
  queuedSignals(aliasArn: string): Signal[] {
    return this.held.get(aliasArn)?.signals ?? [];
  }

  /** The names of the methods called, in order. */
  methods(): LockCall['method'][] {
    return this.calls.map((call) => call.method);
  }

  /** The names of the methods that change something, in order. */
  writes(): LockCall['method'][] {
    const reads = new Set<LockCall['method']>(['assertHeld', 'heldBy', 'lockOn', 'allLocks', 'outcomeOf']);
    return this.methods().filter((method) => !reads.has(method));
  }

  private holding(aliasArn: string, owner: string): Item {
    const current = this.held.get(aliasArn);
    if (current?.owner !== owner || current.recovering) {
      throw new DeploymentLockLostError(`The deployment of ${aliasArn} by ${owner} no longer holds its lock`);
    }
    return current;
  }

  private view(item: Item): HeldLock {
    const {
      handoffTo: _to,
      handoffState: _state,
      segment: _segment,
      wake,
      signals: _signals,
      ...held
    } = item;
    return { ...held, ...(wake !== undefined ? { wakePending: true } : {}) };
  }

  private record(call: LockCall): void {
    this.calls.push(call);
    const error = this.failing[call.method];
    if (error) throw error;
  }
}
