/**
 * The deployer's lifecycle events on the local cloud's bus: each arrives
 * once, in order, in the shape docs/lifecycle-events.md documents, put by
 * the deployer's own Lambdas under their own roles (IAM enforced).
 */
import type { BusEvent } from '../../local/eventbridge';
import { allTo, E2e, type Target } from './harness';

describe('lifecycle events on the local cloud', () => {
  let e2e: E2e;
  let received: BusEvent[];
  let unsubscribe: () => void;

  beforeAll(async () => {
    e2e = await E2e.start();
    unsubscribe = e2e.deployer.cloud.events.subscribe((event) => {
      if (event.source === 'sfn-deployer') received.push(event);
    });
  });

  beforeEach(() => {
    received = [];
  });

  afterAll(async () => {
    unsubscribe();
    await e2e.stop();
  });

  const canary = (target: Target, alarms: string[] = []) => ({
    stateMachine: target.name,
    alias: 'live',
    strategy: 'canary',
    increment: 10,
    intervalSeconds: 300,
    alarmPollingSeconds: 60,
    alarms,
  });
  const ANA = 'arn:aws:iam::123456789012:user/ana';
  const types = () => received.map((event) => event['detail-type']);
  const details = () => received.map((event) => event.detail as Record<string, unknown>);

  it('tell a promotion with a pause, once each and in order', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    // Act: paused at 100 s, resumed at 400 s.
    const executionArn = await e2e.startDeployment(canary(target));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, async () => {
        await e2e.signal({ action: 'pause', target: executionArn, sender: ANA, reason: 'hold for launch' });
      }),
      e2e.after(400_000, async () => {
        await e2e.signal({ action: 'resume', target: executionArn, sender: ANA, reason: 'launch done' });
      }),
    ]);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(types()).toEqual([
      'Deployment Started',
      'Weight Shifted',
      'Deployment Paused',
      'Deployment Resumed',
      'Weight Shifted',
      'Deployment Promoted',
    ]);
    expect(details().map((detail) => detail.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(details().map((detail) => detail.weight)).toEqual([0, 10, 10, 10, 100, 100]);
    expect(new Set(details().map((detail) => detail.deploymentId))).toEqual(new Set([executionArn]));
    const shifted = received[1]!;
    expect(shifted).toMatchObject({
      version: '0',
      source: 'sfn-deployer',
      account: '123456789012',
      region: 'us-east-1',
      resources: [target.aliasArn('live'), executionArn],
      detail: {
        deploymentId: executionArn,
        sequence: 2,
        stateMachineArn: target.arn,
        aliasArn: target.aliasArn('live'),
        fromVersionArn: target.versionArn(1),
        toVersionArn: target.versionArn(2),
        weight: 10,
        fromWeight: 0,
        holdSeconds: 300,
        step: 1,
        steps: 2,
      },
    });
    expect(Date.parse(shifted.time as string)).toBe(run.startedAt);
    expect(details()[2]).toMatchObject({ sender: ANA, reason: 'hold for launch' });
    expect(details()[0]).toMatchObject({
      plan: [
        { weight: 10, holdSeconds: 300 },
        { weight: 100, holdSeconds: 0 },
      ],
      alarms: [],
    });
  });

  it('tell a rollback with the alarm that fired and its reason', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);

    // Act
    const executionArn = await e2e.startDeployment(canary(target, [alarm]));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, () => e2e.setAlarmState(alarm, 'ALARM', 'Orders are failing')),
    ]);

    // Assert
    expect(run.error).toBe('DeploymentRolledBack');
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
    expect(types()).toEqual(['Deployment Started', 'Weight Shifted', 'Deployment Rolled Back']);
    expect(details()[2]).toMatchObject({
      sequence: 3,
      weight: 0,
      fromWeight: 10,
      alarms: [`${alarm} is ALARM: Orders are failing`],
      cause: run.cause,
    });
  });

  it('tell an abort with who aborted and why', async () => {
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    const executionArn = await e2e.startDeployment(canary(target));
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(100_000, async () => {
        await e2e.signal({ action: 'abort', target: executionArn, sender: ANA, reason: 'wrong build' });
      }),
    ]);

    expect(run.error).toBe('DeploymentAborted');
    expect(types()).toEqual(['Deployment Started', 'Weight Shifted', 'Deployment Aborted']);
    expect(details()[2]).toMatchObject({ sender: ANA, reason: 'wrong build', weight: 0 });
  });
});
