import { allTo, E2e, targetDefinition } from './harness';

describe('deploy requests on the local cloud', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await E2e.start();
  });

  afterAll(async () => {
    await e2e.stop();
  });

  it('creates the alias at 100% on the first deployment', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 1 });

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result).toEqual({
      outcome: 'CREATED_ALIAS',
      stateMachineArn: target.arn,
      aliasArn: target.aliasArn('live'),
      fromVersionArn: null,
      toVersionArn: target.versionArn(1),
      timeline: [{ at: new Date(run.startedAt).toISOString(), weight: 100 }],
      prunedVersionArns: [],
    });
    expect(run.durationSeconds).toBe(0);
    expect(run.aliasWrites).toEqual([]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('changes nothing when the alias already routes everything to the newest version', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 2 } });
    const before = await e2e.snapshot(target, ['live']);

    // Act
    const run = await e2e.deploy({
      stateMachine: target.arn,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result).toEqual({
      outcome: 'NO_CHANGE',
      stateMachineArn: target.arn,
      aliasArn: target.aliasArn('live'),
      fromVersionArn: target.versionArn(2),
      toVersionArn: target.versionArn(2),
      timeline: [],
      prunedVersionArns: [],
    });
    expect(run.aliasWrites).toEqual([]);
    expect(await e2e.snapshot(target, ['live'])).toEqual(before);
  });

  it('uploads the definition given, publishes it as a new version and deploys that version', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 1, aliases: { live: 1 } });
    const definition = targetDefinition('release 2, uploaded by the deployer', ['Z']);

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      definition,
      intervalSeconds: 60,
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.outcome).toBe('PROMOTED');
    expect(run.result?.toVersionArn).toBe(target.versionArn(2));
    expect(await e2e.definitionOf(target.versionArn(2))).toEqual(definition);
    expect(await e2e.definitionOf(target.versionArn(1))).toEqual(targetDefinition('release 1'));
    expect(await e2e.versions(target)).toEqual([target.versionArn(2), target.versionArn(1)]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });

  it('changes nothing when the definition given is the one the alias already serves', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 1, aliases: { live: 1 } });
    const before = await e2e.snapshot(target, ['live']);

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      definition: targetDefinition('release 1'),
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result).toMatchObject({
      outcome: 'NO_CHANGE',
      toVersionArn: target.versionArn(1),
      timeline: [],
    });
    expect(await e2e.snapshot(target, ['live'])).toEqual(before);
  });

  it('deploys an existing version given by number, then one given by ARN, publishing nothing', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const before = await e2e.snapshot(target, []);

    // Act
    const byNumber = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      version: 2,
      intervalSeconds: 60,
    });
    const byArn = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      version: target.versionArn(3),
      intervalSeconds: 60,
    });

    // Assert
    expect(byNumber.result).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: target.versionArn(1),
      toVersionArn: target.versionArn(2),
    });
    expect(byArn.result).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: target.versionArn(2),
      toVersionArn: target.versionArn(3),
    });
    expect(byArn.aliasWrites.map((write) => write.routing)).toEqual([allTo(target.versionArn(3))]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(3)));
    expect(await e2e.snapshot(target, [])).toEqual(before);
  });

  it('fails when the alias is split by an earlier deployment, naming the routing and leaving the alias alone', async () => {
    // Arrange
    const target = await e2e.createTarget({
      versions: 2,
      aliases: {
        live: [
          [1, 80],
          [2, 20],
        ],
      },
    });
    const before = await e2e.snapshot(target, ['live']);

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
    });

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentInProgress');
    expect(run.cause).toContain(`Alias live is split [${target.name}:1 = 80%, ${target.name}:2 = 20%]`);
    expect(run.cause).toContain('Set force to take it over');
    expect(run.aliasWrites).toEqual([]);
    expect(await e2e.snapshot(target, ['live'])).toEqual(before);
  });

  it('takes over a split alias with force: holds the current weight one interval, then continues the plan', async () => {
    // Arrange
    const target = await e2e.createTarget({
      versions: 2,
      aliases: {
        live: [
          [1, 70],
          [2, 30],
        ],
      },
    });

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'linear',
      increment: 25,
      intervalSeconds: 120,
      alarmPollingSeconds: 60,
      force: true,
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: target.versionArn(1),
      toVersionArn: target.versionArn(2),
    });
    expect(run.timeline).toEqual([
      { atSeconds: 0, weight: 30 },
      { atSeconds: 120, weight: 50 },
      { atSeconds: 240, weight: 75 },
      { atSeconds: 360, weight: 100 },
    ]);
    expect(run.aliasWrites[0]).toEqual({
      atSeconds: 0,
      routing: [
        { stateMachineVersionArn: target.versionArn(2), weight: 30 },
        { stateMachineVersionArn: target.versionArn(1), weight: 70 },
      ],
    });
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });
});
