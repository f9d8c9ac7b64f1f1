/**
 * The synthesized deployer on the local cloud, its real Lambdas calling the
 * cloud's Step Functions as their roles: pruning old versions after a promotion.
 */
import { DefinitionCloud, route } from './deployer-run';

let cloud: DefinitionCloud;
beforeAll(async () => {
  cloud = await DefinitionCloud.start();
});
afterAll(async () => {
  await cloud.stop();
});

const allAtOnce = (stateMachine: string) => ({
  stateMachine,
  alias: 'live',
  strategy: 'allAtOnce',
  intervalSeconds: 60,
  alarmPollingSeconds: 60,
  historyMax: 2,
});

/** Versions 1 … count; `live` routes to the one before the newest, `beta` to version 1. */
function ordersWithVersions(count: number) {
  return cloud.orders({ versions: count, aliases: { live: count - 1, beta: 1 } });
}

/**
 * From the first prune (60 s) on, deletes after the first `deleted` are throttled until 60 + 880 s:
 * the first invocation (15 minutes) runs low on time waiting them out, and the next one gets through.
 */
const THROTTLED_UNTIL = 60 + 880;

describe('pruning after a promotion', () => {
  it('keeps the historyMax newest versions and any version an alias references', async () => {
    // Arrange
    const orders = await ordersWithVersions(5);
    const v = (n: number) => orders.versionArn(n);

    // Act
    const run = await orders.deploy(allAtOnce(orders.name));

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: v(4),
      toVersionArn: v(5),
      prunedVersionArns: [v(3), v(2)],
    });
    expect(await orders.versionArns()).toEqual([v(1), v(4), v(5)]);
    expect(run.writes().map((write) => `${write.operation}@${write.at}`)).toEqual([
      'UpdateStateMachineAlias@0',
      'DeleteStateMachineVersion@60',
      'DeleteStateMachineVersion@60',
    ]);
  });

  it('prunes nothing when historyMax is 0', async () => {
    // Arrange
    const orders = await ordersWithVersions(5);

    // Act
    const run = await orders.deploy({ ...allAtOnce(orders.name), historyMax: 0 });

    // Assert
    expect(run.output).toMatchObject({ outcome: 'PROMOTED', prunedVersionArns: [] });
    expect(await orders.versionArns()).toHaveLength(5);
  });

  it('loops back to pruning when one invocation runs low on time', async () => {
    // Arrange: the first invocation has time for two deletes only, then waits out throttling.
    const orders = await ordersWithVersions(7);
    const v = (n: number) => orders.versionArn(n);
    orders.failCalls({ operation: 'DeleteStateMachineVersion', count: 100_000, skip: 2 }, 30);
    orders.stopFailingCalls(THROTTLED_UNTIL);

    // Act
    const run = await orders.deploy(allAtOnce(orders.name));

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    const prunes = run.invocations.filter((invocation) => invocation.step === 'prune-versions');
    expect(prunes).toHaveLength(2);
    expect(prunes[1]!.at).toBeGreaterThan(60 + 15 * 60 - 120);
    expect(run.statesEntered.slice(-5)).toEqual([
      'Prune versions',
      'Pruning finished?',
      'Prune versions',
      'Pruning finished?',
      'Deployment done',
    ]);
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      prunedVersionArns: [v(5), v(4), v(3), v(2)],
    });
    expect(await orders.versionArns()).toEqual([v(1), v(6), v(7)]);
  });

  it('still ends PROMOTED, with the pruning error, when pruning fails', async () => {
    // Arrange: the pruning step's role may not list versions.
    const orders = await ordersWithVersions(5);
    const v = (n: number) => orders.versionArn(n);
    orders.deny('prune-versions', 'states:ListStateMachineVersions');

    // Act
    const run = await orders.deploy(allAtOnce(orders.name));

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.statesEntered.slice(-2)).toEqual(['Promoted without pruning', 'Deployment done']);
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: v(4),
      toVersionArn: v(5),
      timeline: [{ weight: 100 }],
      prunedVersionArns: [],
      pruneError: {
        Error: 'AccessDeniedException',
        Cause: expect.stringContaining('states:ListStateMachineVersions'),
      },
    });
    expect(await orders.aliasRouting('live')).toEqual([route(v(5), 100)]);
    expect(await orders.versionArns()).toHaveLength(5);
  });

  it('still reports the versions already pruned when a later pruning invocation fails', async () => {
    // Arrange: the first invocation deletes two versions and runs low on time; from 61 s on,
    // after it listed the versions, the pruning step's role may no longer list them.
    const orders = await ordersWithVersions(7);
    const v = (n: number) => orders.versionArn(n);
    orders.failCalls({ operation: 'DeleteStateMachineVersion', count: 100_000, skip: 2 }, 30);
    orders.stopFailingCalls(THROTTLED_UNTIL);
    orders.deny('prune-versions', 'states:ListStateMachineVersions', 61);

    // Act
    const run = await orders.deploy(allAtOnce(orders.name));

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(await orders.versionArns()).toEqual([v(1), v(2), v(3), v(6), v(7)]);
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      toVersionArn: v(7),
      prunedVersionArns: [v(5), v(4)],
      pruneError: { Error: 'AccessDeniedException' },
    });
  });
});
