/**
 * `sfn-deploy watch`'s live view as a person sees it: the command runs in a
 * real pseudo-terminal (tmux) at 40, 80 and 200 columns against the local
 * cloud, and the screen tmux shows is read back. The status block must be on
 * screen once, below the events, each told once, with nothing left over from
 * earlier frames, also after the terminal is made narrower mid-deployment.
 *
 * tmux is a system package: `.ci/run` installs it (scripts/install-test-tools.sh).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { quietAlarm } from '../../examples/alarms';
import { type LocalDeployer, localClientConfig, startLocalDeployer } from '../../local/deployer';
import { PROJECT_ROOT } from '../../local/deployer/synth';

/** Virtual ms per real ms: the 10% step (an hour) lasts 6 minutes: time enough to read the screen during it, whatever else the machine runs. */
const SPEED = 10;
const execFileAsync = promisify(execFile);
const SOCKET = `sfn-deploy-live-view-${process.pid}`;
let deployer: LocalDeployer;
let sfn: SFNClient;
let cloudWatch: CloudWatchClient;
let workDir: string;
const savedEnv = { ...process.env };

/** Runs tmux without blocking: the local cloud and the deployer's Lambdas run in this process. */
const tmux = async (...args: string[]) =>
  (await execFileAsync('tmux', ['-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' })).stdout;

beforeAll(async () => {
  try {
    await execFileAsync('tmux', ['-V']);
  } catch {
    throw new Error('these tests need tmux: run scripts/install-test-tools.sh (or apt-get install tmux)');
  }
  deployer = await startLocalDeployer({ speed: SPEED, seed: 7, lambdaLogLevel: 'ERROR' });
  sfn = new SFNClient(localClientConfig(deployer.endpoint, deployer.cloud.region));
  cloudWatch = new CloudWatchClient(localClientConfig(deployer.endpoint, deployer.cloud.region));
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sfn-deploy-tty-'));
}, 240_000);

afterAll(async () => {
  try {
    await tmux('kill-server');
  } catch {
    // no session left
  }
  sfn?.destroy();
  cloudWatch?.destroy();
  await deployer?.stop();
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  process.env = savedEnv;
});

/**
 * A canary of `name` watching one alarm with a long name: up to 255 characters
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html),
 * so its status row wraps in all but the widest terminals.
 */
async function startCanary(name: string): Promise<{ executionArn: string; alarm: string }> {
  const definition = (tag: string) => ({
    StartAt: 'Tag',
    States: { Tag: { Type: 'Pass', Result: { tag }, End: true } },
  });
  const created = await sfn.send(
    new CreateStateMachineCommand({
      name,
      definition: JSON.stringify(definition('v1')),
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
  const alarm = `${name}-checkout-payment-authorization-failures-above-one-percent-over-five-minutes`;
  await cloudWatch.send(new PutMetricAlarmCommand(quietAlarm(alarm, 'Orders')));
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deployer.deployerArn,
      name: `${name}-canary`,
      input: JSON.stringify({
        stateMachine: name,
        alias: 'live',
        strategy: 'canary',
        increment: 10,
        intervalSeconds: 3600,
        alarms: [alarm],
        definition: definition('v2'),
      }),
    }),
  );
  return { executionArn: executionArn!, alarm };
}

/** Runs `sfn-deploy watch` in a detached tmux session of `columns` × 50; the shell stays so the screen can be read after it exits. */
async function watchInTmux(session: string, columns: number, executionArn: string): Promise<void> {
  const env = {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_CONFIG_FILE: path.join(workDir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'no-credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TERM: 'xterm-256color',
  };
  const command = [
    process.execPath,
    path.join(PROJECT_ROOT, 'cli', 'bin', 'sfn-deploy.js'),
    'watch',
    executionArn,
    '--endpoint-url',
    deployer.endpoint,
    '--region',
    'us-east-1',
    '--refresh',
    '0.2',
  ]
    .map((word) => `'${word}'`)
    .join(' ');
  await tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    String(columns),
    '-y',
    '50',
    ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    `${command}; echo "exit $?"; sleep 600`,
  );
}

/** The screen's rows, with the scrollback when `history`, trailing blanks dropped. */
async function screen(session: string, history = false): Promise<string[]> {
  const rows = (await tmux('capture-pane', '-p', '-t', session, ...(history ? ['-S', '-'] : []))).split('\n');
  while (rows.length > 0 && rows.at(-1)!.trim() === '') rows.pop();
  return rows;
}

/** The rows run together without whitespace: a line wrapped over several rows reads as it was written. */
const joined = (rows: string[]) => rows.join('').replace(/\s+/g, '');
const count = (text: string, part: string) => text.split(part.replace(/\s+/g, '')).length - 1;

