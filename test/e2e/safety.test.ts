/**
 * Faults on the local cloud: throttling and 5xx errors injected into the
 * deployer's calls, a crash after the first shift, a stop mid-canary,
 * someone else's alias update, and two deployments at once (token buckets
 * and a large prune under them are in `safety-throttling.test.ts`). After each, the deployer must leave
 * production safe: the alias routes 100% to a version that exists, no
 * version an alias references is gone, the alias's lock is free and the
 * deployment's record says how it ended.
 */
import { StopExecutionCommand, UpdateStateMachineAliasCommand } from '@aws-sdk/client-sfn';
import { EXECUTION_STATUS_CHANGE } from '../../local/events/execution-status';
import { allTo, E2e } from './harness';
import { canary, Safety } from './safety';

describe('safety under faults on the local cloud', () => {
  let e2e: E2e;
  let safety: Safety;

  beforeAll(async () => {
    e2e = await E2e.start();
    safety = new Safety(e2e);
  });

  afterEach(() => {
    e2e.deployer.cloud.faults.clear();
  });

  afterAll(async () => {
    safety.destroy();
    await e2e.stop();
  });

  it('promotes through throttled and failing alias and alarm calls within its retry budget', async () => {
    // Arrange: each of the deployer's alias and alarm calls fails a few times in a row, throttled and with 503s.
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);
    const referencedBefore = await safety.referencedVersions(target);
    const faults = e2e.deployer.cloud.faults;
    for (const operation of ['UpdateStateMachineAlias', 'DescribeStateMachineAlias', 'DescribeAlarms']) {
      faults.inject({ operation, error: 'ThrottlingException', count: 2 });
      // More than one SDK call's 8 attempts: the Lambda fails once and the state machine retries it.
      faults.inject({ operation, error: 'ServiceUnavailable', count: 10 });
    }
    const calls = e2e.deployer.cloud.calls;
    calls.reset();

    // Act
    const run = await e2e.deploy(canary(target, { alarms: [alarm] }));

    // Assert
    expect(faults.pending()).toEqual([]);
    expect(calls.count('UpdateStateMachineAlias')).toBeGreaterThanOrEqual(12);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.outcome).toBe('PROMOTED');
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
    await safety.assertSafe(target, { executionArn: run.executionArn, status: 'PROMOTED', referencedBefore });
  });

  it('rolls back when a Lambda keeps crashing after the first shift, and names the error', async () => {
    // Arrange: DescribeAlarms fails more often than the SDK's and the state machine's retries together allow.
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);
    const referencedBefore = await safety.referencedVersions(target);

    // Act: the faults start once the canary is live.
    const executionArn = await e2e.startDeployment(canary(target, { alarms: [alarm] }));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(30_000, async () => {
        e2e.deployer.cloud.faults.inject({
          operation: 'DescribeAlarms',
          error: 'ServiceUnavailable',
          count: 1000,
        });
      }),
    ]);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(`from ${target.name}:2 at 10%: error ServiceUnavailable`);
    expect(run.aliasWrites.map((write) => write.routing)).toEqual([
      [
        { stateMachineVersionArn: target.versionArn(2), weight: 10 },
        { stateMachineVersionArn: target.versionArn(1), weight: 90 },
      ],
      allTo(target.versionArn(1)),
    ]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
    await safety.assertSafe(target, { executionArn, status: 'ROLLED_BACK', referencedBefore });
  });

  it('returns the alias to the origin and frees the lock when the deployer is stopped mid-canary', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const executionArn = await e2e.startDeployment(canary(target));

    // Act: stopped two minutes into the canary; the recovery rule acts on its ABORTED event.
    await e2e.after(120_000, async () => {
      expect(await e2e.routing(target.aliasArn('live'))).toHaveLength(2);
      await e2e.sfn.send(
        new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stop the release' }),
      );
    });
    const run = await e2e.follow(executionArn);
    await e2e.deployer.cloud.events.idle();

    // Assert
    expect(run.status).toBe('ABORTED');
    const recovered = e2e.deployer.cloud.events.deliveries.filter(
      (delivery) =>
        delivery.rule.includes('RecoverEndedDeployments') && delivery.input?.includes(executionArn),
    );
    expect(recovered).toEqual([expect.not.objectContaining({ error: expect.anything() })]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
    await safety.assertSafe(target, { executionArn, status: 'ROLLED_BACK', referencedBefore });
    const [record] = (await safety.records(target.aliasArn('live'))).filter(
      (item) => item.executionArn?.S === executionArn,
    );
    expect(record?.cause?.S).toContain('ended ABORTED: rolled back alias');

    // Act again: the same event delivered a second time (EventBridge delivers at least once).
    const before = await e2e.snapshot(target, ['live']);
    const aborted = e2e.deployer.cloud.events.events.find(
      (event) =>
        event['detail-type'] === EXECUTION_STATUS_CHANGE &&
        (event.detail as { executionArn: string; status: string }).executionArn === executionArn &&
        (event.detail as { status: string }).status === 'ABORTED',
    )!;
    e2e.deployer.cloud.events.putEvent({ ...aborted, id: `${aborted.id}-again` });
    await e2e.deployer.cloud.events.idle();

    // Assert: harmless.
    expect(await e2e.snapshot(target, ['live'])).toEqual(before);
    await safety.assertSafe(target, { executionArn, status: 'ROLLED_BACK', referencedBefore });
  });

  it('ends in AliasDrift with their routing untouched when someone updates the alias mid-deployment', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const theirs = allTo(target.versionArn(3));

    // Act
    const executionArn = await e2e.startDeployment(canary(target, { version: 2 }));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(90_000, async () => {
        await e2e.sfn.send(
          new UpdateStateMachineAliasCommand({
            stateMachineAliasArn: target.aliasArn('live'),
            routingConfiguration: theirs,
          }),
        );
      }),
    ]);
    await e2e.deployer.cloud.events.idle();

    // Assert
    expect(run.error).toBe('AliasDrift');
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(theirs);
    await safety.assertSafe(target, { executionArn, status: 'DRIFTED', referencedBefore });
  });

  it('runs exactly one of two deployments started at once on one alias, and the next one after it', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const aliasBefore = await e2e.snapshot(target, ['live']);

    // Act: both started in the same instant.
    const [first, second] = await e2e.deployer.cloud.clock.busy(
      Promise.all([
        e2e.startDeployment(canary(target, { version: 2, increment: 50 })),
        e2e.startDeployment(canary(target, { version: 2, increment: 50 })),
      ]),
    );
    const runs = await Promise.all([e2e.follow(first), e2e.follow(second)]);
    await e2e.deployer.cloud.events.idle();

    // Assert: one promoted, the other failed naming it and wrote nothing.
    const winner = runs.find((run) => run.status === 'SUCCEEDED')!;
    const loser = runs.find((run) => run.status === 'FAILED')!;
    expect(winner).toBeDefined();
    expect(loser).toBeDefined();
    expect(loser.error).toBe('DeploymentInProgress');
    expect(loser.cause).toContain(winner.executionArn);
    expect(loser.aliasWrites).toEqual([]);
    expect(winner.aliasWrites[0]!.atSeconds).toBeGreaterThanOrEqual(0);
    expect(aliasBefore.aliases.live!.routing).toEqual(allTo(target.versionArn(1)));
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
    await safety.assertSafe(target, {
      executionArn: winner.executionArn,
      status: 'PROMOTED',
      referencedBefore,
    });

    // Act again: a third deployment once the first has ended takes the freed lock.
    const third = await e2e.deploy(
      canary(target, { version: 3, strategy: 'allAtOnce', intervalSeconds: 60 }),
    );

    // Assert
    expect(third.status).toBe('SUCCEEDED');
    await safety.assertSafe(target, {
      executionArn: third.executionArn,
      status: 'PROMOTED',
      referencedBefore,
    });
  });
});
