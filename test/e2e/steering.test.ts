/**
 * Operators steering a running deployment on the local cloud: promote,
 * pause, resume and abort, sent to the deployer's signal function over
 * Lambda's Invoke API as `aws lambda invoke` would, each acting within
 * seconds whatever the poll.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { deploymentRecords, deploymentsTable } from '../../cli/commands/history';
import { runningDeployments } from '../../cli/commands/list';
import { localClientConfig } from '../../local/deployer';
import { allTo, E2e, type Target } from './harness';

describe('steering a deployment on the local cloud', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await E2e.start();
  });

  afterAll(async () => {
    await e2e.stop();
  });

  const canary = (target: Target, alarms: string[] = []) => ({
    stateMachine: target.name,
    alias: 'live',
    strategy: 'canary',
    increment: 10,
    intervalSeconds: 300,
    alarmPollingSeconds: 600,
    alarms,
  });
  const ANA = 'arn:aws:iam::123456789012:user/ana';

  it('pauses past the step’s end, and goes on within seconds of resume', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    // Act: paused at 100 s, resumed at 1000 s, long after the 300 s step ended.
    const executionArn = await e2e.startDeployment(canary(target));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, async () => {
        await e2e.signal({
          action: 'pause',
          target: target.aliasArn('live'),
          sender: ANA,
          reason: 'launch at 10:00',
        });
      }),
      e2e.after(1_000_000, async () => {
        await e2e.signal({ action: 'resume', target: executionArn, sender: ANA, reason: 'launch is over' });
      }),
    ]);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.timeline).toHaveLength(2);
    expect(run.timeline[0]).toEqual({ atSeconds: 0, weight: 10 });
    expect(run.timeline[1]!.weight).toBe(100);
    expect(run.timeline[1]!.atSeconds).toBeGreaterThanOrEqual(1000);
    expect(run.timeline[1]!.atSeconds).toBeLessThan(1005);
    expect(run.result?.signals).toMatchObject([
      { action: 'pause', sender: ANA, reason: 'launch at 10:00' },
      { action: 'resume', sender: ANA, reason: 'launch is over' },
    ]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });

  it('still rolls back on an alarm while paused', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);

    // Act: paused at 100 s; the alarm fires at 500 s, past the step's end.
    const executionArn = await e2e.startDeployment(canary(target, [alarm]));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, async () => {
        await e2e.signal({ action: 'pause', target: target.aliasArn('live'), sender: ANA });
      }),
      e2e.after(500_000, () => e2e.setAlarmState(alarm, 'ALARM', 'Orders are failing')),
    ]);

    // Assert
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(`alarms fired: ${alarm} is ALARM: Orders are failing`);
    expect(run.timeline).toHaveLength(2);
    expect(run.timeline[1]!.weight).toBe(0);
    expect(run.timeline[1]!.atSeconds).toBeGreaterThanOrEqual(500);
    expect(run.timeline[1]!.atSeconds).toBeLessThan(505);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('promotes within seconds: one more alarm check, then 100%', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);

    // Act
    const executionArn = await e2e.startDeployment({ ...canary(target, [alarm]), intervalSeconds: 3600 });
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, async () => {
        await e2e.signal({
          action: 'promote',
          target: target.aliasArn('live'),
          sender: ANA,
          reason: 'looks good',
        });
      }),
    ]);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.timeline[1]!.weight).toBe(100);
    expect(run.timeline[1]!.atSeconds).toBeGreaterThanOrEqual(100);
    expect(run.timeline[1]!.atSeconds).toBeLessThan(105);
    expect(run.polls.filter((at) => at >= 100 && at < 105).length).toBeGreaterThanOrEqual(1);
    expect(run.durationSeconds).toBeLessThan(105);
    expect(run.result?.signals).toMatchObject([{ action: 'promote', sender: ANA, reason: 'looks good' }]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });

  it('promotes a linear deployment to 100% and bakes there, or skips the bake with full', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const linear = { ...canary(target), strategy: 'linear', increment: 20, intervalSeconds: 600 };

    // Act: promoted at 100 s, the final 100% is held its interval; then version 3 with full.
    const first = await e2e.startDeployment({ ...linear, version: 2 });
    const [baked] = await Promise.all([
      e2e.follow(first),
      e2e.after(100_000, async () => {
        await e2e.signal({ action: 'promote', target: first, sender: ANA });
      }),
    ]);
    const second = await e2e.startDeployment({ ...linear, version: 3 });
    const [full] = await Promise.all([
      e2e.follow(second),
      e2e.after(100_000, async () => {
        await e2e.signal({ action: 'promote', target: second, sender: ANA, full: true });
      }),
    ]);

    // Assert
    expect(baked.status).toBe('SUCCEEDED');
    expect(baked.timeline.map((entry) => entry.weight)).toEqual([20, 100]);
    expect(baked.durationSeconds).toBeGreaterThanOrEqual(100 + 600);
    expect(full.status).toBe('SUCCEEDED');
    expect(full.timeline.map((entry) => entry.weight)).toEqual([20, 100]);
    expect(full.durationSeconds).toBeLessThan(105);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(3)));
  });

  it('aborts within seconds: rolled back, failing DeploymentAborted with who and why', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    // Act
    const executionArn = await e2e.startDeployment(canary(target));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, async () => {
        await e2e.signal({
          action: 'abort',
          target: target.aliasArn('live'),
          sender: ANA,
          reason: 'wrong build',
        });
      }),
    ]);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentAborted');
    expect(run.cause).toContain(`aborted by ${ANA} at `);
    expect(run.cause).toContain('wrong build');
    expect(run.timeline[1]!.weight).toBe(0);
    expect(run.timeline[1]!.atSeconds).toBeLessThan(105);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('lists the running deployments, with their weight, step and whether they are paused (sfn-deploy list)', async () => {
    // Arrange: a deployment paused at 10%.
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const executionArn = await e2e.startDeployment(canary(target));
    let listed: Awaited<ReturnType<typeof runningDeployments>> = [];

    // Act: list it at 200 s, while paused; then abort it so the test ends.
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, async () => {
        await e2e.signal({ action: 'pause', target: executionArn, sender: ANA });
      }),
      e2e.after(200_000, async () => {
        listed = await runningDeployments(e2e.sfn, e2e.deployer.deployerArn);
        await e2e.signal({ action: 'abort', target: executionArn, sender: ANA, reason: 'listed' });
      }),
    ]);

    // Assert
    expect(listed.filter((deployment) => deployment.executionArn === executionArn)).toEqual([
      {
        executionArn,
        startDate: new Date(run.startedAt).toISOString(),
        stateMachine: target.name,
        alias: 'live',
        aliasArn: target.aliasArn('live'),
        fromVersionArn: target.versionArn(1),
        toVersionArn: target.versionArn(2),
        weight: 10,
        step: 1,
        steps: 2,
        paused: true,
      },
    ]);
    expect(run.error).toBe('DeploymentAborted');
    expect(await runningDeployments(e2e.sfn, e2e.deployer.deployerArn)).toEqual([]);
  });

  it('keeps each deployment of an alias on its record: outcome, cause, who steered it (sfn-deploy history)', async () => {
    // Arrange: one deployment aborted after a pause, then one promoted.
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const first = await e2e.startDeployment({ ...canary(target), version: 2 });
    await Promise.all([
      e2e.follow(first),
      e2e.after(100_000, async () => {
        await e2e.signal({ action: 'pause', target: first, sender: ANA, reason: 'hold' });
      }),
      e2e.after(200_000, async () => {
        await e2e.signal({ action: 'abort', target: first, sender: ANA, reason: 'wrong build' });
      }),
    ]);
    const second = await e2e.deploy({ ...canary(target), version: 3 });
    const dynamo = new DynamoDBClient(localClientConfig(e2e.deployer.endpoint, e2e.deployer.cloud.region));

    try {
      // Act
      const table = await deploymentsTable(e2e.sfn, e2e.deployer.deployerArn);
      const records = await deploymentRecords(dynamo, table, target.aliasArn('live'), 10);

      // Assert: newest first.
      expect(records.map((record) => [record.executionArn, record.status])).toEqual([
        [second.executionArn, 'PROMOTED'],
        [first, 'ROLLED_BACK'],
      ]);
      expect(records[1]).toMatchObject({
        fromVersionArn: target.versionArn(1),
        toVersionArn: target.versionArn(2),
        error: 'DeploymentAborted',
        signals: [
          { action: 'pause', sender: ANA, reason: 'hold' },
          { action: 'abort', sender: ANA, reason: 'wrong build' },
        ],
      });
      expect(records[1]!.cause).toContain(`aborted by ${ANA}`);
      expect(records[0]!.timeline.map((entry) => entry.weight)).toEqual([10, 100]);
    } finally {
      dynamo.destroy();
    }
  });

  it('refuses a signal to an alias with no running deployment, naming it', async () => {
    const target = await e2e.createTarget({ versions: 1, aliases: { live: 1 } });

    await expect(e2e.signal({ action: 'pause', target: target.aliasArn('live') })).rejects.toMatchObject({
      name: 'NoDeploymentRunning',
      message: expect.stringContaining(target.aliasArn('live')),
    });
  });
});
