/**
 * The deployer with AWS's token buckets enforced (`throttling: true`): its
 * own cloud, so the buckets other scenarios drain do not leak into these.
 * Each scenario ends with the checks of `safety.test.ts`.
 */
import {
  SFNClient,
  UpdateStateMachineAliasCommand,
  DescribeStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { localClientConfig } from '../../local/deployer';
import { allTo, E2e, targetDefinition } from './harness';
import { Safety } from './safety';

describe('safety under token-bucket throttling on the local cloud', () => {
  let e2e: E2e;
  let safety: Safety;

  beforeAll(async () => {
    e2e = await E2e.start({ throttling: true });
    safety = new Safety(e2e);
  });

  afterAll(async () => {
    safety.destroy();
    await e2e.stop();
  });

  /** Calls `send` until the bucket throttles it: the account has used up its burst. */
  async function drain(send: (client: SFNClient) => Promise<unknown>): Promise<void> {
    const client = new SFNClient({ ...localClientConfig(e2e.deployer.endpoint), maxAttempts: 1 });
    try {
      for (let call = 0; call < 1000; call++) {
        try {
          await send(client);
        } catch (error) {
          if ((error as Error).name === 'ThrottlingException') return;
          throw error;
        }
      }
      throw new Error('the bucket never throttled');
    } finally {
      client.destroy();
    }
  }

  it('promotes with the alias buckets drained by other callers', async () => {
    // Arrange: someone else has used up the account's alias API burst.
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1, other: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    await drain((client) =>
      client.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: target.aliasArn('other') })),
    );
    await drain((client) =>
      client.send(
        new UpdateStateMachineAliasCommand({
          stateMachineAliasArn: target.aliasArn('other'),
          routingConfiguration: allTo(target.versionArn(1)),
        }),
      ),
    );
    const calls = e2e.deployer.cloud.calls;
    calls.reset();

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'linear',
      increment: 50,
      intervalSeconds: 60,
      alarmPollingSeconds: 30,
    });

    // Assert
    expect(calls.throttled('DescribeStateMachineAlias')).toBeGreaterThan(0);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.outcome).toBe('PROMOTED');
    expect(run.timeline.map((entry) => entry.weight)).toEqual([50, 100]);
    await safety.assertSafe(target, { executionArn: run.executionArn, status: 'PROMOTED', referencedBefore });
  });

  it('prunes 900 versions under throttling to exactly historyMax plus the versions in use', async () => {
    // Arrange: 900 versions, made in-process (the buckets would make this take 15 virtual minutes);
    // live serves version 850, beta pins version 3, version 900 is the newest.
    const target = await e2e.createTarget({ versions: 1 });
    const stepFunctions = e2e.deployer.cloud.stepFunctions;
    for (let version = 2; version <= 900; version++) {
      await stepFunctions.handle('UpdateStateMachine', {
        stateMachineArn: target.arn,
        definition: JSON.stringify(targetDefinition(`release ${version}`)),
        publish: true,
      });
    }
    for (const [name, version] of [
      ['live', 850],
      ['beta', 3],
    ] as const) {
      await stepFunctions.handle('CreateStateMachineAlias', {
        name,
        routingConfiguration: [{ stateMachineVersionArn: target.versionArn(version), weight: 100 }],
      });
    }
    const referencedBefore = await safety.referencedVersions(target);
    const calls = e2e.deployer.cloud.calls;
    calls.reset();

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      version: 900,
      intervalSeconds: 60,
      historyMax: 5,
    });

    // Assert: the five newest, the origin and the pinned version are left; every other one is gone.
    const kept = [900, 899, 898, 897, 896, 850, 3].map(target.versionArn);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.outcome).toBe('PROMOTED');
    expect(run.result).not.toHaveProperty('pruneError');
    expect(run.result!.prunedVersionArns).toHaveLength(900 - kept.length);
    expect(await e2e.versions(target)).toEqual(kept);
    expect(calls.throttled('DeleteStateMachineVersion')).toBeGreaterThan(0);
    expect(await e2e.routing(target.aliasArn('beta'))).toEqual(allTo(target.versionArn(3)));
    await safety.assertSafe(target, { executionArn: run.executionArn, status: 'PROMOTED', referencedBefore });
  });
});
