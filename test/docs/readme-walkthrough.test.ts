/**
 * The README's local walkthrough ("The local cloud"), run as written: its first
 * command starts the local cloud (on a free port instead of 4566), the rest run in
 * one bash with the AWS CLI, and what they print is what the README says they do:
 * a buggy release rolled back by an alarm, then a fix promoted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const README_PORT = '4566';

/** The bash block of the README's section "The local cloud", as commands (continuations and loops joined). */
export function walkthroughCommands(readme: string): string[] {
  const section = readme.slice(readme.indexOf('## The local cloud'));
  const block = /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no bash block under "## The local cloud"');
  const commands: string[] = [];
  let current = '';
  let inLoop = false;
  for (const line of block.split('\n')) {
    if (current === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    current += (current ? '\n' : '') + line;
    if (/^for\b/.test(line)) inLoop = true;
    if (inLoop && /^done\b/.test(line)) inLoop = false;
    if (!line.endsWith('\\') && !inLoop) {
      commands.push(current);
      current = '';
    }
  }
  return commands;
}

/** Starts the walkthrough's local cloud on a free port; resolves with its port once it is ready. */
function startLocalCloud(command: string): Promise<{ child: ChildProcess; port: string }> {
  if (!command.includes(`--port ${README_PORT}`))
    throw new Error(
      `the walkthrough's first command should start the local cloud on ${README_PORT}: ${command}`,
    );
  // Its own process group, so stopping it stops npm, tsx and node together.
  const child = spawn('bash', ['-c', command.replace(`--port ${README_PORT}`, '--port 0')], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /ready http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (ready) resolve({ child, port: ready[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`the local cloud exited (${code}) before ready:\n${output}`)),
    );
  });
}

interface Ran {
  command: string;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the commands in one bash (so `export` and `E=` carry on), each one's output and exit code apart. */
function runInOneShell(commands: string[], port: string): Ran[] {
  const marker = (i: number) => `@@walkthrough-command-${i}`;
  // Each marker on a line of its own: a command's output may not end with a newline (curl's does not).
  const script = commands
    .map(
      (command, i) =>
        `${command.replace(new RegExp(`(127\\.0\\.0\\.1|localhost):${README_PORT}\\b`, 'g'), `$1:${port}`)}\n` +
        `rc=$?; printf '\\n%s %s\\n' "${marker(i)}" "$rc"; printf '\\n%s\\n' "${marker(i)}" >&2`,
    )
    .join('\n');
  const result = spawnSync('bash', ['-c', script], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    // No user configuration: only what the README exports, as on a fresh machine.
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
    },
  });
  let stdout = result.stdout;
  let stderr = result.stderr;
  return commands.map((command, i) => {
    const out = new RegExp(`^${marker(i)} (\\d+)$`, 'm').exec(stdout);
    const errAt = stderr.indexOf(`${marker(i)}\n`);
    if (!out || errAt === -1) throw new Error(`the walkthrough stopped before: ${command}\n${stderr}`);
    const ran = {
      command,
      code: Number(out[1]),
      stdout: stdout.slice(0, out.index),
      stderr: stderr.slice(0, errAt),
    };
    stdout = stdout.slice(out.index + out[0].length + 1);
    stderr = stderr.slice(errAt + marker(i).length + 1);
    return ran;
  });
}

const ORDERS = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';

describe("the README's local walkthrough", () => {
  let cloud: ChildProcess | undefined;
  let ran: Ran[];
  const outputOf = (fragment: string, nth = 0): unknown => {
    const matches = ran.filter((r) => r.command.includes(fragment));
    if (!matches[nth]) throw new Error(`no command with ${fragment} (#${nth})`);
    return JSON.parse(matches[nth].stdout);
  };

  beforeAll(async () => {
    const probe = spawnSync('aws', ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(
        `The AWS CLI is required for this test but 'aws --version' failed: ${probe.error?.message ?? probe.stderr}`,
      );
    }
    const [start, ...rest] = walkthroughCommands(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    const started = await startLocalCloud(start!);
    cloud = started.child;
    ran = runInOneShell(rest, started.port);
  }, 240_000);

  afterAll(async () => {
    if (cloud?.pid === undefined || cloud.exitCode !== null) return;
    const exited = new Promise((resolve) => cloud!.once('exit', resolve));
    process.kill(-cloud.pid, 'SIGTERM');
    await exited;
  });

  it('runs every command successfully', () => {
    expect(ran.filter((r) => r.code !== 0).map((r) => `${r.command}\n${r.stderr}`)).toEqual([]);
    expect(ran.length).toBeGreaterThanOrEqual(12);
  });

  it('sends the orders through the alias while the buggy release holds at 50%, some to version 2, which fail', () => {
    const failedOn = outputOf('--status-filter FAILED') as string[];

    expect(failedOn.length).toBeGreaterThan(0);
    expect(new Set(failedOn)).toEqual(new Set([`${ORDERS}:2`]));
  });

  it('has the alarm in ALARM and the buggy release FAILED with the rollback cause naming it', () => {
    expect(outputOf('describe-alarms', 0)).toBe('ALARM');
    const [status, error, cause] = outputOf('execution:sfn-deployer:buggy-release') as string[];
    expect(status).toBe('FAILED');
    expect(error).toBe('DeploymentRolledBack');
    expect(cause).toMatch(
      /^Rolled back alias live to orders:1 \(100%\) from orders:2 at 50%: alarms fired: orders-live-failures is ALARM: /,
    );
  });

  it('has the alarm OK again once the clock has moved on five minutes', () => {
    expect(outputOf('/_local/clock/advance')).toEqual({ now: expect.stringMatching(/Z$/) });
    expect(outputOf('describe-alarms', 1)).toBe('OK');
  });

  it('leaves the alias back on version 1 after the rollback, then on version 3 once the fix is promoted', () => {
    expect(outputOf('describe-state-machine-alias', 0)).toEqual([
      { stateMachineVersionArn: `${ORDERS}:1`, weight: 100 },
    ]);
    expect(outputOf('describe-state-machine-alias', 1)).toEqual([
      { stateMachineVersionArn: `${ORDERS}:3`, weight: 100 },
    ]);
  });
});

describe('reading the walkthrough out of the README', () => {
  it('joins continued lines and a loop into one command each, and skips comments', () => {
    const readme = [
      '## The local cloud',
      '```bash',
      'npm run local -- --port 4566   # starts it',
      '# a comment',
      'aws $E a \\',
      '  --b c',
      '',
      'for i in 1 2; do',
      '  aws $E d',
      'done',
      '```',
    ].join('\n');

    expect(walkthroughCommands(readme)).toEqual([
      'npm run local -- --port 4566   # starts it',
      'aws $E a \\\n  --b c',
      'for i in 1 2; do\n  aws $E d\ndone',
    ]);
  });
});
