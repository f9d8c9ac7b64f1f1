import { allTo, E2e, type Target } from './harness';

const split = (target: Target, newWeight: number) => [
  { stateMachineVersionArn: target.versionArn(2), weight: newWeight },
  { stateMachineVersionArn: target.versionArn(1), weight: 100 - newWeight },
];

describe('promotion on the local cloud', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await E2e.start();
  });

  afterAll(async () => {
    await e2e.stop();
  });

  /** A target whose alias `live` serves version 1 while version 2 waits, and a healthy alarm to watch. */
  async function arrange(): Promise<{ target: Target; alarm: string }> {
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);
    return { target, alarm };
  }

  it('promotes a canary of 10% to 100% five virtual minutes later', async () => {
    // Arrange
    const { target, alarm } = await arrange();

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
      intervalSeconds: 300,
      alarmPollingSeconds: 60,
      alarms: [alarm],
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result).toEqual({
      outcome: 'PROMOTED',
      stateMachineArn: target.arn,
      aliasArn: target.aliasArn('live'),
      fromVersionArn: target.versionArn(1),
      toVersionArn: target.versionArn(2),
      timeline: expect.any(Array),
      prunedVersionArns: [],
    });
    expect(run.timeline).toEqual([
      { atSeconds: 0, weight: 10 },
      { atSeconds: 300, weight: 100 },
    ]);
    expect(run.aliasWrites).toEqual([
      { atSeconds: 0, routing: split(target, 10) },
      { atSeconds: 300, routing: allTo(target.versionArn(2)) },
    ]);
    expect(run.polls).toEqual([60, 120, 180, 240, 300, 300]);
    expect(run.durationSeconds).toBe(300);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
    expect(await e2e.versions(target)).toEqual([target.versionArn(2), target.versionArn(1)]);
  });

  it('promotes linearly by 25%, holding each weight one interval and baking one at 100%', async () => {
    // Arrange: a 150 s interval that the 60 s polls do not divide.
    const { target, alarm } = await arrange();

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'linear',
      increment: 25,
      intervalSeconds: 150,
      alarmPollingSeconds: 60,
      alarms: [alarm],
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.outcome).toBe('PROMOTED');
    expect(run.timeline).toEqual([
      { atSeconds: 0, weight: 25 },
      { atSeconds: 150, weight: 50 },
      { atSeconds: 300, weight: 75 },
      { atSeconds: 450, weight: 100 },
    ]);
    expect(run.aliasWrites.map((write) => write.routing)).toEqual([
      split(target, 25),
      split(target, 50),
      split(target, 75),
      allTo(target.versionArn(2)),
    ]);
    // Every poll period, and once more at the end of each step before the next shift.
    expect(run.polls).toEqual([60, 120, 150, 210, 270, 300, 360, 420, 450, 510, 570, 600]);
    expect(run.durationSeconds).toBe(600);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });

  it('promotes all at once, then watches the alarms for one interval', async () => {
    // Arrange
    const { target, alarm } = await arrange();

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'allAtOnce',
      increment: 10,
      intervalSeconds: 600,
      alarmPollingSeconds: 120,
      alarms: [alarm],
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.outcome).toBe('PROMOTED');
    expect(run.timeline).toEqual([{ atSeconds: 0, weight: 100 }]);
    expect(run.aliasWrites).toEqual([{ atSeconds: 0, routing: allTo(target.versionArn(2)) }]);
    expect(run.polls).toEqual([120, 240, 360, 480, 600]);
    expect(run.durationSeconds).toBe(600);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });
});
