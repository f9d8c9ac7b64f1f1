/**
 * `sfn-deploy` as users run it: a child process (`node cli/bin/sfn-deploy.js`, the bundled command line)
 * pointed with `--endpoint-url` at the local cloud running the deployer as
 * synthesized. The virtual clock runs 100× real time, so a 5-minute canary
 * takes 3 seconds and there is time to fire an alarm in the middle of it.
 */
import { quietAlarm } from '../../examples/alarms';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { type LocalDeployer, localClientConfig, startLocalDeployer } from '../../local/deployer';
import { PROJECT_ROOT } from '../../local/deployer/synth';

const SPEED = 100;
let deployer: LocalDeployer;
let sfn: SFNClient;
let cloudWatch: CloudWatchClient;
let workDir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  deployer = await startLocalDeployer({ speed: SPEED, seed: 7, lambdaLogLevel: 'ERROR' });
  sfn = new SFNClient(localClientConfig(deployer.endpoint, deployer.cloud.region));
  cloudWatch = new CloudWatchClient(localClientConfig(deployer.endpoint, deployer.cloud.region));
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-deploy-e2e-'));
}, 240_000);

afterAll(async () => {
  sfn?.destroy();
  cloudWatch?.destroy();
  await deployer?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  // The local deployer points this process's SDK at the local cloud: undo it for the suites after this one.
  process.env = savedEnv;
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the command line against the local cloud, with an environment of its
 * own (no profile, no AWS_ENDPOINT_URL), so only `--endpoint-url` leads it there.
 */
function sfnDeploy(
  args: string[],
  onLine: (line: string) => void = () => undefined,
  setup: { env?: Record<string, string>; regionFlag?: boolean } = {},
): Promise<CliRun> {
  const env = {
    ...setup.env,
    PATH: process.env.PATH,
    HOME: workDir,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_CONFIG_FILE: path.join(workDir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'no-credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const child = spawn(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'cli', 'bin', 'sfn-deploy.js'),
      ...args,
      '--endpoint-url',
      deployer.endpoint,
      ...(setup.regionFlag === false ? [] : ['--region', 'us-east-1']),
    ],
    { cwd: workDir, env },
  );
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    lines.forEach(onLine);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A target state machine with version 1 behind alias `live`, an alarm that is quiet, and a new definition on disk. */
async function target(name: string): Promise<{ alarm: string; definitionFile: string }> {
  const definition = (tag: string) =>
    JSON.stringify({ StartAt: 'Tag', States: { Tag: { Type: 'Pass', Result: { tag }, End: true } } });
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name,
      definition: definition('v1'),
      roleArn: `arn:aws:iam::${deployer.cloud.accountId}:role/${name}`,
      publish: true,
    }),
  );
  await sfn.send(
    new CreateStateMachineAliasCommand({
      name: 'live',
      routingConfiguration: [{ stateMachineVersionArn: created.stateMachineVersionArn!, weight: 100 }],
    }),
  );
  const alarm = `${name}-failures`;
  await cloudWatch.send(new PutMetricAlarmCommand(quietAlarm(alarm, 'Orders')));
  const definitionFile = path.join(workDir, `${name}.asl.json`);
  fs.writeFileSync(definitionFile, definition('v2'));
  return { alarm, definitionFile };
}

const deployArgs = (name: string, alarm: string, definitionFile: string, strategy: string[]) => [
  '--deployer',
  deployer.deployerArn,
  '--state-machine',
  name,
  '--alias',
  'live',
  ...strategy,
  '--alarms',
  alarm,
  '--alarm-polling',
  '60',
  '--file',
  definitionFile,
  '--publish-revision',
];
const CANARY = ['--strategy', 'canary', '--increment', '10', '--interval', '300'];

