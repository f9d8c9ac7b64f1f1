import { allTo, E2e } from './harness';

describe('pruning on the local cloud', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await E2e.start();
  });

  afterAll(async () => {
    await e2e.stop();
  });

  it('keeps the two newest versions, the origin and a version another alias pins, and deletes the rest', async () => {
    // Arrange: live serves version 3, beta pins version 1, version 6 is the newest.
    const target = await e2e.createTarget({ versions: 6, aliases: { live: 3, beta: 1 } });

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      intervalSeconds: 60,
      historyMax: 2,
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: target.versionArn(3),
      toVersionArn: target.versionArn(6),
    });
    expect([...run.result!.prunedVersionArns].sort()).toEqual([target.versionArn(2), target.versionArn(4)]);
    expect(await e2e.versions(target)).toEqual([6, 5, 3, 1].map(target.versionArn));
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(6)));
    expect(await e2e.routing(target.aliasArn('beta'))).toEqual(allTo(target.versionArn(1)));
  });

  it('keeps exactly the two newest when nothing else is in use', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 5, aliases: { live: 4 } });

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      intervalSeconds: 60,
      historyMax: 2,
    });

    // Assert
    expect([...run.result!.prunedVersionArns].sort()).toEqual([1, 2, 3].map(target.versionArn));
    expect(await e2e.versions(target)).toEqual([5, 4].map(target.versionArn));
  });

  it('deletes nothing when the deployment rolls back', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 5, aliases: { live: 4 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);

    // Act
    const executionArn = await e2e.startDeployment({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
      intervalSeconds: 300,
      alarms: [alarm],
      historyMax: 2,
    });
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(30_000, () => e2e.setAlarmState(alarm, 'ALARM', 'Failing')),
    ]);

    // Assert
    expect(run.error).toBe('DeploymentRolledBack');
    expect(await e2e.versions(target)).toEqual([5, 4, 3, 2, 1].map(target.versionArn));
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(4)));
  });
});
