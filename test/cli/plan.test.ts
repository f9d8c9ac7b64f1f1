import { run } from './harness';

describe('sfn-deploy plan', () => {
  it('lists a linear 15% / 600 s plan shift by shift with offsets, the final hold and the total', async () => {
    // Act
    const { code, stdout } = await run([
      'plan',
      '--strategy',
      'linear',
      '--increment',
      '15',
      '--interval',
      '600',
    ]);

    // Assert
    expect(code).toBe(0);
    expect(stdout.lines).toEqual([
      'linear, 15% every 10m',
      '  +0s      15%   hold 10m',
      '  +10m     30%   hold 10m',
      '  +20m     45%   hold 10m',
      '  +30m     60%   hold 10m',
      '  +40m     75%   hold 10m',
      '  +50m     90%   hold 10m',
      '  +1h      100%  hold 10m',
      '  +1h 10m  promoted',
      'total 1h 10m',
    ]);
  });

  it('lists a canary as its step, then 100% checked once', async () => {
    const { stdout } = await run(['plan', '--strategy', 'canary', '--increment', '10', '--interval', '300']);

    expect(stdout.lines).toEqual([
      'canary, 10% for 5m, then 100%',
      '  +0s  10%   hold 5m',
      '  +5m  100%  alarms checked once',
      '  +5m  promoted',
      'total 5m',
    ]);
  });

  it('lists allAtOnce (spelled allatonce, as sfndeploy.py does) as one shift watched one interval', async () => {
    const { stdout } = await run([
      'plan',
      '--strategy',
      'allatonce',
      '--interval',
      '500',
      '--increment',
      '30',
    ]);

    expect(stdout.lines).toEqual([
      'allAtOnce, 100% watched for 8m 20s',
      '  +0s      100%  hold 8m 20s',
      '  +8m 20s  promoted',
      'total 8m 20s',
    ]);
  });

  it('uses the built-in defaults: allAtOnce watched for 2m', async () => {
    const { stdout } = await run(['plan']);

    expect(stdout.lines.at(-1)).toBe('total 2m');
  });

  it('names the target and the alarms when they are given', async () => {
    const { stdout } = await run([
      'plan',
      '--state-machine',
      'orders',
      '--alias',
      'live',
      '--alarms',
      'a',
      'b',
      '--alarm-polling',
      '30',
    ]);

    expect(stdout.lines[0]).toBe(
      'orders → live: allAtOnce, 100% watched for 2m, 2 alarm(s) polled every 30s',
    );
  });

  it('reads the request from --request, with flags overriding it', async () => {
    const files = {
      'linear.json': JSON.stringify({
        stateMachine: 'orders',
        alias: 'live',
        strategy: 'linear',
        increment: 50,
        intervalSeconds: 60,
      }),
    };

    const { stdout } = await run(['plan', '--request', 'linear.json', '--increment', '25'], { files });

    expect(
      stdout.lines.filter((line) => line.includes('hold')).map((line) => line.trim().split(/\s+/)[1]),
    ).toEqual(['25%', '50%', '75%', '100%']);
    expect(stdout.lines.at(-1)).toBe('total 4m');
  });

  it('prints the plan as JSON with --json', async () => {
    const { stdout } = await run([
      'plan',
      '--strategy',
      'canary',
      '--increment',
      '10',
      '--interval',
      '300',
      '--json',
    ]);

    expect(JSON.parse(stdout.text)).toEqual({
      strategy: 'canary',
      shifts: [
        { weight: 10, offsetSeconds: 0, holdSeconds: 300 },
        { weight: 100, offsetSeconds: 300, holdSeconds: 0 },
      ],
      totalSeconds: 300,
    });
  });

  it('fails with exit code 2 and the schema messages on a bad request', async () => {
    const { code, stdout, stderr } = await run(['plan', '--strategy', 'linear', '--increment', 'abc']);

    expect(code).toBe(2);
    expect(stdout.text).toBe('');
    expect(stderr.text).toBe(
      'Invalid deploy request (nothing was started):\n  - increment must be an integer between 1 and 100, got: "abc"\n',
    );
  });

  it('fails like the deployer when the plan would outlast a year', async () => {
    const { code, stderr } = await run([
      'plan',
      '--strategy',
      'linear',
      '--increment',
      '1',
      '--interval',
      '604800',
    ]);

    expect(code).toBe(2);
    expect(stderr.text).toContain(
      'the plan holds for 700d in total but a deployment must finish within 364d',
    );
  });

  it('lists custom steps from --request, a pause holding the weight before it, and the final 100%', async () => {
    // Arrange
    const files = {
      'steps.json': JSON.stringify({
        stateMachine: 'orders',
        alias: 'live',
        steps: [
          { weight: 1, holdSeconds: 600 },
          { weight: 10, holdSeconds: 1800 },
          { pause: true },
          { weight: 50, holdSeconds: 3600 },
        ],
      }),
    };

    // Act
    const { code, stdout } = await run(['plan', '--request', 'steps.json'], { files });

    // Assert
    expect(code).toBe(0);
    expect(stdout.lines).toEqual([
      'orders → live: custom steps: 1%, 10%, pause, 50%, 100%',
      '  +0s      1%    hold 10m',
      '  +10m     10%   hold 30m',
      '  +40m     10%   pause until resumed or promoted',
      '  +40m     50%   hold 1h',
      '  +1h 40m  100%  alarms checked once',
      '  +1h 40m  promoted',
      'total 1h 40m, plus the wait at 1 pause(s) without a timeout',
    ]);
  });

  it('counts a timed pause at its timeout, saying what happens when it runs out', async () => {
    const steps = JSON.stringify([
      { weight: 20, holdSeconds: 60 },
      { pause: true, timeoutSeconds: 600 },
      { pause: true, timeoutSeconds: 300, onTimeout: 'continue' },
    ]);

    const { stdout } = await run(['plan', '--steps', steps]);

    expect(stdout.lines).toEqual([
      'custom steps: 20%, pause, pause, 100%',
      '  +0s   20%   hold 1m',
      '  +1m   20%   pause, rolls back after 10m unless resumed',
      '  +11m  20%   pause, continues after 5m unless resumed',
      '  +16m  100%  alarms checked once',
      '  +16m  promoted',
      'total 16m, pauses counted at their timeout',
    ]);
  });

  it('prints custom steps as JSON, a pause with its gate', async () => {
    const steps = JSON.stringify([
      { pause: true, timeoutSeconds: 60 },
      { weight: 100, holdSeconds: 120 },
    ]);

    const { stdout } = await run(['plan', '--steps', steps, '--json']);

    expect(JSON.parse(stdout.text)).toEqual({
      strategy: 'custom steps',
      shifts: [
        {
          weight: 0,
          offsetSeconds: 0,
          holdSeconds: 60,
          pause: { timeoutSeconds: 60, onTimeout: 'rollBack' },
        },
        { weight: 100, offsetSeconds: 60, holdSeconds: 120 },
      ],
      totalSeconds: 180,
    });
  });

  it("lists CodeDeploy's Canary10Percent5Minutes as 10% for 5 minutes, then 100%", async () => {
    const { stdout } = await run(['plan', '--strategy', 'Canary10Percent5Minutes']);

    expect(stdout.lines).toEqual([
      'Canary10Percent5Minutes, 10% for 5m, then 100%',
      '  +0s  10%   hold 5m',
      '  +5m  100%  alarms checked once',
      '  +5m  promoted',
      'total 5m',
    ]);
  });

  it("lists CodeDeploy's linear in CodeDeploy's spelling, done when it reaches 100%", async () => {
    const { stdout } = await run([
      'plan',
      '--strategy',
      'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes',
    ]);

    expect(stdout.lines[0]).toBe('Linear10PercentEvery3Minutes, 10% more every 3m until 100%');
    expect(stdout.lines.filter((line) => line.includes('hold 3m'))).toHaveLength(9);
    expect(stdout.lines.at(-1)).toBe('total 27m');
  });

  it('lists the named configurations with their steps and total time with --list', async () => {
    const { code, stdout } = await run(['plan', '--list']);

    expect(code).toBe(0);
    expect(stdout.lines.slice(0, 2)).toEqual([
      'Canary10Percent5Minutes        10% for 5m, then 100%; total 5m',
      '                               10% 5m → 100%',
    ]);
    expect(stdout.lines).toContain(
      'Linear10PercentEvery10Minutes  10% more every 10m until 100%; total 1h 30m',
    );
    expect(stdout.lines).toContain(
      'AllAtOnce                      100% at once, alarms checked once; total 0s',
    );
  });

  it('lists the named configurations as JSON with --list --json', async () => {
    const { stdout } = await run(['plan', '--list', '--json']);

    const { strategies } = JSON.parse(stdout.text) as {
      strategies: { name: string; steps: unknown[]; totalSeconds: number }[];
    };
    expect(strategies.map((strategy) => strategy.name)).toHaveLength(9);
    expect(strategies.find((strategy) => strategy.name === 'Linear10PercentEvery1Minute')).toMatchObject({
      totalSeconds: 540,
      steps: expect.arrayContaining([{ weight: 100, holdSeconds: 0 }]),
    });
  });

  it('fails with exit code 2 when steps come with a strategy', async () => {
    const { code, stderr } = await run([
      'plan',
      '--steps',
      '[{"weight":20,"holdSeconds":60}]',
      '--strategy',
      'canary',
    ]);

    expect(code).toBe(2);
    expect(stderr.text).toContain(
      'steps cannot be combined with strategy: give either steps or strategy (with its increment and intervalSeconds)',
    );
  });

  it('fails with exit code 2 naming the step when a step is bad', async () => {
    const { code, stderr } = await run([
      'plan',
      '--steps',
      '[{"weight":20,"holdSeconds":60},{"weight":10,"holdSeconds":0}]',
    ]);

    expect(code).toBe(2);
    expect(stderr.text).toContain('steps[1].weight must be above steps[0].weight (20)');
  });

  it('fails when --steps is not JSON', async () => {
    const { code, stderr } = await run(['plan', '--steps', '[{"weight":20']);

    expect(code).toBe(2);
    expect(stderr.text).toContain('--steps must be JSON');
  });
});
