import { spawn } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

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

describe('npm start', () => {
  it('runs the demo to its summary and exits with code 0', async () => {
    // Act
    const { code, stdout, stderr } = await run(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [
      'local/demo/main.ts',
    ]);

    // Assert
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('buggy release: DeploymentRolledBack');
    expect(stdout).toContain('fixed release: PROMOTED');
    expect(stdout).toContain('Alias live: [orders:5 = 100%]; alias beta: [orders:1 = 100%]');
    expect(stdout).toMatch(/Pruned: orders:2; versions left: orders:5, orders:4, orders:3, orders:1\n/);
    expect(stdout).toMatch(/\nDone in \d+\.\d s of real time\.\n$/);
  });
});
