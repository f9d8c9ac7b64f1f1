/**
 * Tests before traffic and checks after it, on the local cloud: the new
 * version is executed by its version ARN before any shift, and again at 100%
 * before the promotion is recorded.
 */
import { allTo, E2e } from './harness';

describe('traffic tests on the local cloud', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await E2e.start();
  });

  afterAll(async () => {
    await e2e.stop();
  });

  const ordersTests = [
    { name: 'accepts type A', input: { type: 'A' }, expect: { status: 'SUCCEEDED' } },
    { name: 'accepts type B', input: { type: 'B' }, expect: { status: 'SUCCEEDED' } },
  ];

  it('stops a version that fails one input type before any shift, then lets a passing version through', async () => {
    // Arrange: version 2 rejects type B orders, version 3 accepts them.
    const target = await e2e.createTarget({
      versions: 3,
      aliases: { live: 1 },
      failingTypes: (version) => (version === 2 ? ['B'] : []),
    });
    const request = {
      stateMachine: target.name,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
      intervalSeconds: 300,
      preTraffic: {
        tests: [
          {
            name: 'accepts type A',
            input: { type: 'A' },
            expect: { status: 'SUCCEEDED', output: { release: 'release 2' } },
          },
          ordersTests[1],
        ],
      },
    };

    // Act
    const failed = await e2e.deploy({ ...request, version: 2 });
    const afterFailure = await e2e.routing(target.aliasArn('live'));
    const versionsAfterFailure = await e2e.versions(target);
    const passed = await e2e.deploy({
      ...request,
      version: 3,
      preTraffic: { tests: ordersTests },
    });

    // Assert: nothing shifted, the version still listed, the failure named.
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('PreTrafficTestFailed');
    expect(failed.cause).toContain('test "accepts type B" expected status SUCCEEDED, got: status FAILED');
    expect(failed.cause).toContain('error InvalidOrderType');
    expect(failed.cause).toContain('nothing was shifted');
    expect(failed.aliasWrites).toEqual([]);
    expect(afterFailure).toEqual(allTo(target.versionArn(1)));
    expect(versionsAfterFailure).toContain(target.versionArn(2));
    expect(await e2e.countExecutions(target.versionArn(2))).toBe(2);
    expect(passed.status).toBe('SUCCEEDED');
    expect(passed.timeline.map((entry) => entry.weight)).toEqual([10, 100]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(3)));
  });

  it('runs an Express target’s tests with StartSyncExecution on the version, before any shift', async () => {
    // Arrange: an Express target whose version 2 rejects type B orders, version 3 accepts them.
    const target = await e2e.createTarget({
      versions: 3,
      aliases: { live: 1 },
      type: 'EXPRESS',
      failingTypes: (version) => (version === 2 ? ['B'] : []),
    });
    const request = {
      stateMachine: target.name,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
      intervalSeconds: 300,
      preTraffic: { tests: ordersTests },
    };

    // Act
    const failed = await e2e.deploy({ ...request, version: 2 });
    const passed = await e2e.deploy({ ...request, version: 3 });

    // Assert
    expect(failed.error).toBe('PreTrafficTestFailed');
    expect(failed.cause).toContain('test "accepts type B" expected status SUCCEEDED, got: status FAILED');
    // Each test ran within one StartSyncExecution call on the version: Express executions cannot be described later.
    const synced = e2e.deployer.cloud.calls.journal({ operation: 'StartSyncExecution' });
    expect(synced.map((call) => call.input.stateMachineArn)).toEqual([
      target.versionArn(2),
      target.versionArn(2),
      target.versionArn(3),
      target.versionArn(3),
    ]);
    expect(failed.aliasWrites).toEqual([]);
    expect(passed.status).toBe('SUCCEEDED');
    expect(passed.timeline.map((entry) => entry.weight)).toEqual([10, 100]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(3)));
  });

  it('rolls back from 100% when a post-traffic check fails, naming it', async () => {
    // Arrange
    const target = await e2e.createTarget({
      versions: 2,
      aliases: { live: 1 },
      failingTypes: (version) => (version === 2 ? ['B'] : []),
    });

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'allAtOnce',
      version: 2,
      postTraffic: { tests: ordersTests, timeoutSeconds: 60 },
    });

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain('Post-traffic tests failed');
    expect(run.cause).toContain('test "accepts type B"');
    expect(run.timeline.map((entry) => entry.weight)).toEqual([100, 0]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  it('promotes when the post-traffic checks pass', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'allAtOnce',
      version: 2,
      postTraffic: { tests: ordersTests },
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.outcome).toBe('PROMOTED');
    expect(await e2e.countExecutions(target.versionArn(2), 'SUCCEEDED')).toBe(2);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });
});
