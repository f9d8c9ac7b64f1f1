/**
 * An in-memory `DeploymentLock` with the table's semantics (one holder per
 * alias, idempotent for the owner, release harmless when not held) that
 * records every call, for tests of the Lambdas that use the lock.
 */
import { DeploymentInProgressError } from '../../lambda/shared/errors';
import type { DeploymentLock, HeldLock, LockClaim, LockOutcome, LockProgress } from '../../lambda/shared/lock';
import { recordKey } from '../../lambda/shared/lock';

export type LockCall =
  | { method: 'acquire'; claim: LockClaim }
  | { method: 'update'; aliasArn: string; owner: string; progress: LockProgress }
  | { method: 'release'; aliasArn: string; owner: string; outcome: LockOutcome }
  | { method: 'heldBy'; owner: string };

export class FakeDeploymentLock implements DeploymentLock {
  readonly calls: LockCall[] = [];
  /** LOCK items by alias ARN. */
  readonly held = new Map<string, HeldLock & { acquiredAt: string }>();
  /** Outcomes recorded by release, in order. */
  readonly released: LockOutcome[] = [];
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
    this.calls.push({ method: 'acquire', claim });
    this.throwIfFailing('acquire');
    const current = this.held.get(claim.aliasArn);
    if (current && current.owner !== claim.owner) {
      throw new DeploymentInProgressError(
        `Alias ${claim.aliasArn.split(':').at(-1)} is being deployed by execution ${current.owner} since ${current.acquiredAt}`,
      );
    }
    this.held.set(claim.aliasArn, {
      aliasArn: claim.aliasArn,
      owner: claim.owner,
      recordKey: recordKey(claim.startedAt, claim.owner),
      acquiredAt: claim.startedAt,
    });
  }

  async update(aliasArn: string, owner: string, progress: LockProgress): Promise<void> {
    this.calls.push({ method: 'update', aliasArn, owner, progress });
    this.throwIfFailing('update');
    const current = this.held.get(aliasArn);
    if (current?.owner !== owner) return;
    if (progress.originVersionArn) current.originVersionArn = progress.originVersionArn;
    if (progress.targetVersionArn) current.targetVersionArn = progress.targetVersionArn;
  }

  async release(aliasArn: string, owner: string, outcome: LockOutcome): Promise<void> {
    this.calls.push({ method: 'release', aliasArn, owner, outcome });
    this.throwIfFailing('release');
    if (this.held.get(aliasArn)?.owner !== owner) return;
    this.released.push(outcome);
    this.held.delete(aliasArn);
  }

  async heldBy(owner: string): Promise<HeldLock | undefined> {
    this.calls.push({ method: 'heldBy', owner });
    this.throwIfFailing('heldBy');
    const found = [...this.held.values()].find((lock) => lock.owner === owner);
    if (!found) return undefined;
    const { acquiredAt: _acquiredAt, ...held } = found;
    return held;
  }

  /** The names of the methods called, in order. */
  methods(): LockCall['method'][] {
    return this.calls.map((call) => call.method);
  }

  private throwIfFailing(method: LockCall['method']): void {
    const error = this.failing[method];
    if (error) throw error;
  }
}
