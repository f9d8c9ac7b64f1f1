/**
 * Custom steps with a gate, and CodeDeploy's predefined configurations by
 * name, run by the synthesized deployer on the local cloud: the weights and
 * times each gives, as CodeDeploy documents them
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html,
 * the AWS Lambda compute platform).
 */
import { allTo, E2e } from './harness';

describe('custom steps and named configurations on the local cloud', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await E2e.start();
  });

  afterAll(async () => {
    await e2e.stop();
  });

  const ANA = 'arn:aws:iam::123456789012:user/ana';

  it('waits at a pause step for resume, holding the weight before it, then goes on', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    // Act: 10% for 300 s, then the gate; resumed at 2000 s.
    const executionArn = await e2e.startDeployment({
      stateMachine: target.name,
      alias: 'live',
      steps: [{ weight: 10, holdSeconds: 300 }, { pause: true }, { weight: 50, holdSeconds: 300 }],
      alarmPollingSeconds: 600,
    });
    const [run] = await Promise.all([
      e2e.follow(executionArn),
      e2e.after(2_000_000, async () => {
        expect(await e2e.routing(target.aliasArn('live'))).toEqual([
          { stateMachineVersionArn: target.versionArn(2), weight: 10 },
          { stateMachineVersionArn: target.versionArn(1), weight: 90 },
        ]);
        await e2e.signal({ action: 'resume', target: executionArn, sender: ANA, reason: 'checked by hand' });
      }),
    ]);

    // Assert: the final 100% is added after the last step, held for no time.
    expect(run.status).toBe('SUCCEEDED');
    expect(run.timeline.map((entry) => entry.weight)).toEqual([10, 50, 100]);
    expect(run.timeline[1]!.atSeconds).toBeGreaterThanOrEqual(2000);
    expect(run.timeline[1]!.atSeconds).toBeLessThan(2005);
    expect(run.timeline[2]!.atSeconds - run.timeline[1]!.atSeconds).toBe(300);
    expect(run.durationSeconds).toBe(run.timeline[2]!.atSeconds);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });

  it('rolls back when nobody answers a pause step within its timeout', async () => {
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      steps: [
        { weight: 10, holdSeconds: 300 },
        { pause: true, timeoutSeconds: 900 },
        { weight: 50, holdSeconds: 300 },
      ],
      alarmPollingSeconds: 600,
    });

    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain('pause step 2 was not resumed or promoted within 900 s');
    expect(run.timeline).toEqual([
      { atSeconds: 0, weight: 10 },
      { atSeconds: 1200, weight: 0 },
    ]);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });

  // CodeDeploy's table: canary shifts 10%, then the rest after N minutes; linear 10% more every N minutes.
  const canary = (minutes: number) => [
    { atSeconds: 0, weight: 10 },
    { atSeconds: minutes * 60, weight: 100 },
  ];
  const linear = (minutes: number) =>
    Array.from({ length: 10 }, (_, n) => ({ atSeconds: n * minutes * 60, weight: (n + 1) * 10 }));
  it.each([
    ['Canary10Percent5Minutes', canary(5)],
    ['Canary10Percent10Minutes', canary(10)],
    ['Canary10Percent15Minutes', canary(15)],
    ['Canary10Percent30Minutes', canary(30)],
    ['Linear10PercentEvery1Minute', linear(1)],
    ['Linear10PercentEvery2Minutes', linear(2)],
    ['Linear10PercentEvery3Minutes', linear(3)],
    ['Linear10PercentEvery10Minutes', linear(10)],
    ['AllAtOnce', [{ atSeconds: 0, weight: 100 }]],
  ])('%s shifts at CodeDeploy’s times and ends when 100%% is reached', async (strategy, expected) => {
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy,
      alarmPollingSeconds: 60,
    });

    expect(run.status).toBe('SUCCEEDED');
    expect(run.timeline).toEqual(expected);
    expect(run.durationSeconds).toBe(expected.at(-1)!.atSeconds);
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(2)));
  });
});