describe('sfn-deploy on the local cloud', () => {
  it('start --wait promotes a canary, exits 0 and prints the timeline', async () => {
    // Arrange
    const { alarm, definitionFile } = await target('orders-promote');

    // Act
    const run = await sfnDeploy([
      'start',
      ...deployArgs('orders-promote', alarm, definitionFile, CANARY),
      '--wait',
      '--refresh',
      '0.2',
    ]);

    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^arn:aws:states:us-east-1:\d{12}:execution:sfn-deployer:orders-promote-live-\d{8}T\d{6}Z-[0-9a-f]{4}$/,
    );
    expect(lines).toContain('PROMOTED: live routes 100% to orders-promote:2 (was orders-promote:1)');
    const timeline = lines.slice(lines.indexOf('timeline:') + 1).filter((line) => /^\s+\+/.test(line));
    expect(timeline.map((line) => line.match(/\s(\d+%)\s/)?.[1])).toEqual(['10%', '100%']);
    expect(timeline[1]!.trim()).toMatch(/^\+5m( \d+s)?\s+100%/);
  }, 120_000);

  it('start --wait exits 1 naming the alarm when the alarm fires during the canary; report draws it', async () => {
    // Arrange
    const { alarm, definitionFile } = await target('orders-rollback');
    const fired: Promise<unknown>[] = [];
    const fireOnCanary = (line: string) => {
      if (/\bshift\s+10%/.test(line) && fired.length === 0) {
        fired.push(
          cloudWatch.send(
            new SetAlarmStateCommand({
              AlarmName: alarm,
              StateValue: 'ALARM',
              StateReason: 'failures in the canary',
            }),
          ),
        );
      }
    };

    // Act
    const run = await sfnDeploy(
      [
        'start',
        ...deployArgs('orders-rollback', alarm, definitionFile, CANARY),
        '--wait',
        '--refresh',
        '0.2',
      ],
      fireOnCanary,
    );
    await Promise.all(fired);

    // Assert
    expect(fired).toHaveLength(1);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^Deployment failed: DeploymentRolledBack: Rolled back alias live to orders-rollback:1 \(100%\) from orders-rollback:2 at 10%/,
    );
    expect(run.stderr).toContain(`alarms fired: ${alarm} `);
    expect(run.stdout).toMatch(/rolled back\s+to orders-rollback:1 \(100%\)/);

    // And its report: the page of what the output above told, in the cloud's virtual time.
    const executionArn = run.stdout.split('\n')[0]!;
    const page = path.join(workDir, 'rollback.html');
    const report = await sfnDeploy(['report', executionArn, '--html', page]);
    expect(report).toMatchObject({ code: 0, stderr: '' });
    expect(report.stdout).toBe(
      `Wrote ${page}: orders-rollback:live: orders-rollback:1 → orders-rollback:2, DeploymentRolledBack\n`,
    );
    const html = fs.readFileSync(page, 'utf8');
    expect([...html.matchAll(/<g class="shift" [^>]*data-weight="(\d+)"/g)].map((m) => m[1])).toEqual(['10']);
    expect(html).toMatch(/<g class="marker rollback" data-at="2026-/);
    expect(html).toMatch(/<rect class="alarm-band" data-alarm="orders-rollback-failures" data-state="ALARM"/);
  }, 120_000);

  it('watch, without a terminal, prints each shift of a linear deployment as a line', async () => {
    // Arrange
    const { alarm, definitionFile } = await target('orders-watch');
    const started = await sfnDeploy([
      'start',
      ...deployArgs('orders-watch', alarm, definitionFile, [
        '--strategy',
        'linear',
        '--increment',
        '25',
        '--interval',
        '120',
      ]),
    ]);
    expect(started.code).toBe(0);
    const executionArn = started.stdout.trim();

    // Act
    const run = await sfnDeploy(['watch', executionArn, '--refresh', '0.2']);

    // Assert
    expect(run.code).toBe(0);
    const shifts = run.stdout.split('\n').filter((line) => /^\d\d:\d\d:\d\d {2}shift /.test(line));
    expect(shifts.map((line) => line.split(/\s+/)[2])).toEqual(['25%', '50%', '75%', '100%']);
    expect(shifts.map((line) => line.match(/step (\d\/\d)/)?.[1])).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(run.stdout).toContain('PROMOTED: live routes 100% to orders-watch:2 (was orders-watch:1)');
  }, 120_000);

  it('start exits 2 on a definition that is JSON but not valid ASL, and starts nothing', async () => {
    // Arrange
    const { alarm } = await target('orders-bad-asl');
    const badFile = path.join(workDir, 'bad.asl.json');
    fs.writeFileSync(badFile, JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Bogus', End: true } } }));
    const before = await sfn.send(new ListExecutionsCommand({ stateMachineArn: deployer.deployerArn }));

    // Act
    const run = await sfnDeploy(['start', ...deployArgs('orders-bad-asl', alarm, badFile, CANARY)]);

    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^Invalid deploy request \(nothing was started\):\n {2}- definition is not valid Amazon States Language: SCHEMA_VALIDATION_FAILED at \/States\/A: /,
    );
    const after = await sfn.send(new ListExecutionsCommand({ stateMachineArn: deployer.deployerArn }));
    expect(after.executions).toHaveLength(before.executions!.length);
  }, 120_000);

  it('start finds the local deployer without --deployer, takes AWS_DEFAULT_REGION, and prints JSON lines', async () => {
    // Arrange
    const { alarm, definitionFile } = await target('orders-found');
    const args = deployArgs('orders-found', alarm, definitionFile, CANARY).slice(2); // no --deployer

    // Act
    const run = await sfnDeploy(['start', ...args, '--json'], undefined, {
      env: { AWS_DEFAULT_REGION: 'us-east-1' },
      regionFlag: false,
    });

    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      {
        type: 'execution',
        executionArn: expect.stringContaining(
          `${deployer.deployerArn.replace(':stateMachine:', ':execution:')}:orders-found-live-`,
        ),
        startDate: expect.any(String),
      },
    ]);
  }, 120_000);

  it('start exits 2 naming an alarm that does not exist, and starts nothing', async () => {
    const { definitionFile } = await target('orders-no-alarm');

    const run = await sfnDeploy([
      'start',
      ...deployArgs('orders-no-alarm', 'no-such-alarm', definitionFile, CANARY),
    ]);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: AlarmNotFound: Alarms not found (neither metric nor composite): no-such-alarm (checked before starting; nothing was started)\n',
    );
  }, 120_000);
});
