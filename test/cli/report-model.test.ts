import { initialProgress } from '../../cli/events';
import { type DeploymentData, reportWindow } from '../../cli/report/read-deployment';
import { renderReportHtml } from '../../cli/report/render-html';
import { bucketSize, buildReportModel } from '../../cli/report/report-model';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';

/** A linear deployment of orders:2 over orders:1, 50% then rolled back at 90 s. */
function rolledBack(overrides: Partial<DeploymentData> = {}): DeploymentData {
  return {
    executionArn: 'arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:d1',
    status: 'FAILED',
    startedAt: at(0),
    endedAt: at(90),
    readAt: at(600),
    window: reportWindow(T0, T0 + 90_000, T0 + 600_000),
    progress: { ...initialProgress('d1'), stateMachine: 'orders', alias: 'live', strategy: 'linear' },
    fromVersionArn: `${SM}:1`,
    toVersionArn: `${SM}:2`,
    events: [
      { type: 'started', at: at(0), stateMachine: 'orders', alias: 'live', strategy: 'linear' },
      { type: 'shifted', at: at(1), weight: 50, step: 1, of: 2 },
      { type: 'rolled-back', at: at(90), cause: 'alarms fired: <b>x</b> & "y"', toVersionArn: `${SM}:1` },
      { type: 'failed', at: at(90), status: 'FAILED', error: 'DeploymentRolledBack', cause: 'alarms fired' },
    ],
    alarms: [],
    executions: [
      {
        versionArn: `${SM}:2`,
        truncated: false,
        ended: [
          { at: at(-30), status: 'SUCCEEDED' },
          { at: at(20), status: 'FAILED' },
          { at: at(30), status: 'TIMED_OUT' },
          { at: at(40), status: 'SUCCEEDED' },
        ],
      },
    ],
    ...overrides,
  };
}

describe('report model', () => {
  it('counts executions per version per minute, and only those during the deployment in the summary', () => {
    const model = buildReportModel(rolledBack());

    expect(model.bucketMs).toBe(60_000);
    expect(model.versions.map((version) => [version.label, version.role])).toEqual([
      ['orders:1', 'old'],
      ['orders:2', 'new'],
    ]);
    expect(model.buckets.map((bucket) => [new Date(bucket.startMs).toISOString(), bucket.counts[1]])).toEqual(
      [
        [at(-60), { succeeded: 1, failed: 0 }],
        [at(0), { succeeded: 1, failed: 2 }],
        [at(60), { succeeded: 0, failed: 0 }],
        [at(120), { succeeded: 0, failed: 0 }],
      ],
    );
    expect(model.summary).toContainEqual(['orders:2 (new) during it', '1 succeeded, 2 failed']);
  });

  it('draws the weight as steps from 0, up at each shift and back to 0 at the rollback', () => {
    const model = buildReportModel(rolledBack());

    expect(model.weightLine.map((point) => [point.atMs - T0, point.weight])).toEqual([
      [-60_000, 0],
      [1_000, 50],
      [90_000, 0],
      [150_000, 0],
    ]);
    expect(model.markers.map((marker) => [marker.kind, marker.atMs - T0])).toEqual([
      ['started', 0],
      ['rollback', 90_000],
      ['outcome', 90_000],
    ]);
  });

  it('marks each signal and verdict, and lists them in the summary', () => {
    const data = rolledBack();
    data.events.splice(
      2,
      0,
      { type: 'signal', at: at(30), action: 'pause', sender: 'ana', reason: 'launch at 10:00' },
      {
        type: 'verdict',
        at: at(60),
        summary: 'orders:2 fails 2 of 3 against 0 of 26 (p = 0.004)',
        worse: true,
      },
    );

    const model = buildReportModel(data);

    expect(model.markers.map((marker) => [marker.kind, marker.atMs - T0, marker.label])).toEqual([
      ['started', 0, 'started'],
      ['signal', 30_000, 'pause'],
      ['verdict', 60_000, 'verdict: worse'],
      ['rollback', 90_000, 'rolled back'],
      ['outcome', 90_000, 'DeploymentRolledBack'],
    ]);
    expect(model.summary).toContainEqual(['Signal', 'pause by ana at +30s: launch at 10:00']);
    expect(model.summary).toContainEqual([
      'Verdict',
      'at +1m: orders:2 fails 2 of 3 against 0 of 26 (p = 0.004)',
    ]);
  });

  it('widens the buckets past 120 bars: a minute for 2 hours, 2 minutes for 3, a week for a year', () => {
    expect(bucketSize(2 * 3600_000)).toBe(60_000);
    expect(bucketSize(3 * 3600_000)).toBe(120_000);
    expect(bucketSize(30 * 86400_000)).toBe(6 * 3600_000);
    expect(bucketSize(365 * 86400_000)).toBe(7 * 86400_000);
  });

  it('adds a tenth of the deployment either side, at least a minute, and nothing past the time it was read', () => {
    expect(reportWindow(T0, T0 + 60_000, T0 + 3600_000)).toEqual({ fromMs: T0 - 60_000, toMs: T0 + 120_000 });
    expect(reportWindow(T0, T0 + 36_000_000, T0 + 86400_000)).toEqual({
      fromMs: T0 - 3600_000,
      toMs: T0 + 39_600_000,
    });
    expect(reportWindow(T0, T0 + 60_000, T0 + 70_000)).toEqual({ fromMs: T0 - 60_000, toMs: T0 + 70_000 });
    // Still running: the chart ends now.
    expect(reportWindow(T0, undefined, T0 + 300_000)).toEqual({ fromMs: T0 - 60_000, toMs: T0 + 300_000 });
  });
});

describe('report page', () => {
  it('is self-contained: no script, no link, nothing to fetch', () => {
    const html = renderReportHtml(buildReportModel(rolledBack()));

    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html.match(/(?:src|href)=/g)).toBeNull();
    // The SVG namespace is a name, not a fetch.
    expect(html.match(/https?:\/\/[^"]+/g)).toEqual(expect.arrayContaining(['http://www.w3.org/2000/svg']));
    expect(new Set(html.match(/https?:\/\/[^"]+/g))).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('escapes what the deployment wrote: causes and names are text, not markup', () => {
    const html = renderReportHtml(buildReportModel(rolledBack()));

    expect(html).toContain('alarms fired: &lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;');
    expect(html).not.toContain('<b>x</b>');
  });

  it('gives the same bytes for the same deployment', () => {
    expect(renderReportHtml(buildReportModel(rolledBack()))).toBe(
      renderReportHtml(buildReportModel(rolledBack())),
    );
  });
});
