import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { LiveRegion } from '../../cli/live-region';
import { createReporter } from '../../local/demo/reporter';
import { writeDemoReports } from '../../local/demo/reports';
import { DEFAULT_DEMO_OPTIONS, type DemoSummary, runDemo } from '../../local/demo/scenario';
import { versionLabel } from '../../lambda/shared/routing';
import { E2e } from './harness';

describe('the npm start demo, run in-process', () => {
  let e2e: E2e;
  let summary: DemoSummary;
  let printed = '';

  beforeAll(async () => {
    // Arrange
    e2e = await E2e.start({ seed: DEFAULT_DEMO_OPTIONS.seed });
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
    });
    const reporter = createReporter(out, undefined, () => e2e.clock.now());
    origin = e2e.clock.now();

    // Act
    summary = await runDemo(e2e.deployer, DEFAULT_DEMO_OPTIONS, reporter);
  });

  afterAll(async () => {
    await e2e.stop();
  });

  let origin = 0;
  /** `+mm:ss` from the demo's start, as the reporter prints it. */
  const offsetOf = (at: string) => {
    const seconds = Math.round((Date.parse(at) - origin) / 1000);
    return `+${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  };

  it('rolls back the buggy release on its alarm', () => {
    expect(summary.rolledBack.status).toBe('FAILED');
    expect(summary.rolledBack.error).toBe('DeploymentRolledBack');
    expect(summary.rolledBack.cause).toContain('alarms fired: orders-live-failures');
    expect(summary.rolledBack.timeline.at(-1)?.weight).toBe(0);
  });

  it('counts failed executions of the buggy version before the rollback', () => {
    expect(versionLabel(summary.buggyVersion.versionArn)).toBe('orders:4');
    expect(summary.buggyVersion.failed).toBeGreaterThan(0);
    expect(summary.buggyVersion.served).toBeGreaterThanOrEqual(summary.buggyVersion.failed);
  });

  it('promotes the fixed release with its canary', () => {
    expect(summary.promoted.status).toBe('SUCCEEDED');
    expect(summary.promoted.result?.outcome).toBe('PROMOTED');
    expect(summary.promoted.timeline.map((point) => point.weight)).toEqual([10, 100]);
    const [canary, full] = summary.promoted.timeline.map((point) => Date.parse(point.at));
    expect(full! - canary!).toBe(DEFAULT_DEMO_OPTIONS.canaryIntervalSeconds * 1000);
  });

  it('ends with live on orders:5 alone, orders:1 kept for beta and orders:2 pruned', () => {
    expect(
      summary.finalRouting.map((entry) => [versionLabel(entry.stateMachineVersionArn), entry.weight]),
    ).toEqual([['orders:5', 100]]);
    expect(
      summary.betaRouting.map((entry) => [versionLabel(entry.stateMachineVersionArn), entry.weight]),
    ).toEqual([['orders:1', 100]]);
    expect(summary.promoted.result?.prunedVersionArns.map(versionLabel)).toEqual(['orders:2']);
    expect(summary.versionsLeft.map(versionLabel)).toContain('orders:1');
    expect(summary.versionsLeft.map(versionLabel)).not.toContain('orders:2');
  });

  it('prints the summary with virtual times, one progress line per weight', () => {
    expect(printed).toContain('buggy release: DeploymentRolledBack');
    expect(printed).toContain('fixed release: PROMOTED');
    expect(printed).toContain('Alias live: [orders:5 = 100%]; alias beta: [orders:1 = 100%]');
    expect(printed).toContain('Pruned: orders:2;');
    expect(printed).not.toContain('\r');
  });

  it('stamps each live progress line with the instant the summary gives for that shift', () => {
    for (const deployment of [summary.rolledBack, summary.promoted]) {
      for (const point of deployment.timeline) {
        // The last line at that weight: a rollback's 0% comes after the 0% printed before the first shift.
        const at = new RegExp(
          `\\n  (\\+\\d\\d:\\d\\d)  ${deployment.title} \\[[█░]+\\]\\s+${point.weight}% to `,
          'g',
        );
        const stamped = [...printed.matchAll(at)].at(-1)?.[1];
        expect({ weight: point.weight, stamped }).toEqual({
          weight: point.weight,
          stamped: offsetOf(point.at),
        });
      }
    }
  });

  it('writes a report of each deployment with a point per shift and the rollback where the timeline has it', async () => {
    // Arrange
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-reports-'));

    try {
      // Act
      const files = await writeDemoReports(e2e.deployer, [summary.rolledBack, summary.promoted], dir);

      // Assert
      expect(files).toEqual([path.join(dir, 'buggy-release.html'), path.join(dir, 'fixed-release.html')]);
      const [buggy, fixed] = files.map((file) => fs.readFileSync(file, 'utf8'));
      const shiftsOf = (html: string) =>
        [...html.matchAll(/<g class="shift" data-at="([^"]+)" data-weight="(\d+)"/g)].map((m) => ({
          at: m[1],
          weight: Number(m[2]),
        }));
      // The timeline's last entry of the buggy release is the rollback to 0%; the others are shifts.
      const rollback = summary.rolledBack.timeline.at(-1)!;
      expect(shiftsOf(buggy!)).toEqual(summary.rolledBack.timeline.slice(0, -1));
      expect(buggy).toContain(`<g class="marker rollback" data-at="${rollback.at}">`);
      expect(shiftsOf(fixed!)).toEqual(summary.promoted.timeline);
      expect(fixed).not.toContain('class="marker rollback"');
      expect(buggy).toContain(
        `<tr><th>orders:4 (new) during it</th><td>${summary.buggyVersion.served - summary.buggyVersion.failed} succeeded, ${summary.buggyVersion.failed} failed</td></tr>`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the demo on a terminal', () => {
  it('redraws the progress line in the live region, and keeps the last one on screen when a line is printed', () => {
    // Arrange
    let printed = '';
    const out = new PassThrough();
    out.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const calls: string[] = [];
    const region: LiveRegion = {
      draw: (text) => calls.push(`draw ${text}`),
      print: (text) => calls.push(`print ${text}`),
      clear: () => calls.push('clear'),
      done: () => calls.push('done'),
    };
    const reporter = createReporter(out, region, () => 0);

    // Act
    reporter.progress('fixed release', 10, 'orders:5', 0);
    reporter.progress('fixed release', 0, 'new version', 60_000);
    reporter.line('Deployment SUCCEEDED', 120_000);

    // Assert: no escape codes of its own; the region draws and erases.
    expect(calls).toEqual([
      'draw   +00:00  fixed release [███░░░░░░░░░░░░░░░░░░░░░░░░░░░]  10% to orders:5',
      'draw   +01:00  fixed release [░░░░░░░░░░░░░░░░░░░░░░░░░░░░░░]   0% to new version',
      'done',
    ]);
    expect(printed).toBe('  +02:00  Deployment SUCCEEDED\n');
  });
});
