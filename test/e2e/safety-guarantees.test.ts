/**
 * The guarantees the safety net makes on real AWS, each tried on the local
 * cloud through the real SDK: nobody who may start the deployer can skip its
 * checks, nothing after the promotion undoes it, a lost status-change event
 * does not leave an alias locked, a write still in flight when the deployer
 * is stopped cannot leave the alias split, and the largest valid request
 * stays within AWS's payload limits. Each ends with the invariants of
 * `safety.ts`: the alias 100% on a version that exists, no referenced
 * version deleted, the lock free, the record's status.
 */
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { FAIL_CAUSE_MAX_CHARS, STATE_MAX_BYTES } from '../../lambda/shared/limits';
import { EXECUTION_STATUS_CHANGE } from '../../local/events/execution-status';
import { allTo, E2e } from './harness';
import { canary, Safety } from './safety';

describe('the safety net on the local cloud', () => {
  let e2e: E2e;
  let safety: Safety;

  beforeAll(async () => {
    e2e = await E2e.start();
    safety = new Safety(e2e);
  });

  afterEach(() => {
    e2e.deployer.cloud.faults.clear();
    e2e.deployer.cloud.drops.clear();
  });

  afterAll(async () => {
    safety.destroy();
    await e2e.stop();
  });

  const stop = (executionArn: string) =>
    e2e.sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stop the release' }));

  /** Lets virtual time pass, a minute at a time, until `condition` holds. */
  async function eventually(
    condition: () => Promise<boolean>,
    what: string,
    limitMs = 30 * 60_000,
  ): Promise<void> {
    for (let waited = 0; waited <= limitMs; waited += 60_000) {
      await e2e.deployer.cloud.events.idle();
      if (await condition()) return;
      await e2e.clock.sleep(60_000);
    }
    throw new Error(`${what} did not happen within ${limitMs / 60_000} virtual minutes`);
  }

  /** Real time passes until `condition` holds: for waits while the virtual clock is held still. */
  async function meanwhile(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let tries = 0; tries < 1000; tries++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${what} did not happen within 10 real seconds`);
  }

  /**
   * Stops the deployer and loses its ABORTED status-change event before it reaches the bus, as a
   * best-effort event can be lost on AWS (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html),
   * with the local cloud's drop switch.
   */
  async function stopAndLoseItsEvent(executionArn: string): Promise<void> {
    const dropped = await fetch(`${e2e.deployer.endpoint}/_local/events/drop`, {
      method: 'POST',
      body: JSON.stringify({ detailType: EXECUTION_STATUS_CHANGE, count: 1 }),
    });
    expect(dropped.status).toBe(200);
    await stop(executionArn);
    expect(e2e.deployer.cloud.drops.dropped.at(-1)).toMatchObject({ detailType: EXECUTION_STATUS_CHANGE });
    expect(
      e2e.deployer.cloud.events.events.filter(
        (event) =>
          event['detail-type'] === EXECUTION_STATUS_CHANGE &&
          (event.detail as { executionArn: string; status: string }).executionArn === executionArn &&
          (event.detail as { status: string }).status === 'ABORTED',
      ),
    ).toEqual([]);
  }

  it('refuses a hand-started execution carrying loop state while another deployment runs, touching nothing', async () => {
    // Arrange: a real canary of version 2 at 10%.
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const real = await e2e.startDeployment(canary(target, { version: 2 }));
    await e2e.clock.sleep(60_000);
    const lockBefore = await safety.lockItem(target.aliasArn('live'));

    // Act: an execution started by hand that tries to jump straight to a 100% shift of version 3,
    // and one that poses as the continuation of the real deployment.
    const forged = await e2e.deploy({
      request: { stateMachine: target.name, alias: 'live' },
      deployment: {
        owner: real,
        aliasArn: target.aliasArn('live'),
        stateMachineArn: target.arn,
        originVersionArn: target.versionArn(1),
        targetVersionArn: target.versionArn(3),
        steps: [{ weight: 100, holdSeconds: 0 }],
        stepIndex: 0,
        routing: [],
        timeline: [],
        next: 'SHIFT',
        resumeWith: 'SHIFT',
      },
    });
    const posing = await e2e.deploy({ continuation: { aliasArn: target.aliasArn('live') } });
    const run = await e2e.follow(real);

    // Assert
    for (const refused of [forged, posing]) {
      expect(refused.status).toBe('FAILED');
      expect(refused.error).toBe('InvalidDeployRequest');
      expect(refused.aliasWrites).toEqual([]);
    }
    expect(forged.cause).toContain('which only the deployer passes between its own steps');
    expect(posing.cause).toContain('is not the continuation any deployment of');
    expect(lockBefore?.owner?.S).toBe(real);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.aliasWrites.map((write) => write.routing)).toEqual([
      [
        { stateMachineVersionArn: target.versionArn(2), weight: 10 },
        { stateMachineVersionArn: target.versionArn(1), weight: 90 },
      ],
      allTo(target.versionArn(2)),
    ]);
    await safety.assertSafe(target, { executionArn: real, status: 'PROMOTED', referencedBefore });
  });

  it('leaves the alias on the new version, recorded PROMOTED, when the deployer is stopped during a long prune', async () => {
    // Arrange: 40 versions to prune, and every delete throttled, so pruning runs for minutes.
    const target = await e2e.createTarget({ versions: 40, aliases: { live: 39 } });
    const referencedBefore = await safety.referencedVersions(target);
    e2e.deployer.cloud.faults.inject({
      operation: 'DeleteStateMachineVersion',
      error: 'ThrottlingException',
      count: 100_000,
    });

    // Act: all at once with a minute's bake; stopped three minutes in, while it prunes.
    const executionArn = await e2e.startDeployment({
      ...canary(target, { version: 40 }),
      strategy: 'allAtOnce',
      intervalSeconds: 60,
      historyMax: 2,
    });
    await e2e.after(180_000, async () => {
      const history = await e2e.history(executionArn);
      expect(history.some((event) => event.stateEnteredEventDetails?.name === 'Prune versions')).toBe(true);
      await stop(executionArn);
    });
    const run = await e2e.follow(executionArn);
    await e2e.deployer.cloud.events.idle();

    // Assert: the stop is recovered, and recovery finds the promotion recorded: nothing to undo.
    expect(run.status).toBe('ABORTED');
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(40)));
    await safety.assertSafe(target, { executionArn, status: 'PROMOTED', referencedBefore });
  });

  it('recovers a stopped deployer whose status-change event never came: the sweep rolls it back, and the alias deploys again', async () => {
    // Arrange: the stopped deployer's status-change event is lost, so the recovery rule hears nothing.
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const executionArn = await e2e.startDeployment(canary(target, { version: 2 }));
    await e2e.after(120_000, () => stopAndLoseItsEvent(executionArn));
    await e2e.follow(executionArn);
    await e2e.deployer.cloud.events.idle();
    expect(await e2e.routing(target.aliasArn('live'))).toHaveLength(2);
    expect((await safety.lockItem(target.aliasArn('live')))?.owner?.S).toBe(executionArn);

    // Act: the sweep runs every five minutes.
    await eventually(async () => (await safety.lockItem(target.aliasArn('live'))) === undefined, 'The sweep');

    // Assert
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
    await safety.assertSafe(target, { executionArn, status: 'ROLLED_BACK', referencedBefore });
    const next = await e2e.deploy(canary(target, { version: 3, strategy: 'allAtOnce', intervalSeconds: 60 }));
    expect(next.status).toBe('SUCCEEDED');
    await safety.assertSafe(target, {
      executionArn: next.executionArn,
      status: 'PROMOTED',
      referencedBefore,
    });
  });

  // Lambda retries a failed asynchronous invocation twice, then sends it to the on-failure destination
  // (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
  it('keeps the event of a recovery that failed for good in the recovery queue, and the sweep still frees the lock', async () => {
    // Arrange: every lock lookup by owner fails, so recovery from the status-change event fails each time.
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const cloud = e2e.deployer.cloud;
    const executionArn = await e2e.startDeployment(canary(target, { version: 2 }));
    await e2e.after(120_000, async () => {
      cloud.faults.inject({ operation: 'Query', error: 'ServiceUnavailable', count: 1000 });
      await stop(executionArn);
    });
    await e2e.follow(executionArn);

    // Act: the first attempt and two retries, a minute and then two minutes apart.
    await eventually(async () => recoveryFailures().length > 0, 'The on-failure record', 10 * 60_000);
    cloud.faults.clear();

    // Assert: the record names the ended execution; the sweep recovers the lock all the same.
    const [record] = recoveryFailures();
    expect(record!.requestContext).toMatchObject({
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    });
    expect(record!.requestContext.functionArn).toMatch(
      /:function:sfn-deployer-recover-deployments:\$LATEST$/,
    );
    await eventually(async () => (await safety.lockItem(target.aliasArn('live'))) === undefined, 'The sweep');
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
    await safety.assertSafe(target, { executionArn, status: 'ROLLED_BACK', referencedBefore });

    /** The records of this execution's failed recoveries in the stack's RecoveryFailures queue. */
    function recoveryFailures() {
      return [...cloud.lambdaAsync.destinations.entries()]
        .filter(([arn]) => /:sqs:.*RecoveryFailures/.test(arn))
        .flatMap(([, records]) => records)
        .filter(
          (r) =>
            (r.requestPayload as { detail?: { executionArn?: string } }).detail?.executionArn ===
            executionArn,
        );
    }
  });

  it('takes over the lock of a stopped deployer whose event never came when the next deployment starts', async () => {
    const target = await e2e.createTarget({ versions: 3, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const stopped = await e2e.startDeployment(canary(target, { version: 2 }));
    await e2e.after(120_000, () => stopAndLoseItsEvent(stopped));
    await e2e.follow(stopped);

    // Act: at once, before any sweep.
    const next = await e2e.deploy(canary(target, { version: 3, strategy: 'allAtOnce', intervalSeconds: 60 }));

    // Assert: recovered first (from orders:1, not from the split), then promoted.
    expect(next.status).toBe('SUCCEEDED');
    expect(next.result).toMatchObject({
      fromVersionArn: target.versionArn(1),
      toVersionArn: target.versionArn(3),
    });
    const records = await safety.records(target.aliasArn('live'));
    expect(records.find((item) => item.executionArn?.S === stopped)).toMatchObject({
      status: { S: 'ROLLED_BACK' },
      error: { S: 'DeploymentRecovered' },
    });
    await safety.assertSafe(target, {
      executionArn: next.executionArn,
      status: 'PROMOTED',
      referencedBefore,
    });
  });

  it('never leaves the alias split when the deployer is stopped while a throttled shift is retrying', async () => {
    // Arrange: the shift to 100% is throttled again and again.
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const executionArn = await e2e.startDeployment(canary(target));
    await e2e.after(290_000, async () => {
      e2e.deployer.cloud.faults.inject({
        operation: 'UpdateStateMachineAlias',
        error: 'ThrottlingException',
        count: 6,
      });
    });
    const calls = e2e.deployer.cloud.calls;
    const writesBefore = calls.count('UpdateStateMachineAlias');

    // Act: stopped while the shift backs off between attempts.
    await e2e.after(12_000, async () => {
      expect(calls.count('UpdateStateMachineAlias')).toBeGreaterThan(writesBefore);
      await stop(executionArn);
    });
    await e2e.follow(executionArn);
    await eventually(async () => (await safety.lockItem(target.aliasArn('live'))) === undefined, 'Recovery');
    await e2e.clock.sleep(120_000);

    // Assert: no attempt after the stop got through; the alias is back on the origin.
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
    await safety.assertSafe(target, { executionArn, status: 'ROLLED_BACK', referencedBefore });
  });

  it("undoes a shift that was on the wire when the deployer was stopped, with recovery's fence", async () => {
    // Arrange: the shift to 100% is held on the wire, past its lock check.
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const faults = e2e.deployer.cloud.faults;
    const executionArn = await e2e.startDeployment(canary(target));
    await e2e.after(290_000, async () => {
      faults.inject({ operation: 'UpdateStateMachineAlias', hold: true });
    });
    const finished = e2e.follow(executionArn);
    await meanwhile(() => faults.heldCalls === 1, 'The shift to 100%');

    // Act: stopped; recovery takes the lock and restores the origin; then the held write lands.
    await stop(executionArn);
    await meanwhile(async () => {
      const lock = await safety.lockItem(target.aliasArn('live'));
      const routing = await e2e.routing(target.aliasArn('live'));
      return (
        lock?.recovering !== undefined &&
        routing.length === 1 &&
        routing[0]!.stateMachineVersionArn === target.versionArn(1)
      );
    }, 'Recovery restoring the origin');
    faults.releaseHeld();
    await finished;
    await eventually(async () => (await safety.lockItem(target.aliasArn('live'))) === undefined, 'Recovery');

    // Assert: the late write was undone.
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
    await safety.assertSafe(target, { executionArn, status: 'ROLLED_BACK', referencedBefore });
  });

  it('rolls back cleanly with 100 long-named alarms all firing with long reasons, its cause within 32,768 characters', async () => {
    // Arrange: 100 alarms with names near AWS's 255-character limit.
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const referencedBefore = await safety.referencedVersions(target);
    const alarms: string[] = [];
    for (let n = 0; n < 100; n++)
      alarms.push(
        await e2e.createQuietAlarm(`long-${String(n).padStart(3, '0')}-${'n'.repeat(250)}`.slice(0, 250)),
      );
    expect(alarms.every((name) => name.length >= 252 && name.length <= 255)).toBe(true);
    await e2e.waitForAlarmsOk(...alarms);

    // Act: every alarm fires with a 1,023-character reason a minute into the canary.
    const executionArn = await e2e.startDeployment(canary(target, { alarms }));
    await e2e.after(90_000, async () => {
      for (const name of alarms) await e2e.setAlarmState(name, 'ALARM', 'r'.repeat(1023));
    });
    const run = await e2e.follow(executionArn);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause!.length).toBeLessThanOrEqual(FAIL_CAUSE_MAX_CHARS);
    // In ALARM at the check, or back to OK by then (its next evaluation), reported as a blip.
    expect(run.cause).toMatch(new RegExp(`alarms fired: ${alarms[0]} (is ALARM|was ALARM at \\S+): rrr`));
    expect(run.cause).toContain(' …[truncated]');
    // Every state's input and output, as the history records them, within the 256 KiB state limit
    // (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions).
    const payloads = (await e2e.history(executionArn)).flatMap((event) =>
      Object.values(event)
        .filter(
          (details): details is Record<string, unknown> =>
            typeof details === 'object' && details !== null && !(details instanceof Date),
        )
        .flatMap((details) =>
          [details.input, details.output].filter((payload): payload is string => typeof payload === 'string'),
        ),
    );
    expect(payloads.length).toBeGreaterThan(5);
    expect(Math.max(...payloads.map((payload) => Buffer.byteLength(payload, 'utf8')))).toBeGreaterThan(
      30_000,
    );
    expect(Math.max(...payloads.map((payload) => Buffer.byteLength(payload, 'utf8')))).toBeLessThanOrEqual(
      STATE_MAX_BYTES,
    );
    await safety.assertSafe(target, { executionArn, status: 'ROLLED_BACK', referencedBefore });
  });

  it('deploys a state machine whose name has a dot, as AWS allows (orders.v2)', async () => {
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 }, name: 'orders.v2' });
    const referencedBefore = await safety.referencedVersions(target);

    const run = await e2e.deploy({ ...canary(target), strategy: 'allAtOnce', intervalSeconds: 60 });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.result?.toVersionArn).toBe(target.versionArn(2));
    await safety.assertSafe(target, { executionArn: run.executionArn, status: 'PROMOTED', referencedBefore });
  });
});
