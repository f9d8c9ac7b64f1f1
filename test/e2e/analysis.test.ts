/**
 * Health judged from the new version's own executions, with real traffic
 * through the alias on the local cloud and no alarm at all: the deployer
 * counts each version's executions with ListExecutions and rolls back when
 * Fisher's exact test says the new version fails more often.
 */
import { allTo, E2e, type Target } from './harness';

describe('the analysis on the local cloud', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await E2e.start();
  });

  afterAll(async () => {
    await e2e.stop();
  });

  const canary = (target: Target, analysis: Record<string, unknown>, intervalSeconds = 1800) => ({
    stateMachine: target.name,
    alias: 'live',
    strategy: 'canary',
    increment: 10,
    intervalSeconds,
    alarmPollingSeconds: 60,
    analysis,
  });
  /** One order a second through the alias, of types 0 to 9 in turn. */
  const traffic = (target: Target) =>
    e2e.startTraffic(target.aliasArn('live'), 1_000, (n) => ({ type: String(n % 10) }));

  it('rolls back a new version failing 10% of executions, with no alarm configured', async () => {
    // Arrange: version 2 rejects orders of type 7.
    const target = await e2e.createTarget({
      versions: 2,
      aliases: { live: 1 },
      failingTypes: (v) => (v === 2 ? ['7'] : []),
    });
    const stop = traffic(target);

    // Act
    const run = await e2e.deploy(canary(target, {}));
    stop();

    // Assert
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toMatch(/analysis: new \d+\/\d+ failed · old 0\/\d+ · p=\S+ < 0\.01 → roll back/);
    expect(run.timeline.map((entry) => entry.weight)).toEqual([10, 0]);
    expect(run.timeline[1]!.atSeconds).toBeLessThan(1800);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('rolls back within 10 s of the first failure when every execution of the new version fails, though the poll is 600 s', async () => {
    // Arrange: version 2 rejects every order; ten orders a second through the alias.
    const target = await e2e.createTarget({
      versions: 2,
      aliases: { live: 1 },
      failingTypes: (v) => (v === 2 ? ['order'] : []),
    });
    const stop = e2e.startTraffic(target.aliasArn('live'), 100, () => ({ type: 'order' }));

    // Act: each failed execution's status-change event wakes the deployment, which judges at once.
    const run = await e2e.deploy({ ...canary(target, {}), alarmPollingSeconds: 600 });
    stop();

    // Assert
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain('analysis: new ');
    const firstFailure = Math.min(
      ...(await e2e.executionsOf(target.versionArn(2), 'FAILED')).map((execution) =>
        execution.startDate!.getTime(),
      ),
    );
    const restoredAt = run.startedAt + run.timeline[1]!.atSeconds * 1000;
    expect(restoredAt - firstFailure).toBeLessThan(10_000);
    expect(run.polls.every((at) => at < 600)).toBe(true);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('judges an Express target from its AWS/States metrics by version, and rolls back a failing one', async () => {
    // Arrange: Express executions cannot be listed; the deployer counts them from their metrics.
    const target = await e2e.createTarget({
      versions: 2,
      aliases: { live: 1 },
      type: 'EXPRESS',
      failingTypes: (v) => (v === 2 ? ['7'] : []),
    });
    const stop = e2e.startTraffic(target.aliasArn('live'), 500, (n) => ({ type: String(n % 10) }));

    // Act
    const run = await e2e.deploy(canary(target, {}));
    stop();

    // Assert
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toMatch(/analysis: new \d+\/\d+ failed · old 0\/\d+ · p=\S+ < 0\.01 → roll back/);
    expect(run.timeline[1]!.atSeconds).toBeLessThan(1800);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('promotes a healthy version whose old version also fails now and then', async () => {
    // Arrange: both versions reject orders of type 7.
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 }, failingTypes: () => ['7'] });
    const stop = traffic(target);

    // Act
    const run = await e2e.deploy(canary(target, {}, 600));
    stop();

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.verdicts?.[0]).toMatchObject({ step: 1, worse: false });
    expect(run.result!.verdicts![0]!.new.failed).toBeGreaterThan(0);
    expect(run.result!.verdicts![0]!.old.failed).toBeGreaterThan(0);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });

  it('does not promote blind: with no traffic it fails InsufficientTraffic, back on the old version', async () => {
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    const run = await e2e.deploy(canary(target, { minExecutions: 20, maxHoldSeconds: 600 }, 600));

    expect(run.error).toBe('InsufficientTraffic');
    expect(run.cause).toContain(
      'step 1 saw 0 finished executions of the new version, fewer than analysis.minExecutions (20)',
    );
    expect(run.timeline).toEqual([
      { atSeconds: 0, weight: 10 },
      { atSeconds: 1200, weight: 0 },
    ]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('in a dry run records the verdict and still promotes', async () => {
    const target = await e2e.createTarget({
      versions: 2,
      aliases: { live: 1 },
      failingTypes: (v) => (v === 2 ? ['7'] : []),
    });
    const stop = traffic(target);

    const run = await e2e.deploy(canary(target, { dryRun: true }, 600));
    stop();

    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.verdicts?.[0]).toMatchObject({ step: 1, worse: true, dryRun: true });
    expect(run.result!.verdicts![0]!.summary).toMatch(/→ roll back \(dry run\)$/);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });
});
