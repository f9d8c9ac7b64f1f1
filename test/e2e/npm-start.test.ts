import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
/** Where the runs write their reports: the same folder each run, so the paths printed are the same too. */
let reportDir: string;

beforeAll(() => {
  reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-reports-'));
});

afterAll(() => {
  fs.rmSync(reportDir, { recursive: true, force: true });
});

/** Runs a command to its end; resolves with its exit code and output. */
function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const demo = (...args: string[]) =>
  run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [
    'local/demo/main.ts',
    '--report-dir',
    reportDir,
    ...args,
  ]);
/** A run of the demo takes ~25 s on a busy machine (it is seconds of real time otherwise). */
const DEMO_TIMEOUT_MS = 120_000;
const reports = () => ['buggy-release.html', 'fixed-release.html'].map((file) => path.join(reportDir, file));

describe('npm start', () => {
  it(
    'runs the demo to its summary and exits with code 0',
    async () => {
      // Act
      const { code, stdout, stderr } = await demo();

      // Assert
      expect({ code, stderr: code === 0 ? '' : stderr }).toMatchObject({ code: 0 });
      // stderr says only how long it took in real time: no bundler or SDK noise.
      expect(stderr).toMatch(/^\d+\.\d s of real time\.\n$/);
      expect(stdout).toContain('buggy release: DeploymentRolledBack');
      expect(stdout).toContain('fixed release: PROMOTED');
      expect(stdout).toContain('Alias live: [orders:5 = 100%]; alias beta: [orders:1 = 100%]');
      expect(stdout).toMatch(/Pruned: orders:2; versions left: orders:5, orders:4, orders:3, orders:1\n/);
      expect(stdout).toContain(
        `\nA report of each deployment, to open in a browser:\n${reports()
          .map((file) => `  ${file}\n`)
          .join('')}`,
      );
      expect(stdout).toMatch(/\nDone\.\n$/);
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'tells the same story byte for byte every time with the same seed',
    async () => {
      const first = await demo('--seed', '7');
      const firstReports = reports().map((file) => fs.readFileSync(file, 'utf8'));
      const second = await demo('--seed', '7');

      expect(first.code).toBe(0);
      expect(second.stdout).toBe(first.stdout);
      expect(reports().map((file) => fs.readFileSync(file, 'utf8'))).toEqual(firstReports);
      expect(first.stdout).toContain('Started deployer execution buggy-release');
    },
    2 * DEMO_TIMEOUT_MS,
  );
});
