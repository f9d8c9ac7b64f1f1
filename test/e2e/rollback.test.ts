import { PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { UpdateStateMachineAliasCommand } from '@aws-sdk/client-sfn';
import { allTo, E2e, type Target } from './harness';
import { quietAlarm } from '../../examples/alarms';

describe('rollback on the local cloud', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await E2e.start();
  });

  afterAll(async () => {
    await e2e.stop();
  });

  const canary = (target: Target, alarms: string[], poll = 60, interval = 300) => ({
    stateMachine: target.name,
    alias: 'live',
    strategy: 'canary',
    increment: 10,
    intervalSeconds: interval,
    alarmPollingSeconds: poll,
    alarms,
  });

  it('rolls back within seconds of the failed-executions alarm firing, as the new version fails real executions', async () => {
    // Arrange: version 2 rejects orders of type B; one order every 3 s goes through the alias.
    const target = await e2e.createTarget({
      versions: 2,
      aliases: { live: 1 },
      failingTypes: (v) => (v === 2 ? ['B'] : []),
    });
    const alarm = await e2e.createFailedExecutionsAlarm(target, 'live');
    const stopTraffic = e2e.startTraffic(target.aliasArn('live'), 3_000, (n) => ({
      type: ['A', 'B', 'C'][n % 3],
    }));
    await e2e.waitForAlarmsOk(alarm);

    // Act: polls every 600 s, so only the alarm's event can explain a rollback within the first.
    const run = await e2e.deploy({ ...canary(target, [alarm], 600, 1800), increment: 25 });
    stopTraffic();

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(`from ${target.name}:2 at 25%: alarms fired: ${alarm} is ALARM`);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
    const [shift, rollback] = run.timeline;
    expect(run.timeline).toHaveLength(2);
    expect(shift).toEqual({ atSeconds: 0, weight: 25 });
    expect(rollback?.weight).toBe(0);
    const firedAt = await e2e.alarmWentTo(alarm, 'ALARM', run.startedAt);
    expect(firedAt).toBeDefined();
    const restoredAt = run.startedAt + rollback!.atSeconds * 1000;
    expect(restoredAt - firedAt!).toBeGreaterThanOrEqual(0);
    expect(restoredAt - firedAt!).toBeLessThan(5_000);
    expect(rollback!.atSeconds).toBeLessThan(600);
    expect(run.aliasWrites.map((write) => write.routing)).toEqual([
      [
        { stateMachineVersionArn: target.versionArn(2), weight: 25 },
        { stateMachineVersionArn: target.versionArn(1), weight: 75 },
      ],
      allTo(target.versionArn(1)),
    ]);
    expect(await e2e.countExecutions(target.versionArn(2), 'FAILED')).toBeGreaterThan(0);
    expect(await e2e.countExecutions(target.versionArn(1), 'FAILED')).toBe(0);
    expect(await e2e.versions(target)).toEqual([target.versionArn(2), target.versionArn(1)]);
  });

  it('rolls back within 5 s of an alarm set to ALARM mid-canary, though the poll is 600 s', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);
    await e2e.sleepUntilSecondOfMinute(30);

    // Act
    const executionArn = await e2e.startDeployment(canary(target, [alarm], 600, 1800));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, () => e2e.setAlarmState(alarm, 'ALARM', 'Orders are failing')),
    ]);

    // Assert: the alarm's event woke the wait; no poll came between.
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(`at 10%: alarms fired: ${alarm} is ALARM: Orders are failing`);
    expect(run.timeline).toHaveLength(2);
    expect(run.timeline[1]!.weight).toBe(0);
    expect(run.timeline[1]!.atSeconds).toBeGreaterThanOrEqual(100);
    expect(run.timeline[1]!.atSeconds).toBeLessThan(105);
    expect(run.polls.every((at) => at < 105)).toBe(true);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('still rolls back at the next poll when the alarm event is lost, though the alarm is OK again by then', async () => {
    // Arrange: CloudWatch's events lost on their way (the local cloud's best-effort switch).
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);
    e2e.deployer.cloud.drops.add({ detailType: 'CloudWatch Alarm State Change', probability: 1 });

    try {
      // Act: polls every 300 s; the alarm blips at 100 s and is OK again at 110 s.
      const executionArn = await e2e.startDeployment(canary(target, [alarm], 300, 600));
      const [run] = await Promise.all([
        e2e.follow(executionArn),
        e2e
          .after(100_000, () => e2e.setAlarmState(alarm, 'ALARM', 'A short burst of failures'))
          .then(() => e2e.after(10_000, () => e2e.setAlarmState(alarm, 'OK', 'Recovered'))),
      ]);

      // Assert: the poll read the blip from the alarm's history.
      expect(
        e2e.deployer.cloud.drops.dropped.filter((d) => d.detailType === 'CloudWatch Alarm State Change'),
      ).toHaveLength(2);
      expect(await e2e.alarmState(alarm)).toBe('OK');
      expect(run.error).toBe('DeploymentRolledBack');
      expect(run.cause).toContain(`alarms fired: ${alarm} was ALARM at `);
      expect(run.cause).toContain('A short burst of failures');
      expect(run.timeline).toEqual([
        { atSeconds: 0, weight: 10 },
        { atSeconds: 300, weight: 0 },
      ]);
      expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
    } finally {
      e2e.deployer.cloud.drops.clear();
    }
  });

  it('rolls back within seconds when a composite alarm goes to ALARM through its child', async () => {
    // Arrange: the deployment watches only the composite.
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const child = await e2e.createQuietAlarm('child');
    await e2e.waitForAlarmsOk(child);
    const composite = await e2e.createCompositeAlarm(child);
    await e2e.waitForAlarmsOk(composite);
    await e2e.sleepUntilSecondOfMinute(30);

    // Act
    const executionArn = await e2e.startDeployment(canary(target, [composite], 600, 1800));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, () => e2e.setAlarmState(child, 'ALARM', 'Child failing')),
    ]);

    // Assert: the composite's own state-change event woke the deployment, not the child's.
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(`alarms fired: ${composite} is ALARM`);
    expect(run.cause).not.toContain(`${child} is`);
    expect(run.timeline).toHaveLength(2);
    expect(run.timeline[1]!.atSeconds).toBeGreaterThanOrEqual(100);
    expect(run.timeline[1]!.atSeconds).toBeLessThan(105);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('fails when an alarm is already in ALARM before the first shift, leaving the alias alone', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    // An alarm that is genuinely firing: no data, treated as breaching, so every evaluation keeps it in
    // ALARM (a state set by hand would last only until the next evaluation, as on AWS).
    const alarm = e2e.uniqueName('failing');
    await e2e.cloudWatch.send(
      new PutMetricAlarmCommand({ ...quietAlarm(alarm, 'E2e'), TreatMissingData: 'breaching' }),
    );
    await e2e.clock.sleep(60_000);
    expect(await e2e.alarmState(alarm)).toBe('ALARM');
    const before = await e2e.snapshot(target, ['live']);

    // Act
    const run = await e2e.deploy(canary(target, [alarm]));

    // Assert
    expect(run.error).toBe('AlarmAlreadyFiring');
    expect(run.cause).toContain(`${alarm} (ALARM)`);
    expect(run.aliasWrites).toEqual([]);
    expect(await e2e.snapshot(target, ['live'])).toEqual(before);
  });

  it('fails with AliasDrift, and leaves the alias as it was set, when someone else changes it mid-deployment', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const elsewhere = allTo(target.versionArn(3));

    // Act: at 90 s someone points the alias at version 3 by hand.
    const executionArn = await e2e.startDeployment({ ...canary(target, []), version: 2 });
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(90_000, async () => {
        await e2e.sfn.send(
          new UpdateStateMachineAliasCommand({
            stateMachineAliasArn: target.aliasArn('live'),
            routingConfiguration: elsewhere,
          }),
        );
      }),
    ]);

    // Assert
    expect(run.error).toBe('AliasDrift');
    expect(run.cause).toContain(
      `expected [${target.name}:2 = 10%, ${target.name}:1 = 90%], found [${target.name}:3 = 100%]`,
    );
    expect(run.timeline).toEqual([{ atSeconds: 0, weight: 10 }]);
    expect(run.durationSeconds).toBe(120);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(elsewhere);
  });
});