/** Waits for `check`; on a timeout, the error shows the screen. */
async function until(
  session: string,
  what: string,
  check: (rows: string[]) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check(await screen(session))) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; the screen:\n${(await screen(session, true)).join('\n')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What must be on screen during the 10% step, whitespace aside, and nothing else: the events,
 * each once, then the status block once. The alarm's readings are told when read (a new alarm
 * goes from INSUFFICIENT_DATA to OK in its first period), so their place among them varies.
 */
function expectCanaryScreen(rows: string[], name: string, alarm: string): void {
  const time = '\\d\\d:\\d\\d:\\d\\d';
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '');
  const events = [
    `${time}started${escape(`${name} → live (canary)`)}`,
    `${time}planned${escape(`${name}:1 → ${name}:2: 10%, 100%`)}`,
    `${time}shift10%step1/2,helduntil${time}`,
  ];
  const alarmReading = `${time}alarm${escape(alarm)}(is[A-Z_]+|[A-Z_]+→[A-Z_]+)`;
  const block = [
    escape(`${name} → live · canary · step 1/2 · RUNNING`),
    `\\[█{3}░{27}\\]10%nextshift\\(100%\\)in\\d+m(\\d+s)?`,
    `alarms:${escape(alarm)}(OK|INSUFFICIENT_DATA)`,
  ].join('');
  const text = joined(rows);
  expect(text).toMatch(new RegExp(`^(${[...events, alarmReading].join('|')})+${block}$`));
  for (const event of events) expect(text.match(new RegExp(event, 'g'))).toHaveLength(1);
}

describe.each([40, 80, 200])('the live view at %i columns', (columns) => {
  it('shows each event once above one status block, redrawn in place, and nothing of it after the rollback', async () => {
    // Arrange
    const name = `orders-tty${columns}`;
    const session = `w${columns}`;
    const { executionArn, alarm } = await startCanary(name);

    // Act: watch until the canary holds at 10%, and a few redraws more.
    await watchInTmux(session, columns, executionArn);
    await until(session, 'the status block at 10%', (rows) => joined(rows).includes('10%nextshift'));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const during = await screen(session);

    // Assert: the alarm's status row is wider than 40 and 80 columns, and wraps there.
    const alarmRow = `alarms: ${alarm} OK`;
    expect(alarmRow.length > columns).toBe(columns < 200);
    expect(during.every((row) => row.length <= columns)).toBe(true);
    expectCanaryScreen(during, name, alarm);

    // Act: the alarm fires; the deployment rolls back and watch exits.
    await cloudWatch.send(
      new SetAlarmStateCommand({
        AlarmName: alarm,
        StateValue: 'ALARM',
        StateReason: 'failures in the canary',
      }),
    );
    await until(session, 'watch to exit', (rows) => rows.some((row) => row.startsWith('exit ')));
    const after = await screen(session, true);

    // Assert: the block is gone, each event told once, the cause once (on stderr).
    const text = joined(after);
    expect(text).not.toContain('·canary·');
    expect(text).not.toContain('░');
    expect(count(text, 'started')).toBe(1);
    expect(count(text, 'shift 10%')).toBe(1);
    // The change is told once if a poll saw it before the rollback ended (the cause also names it).
    expect(count(text, '→ ALARM')).toBeLessThanOrEqual(1);
    expect(count(text, `rolled back to ${name}:1 (100%)`)).toBe(1);
    expect(count(text, 'Deployment failed: DeploymentRolledBack')).toBe(1);
    expect(count(text, 'failures in the canary')).toBe(1);
    expect(after.at(-1)).toBe('exit 1');
  }, 90_000);
});

describe('the live view when the terminal gets narrower', () => {
  it('erases the rows the old frame was split into, and draws the block once at the new width', async () => {
    // Arrange
    const name = 'orders-resized';
    const { executionArn, alarm } = await startCanary(name);
    await watchInTmux('resized', 120, executionArn);
    await until('resized', 'the status block at 10%', (rows) => joined(rows).includes('10%nextshift'));

    // Act: 120 → 50 columns; tmux splits each row wider than 50 and signals the change (SIGWINCH).
    await tmux('resize-window', '-t', 'resized', '-x', '50', '-y', '50');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const narrowed = await screen('resized', true);

    // Assert
    expect(narrowed.every((row) => row.length <= 50)).toBe(true);
    expectCanaryScreen(narrowed, name, alarm);
    await cloudWatch.send(
      new SetAlarmStateCommand({
        AlarmName: alarm,
        StateValue: 'ALARM',
        StateReason: 'failures in the canary',
      }),
    );
    await until('resized', 'watch to exit', (rows) => rows.some((row) => row.startsWith('exit ')));
  }, 90_000);
});
