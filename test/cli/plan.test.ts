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
});
