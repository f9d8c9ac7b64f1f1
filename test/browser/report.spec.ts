/**
 * The demo's rolled-back deployment, reported and opened in headless Chromium:
 * the page renders, a screenshot is taken, and what the chart shows is read
 * back from the DOM — one point per shift, and the rollback marked at the
 * instant the deployer's history says it rolled back.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { type BrowserContext, chromium } from 'playwright-core';
import { createReporter } from '../../local/demo/reporter';
import { writeDemoReports } from '../../local/demo/reports';
import { DEFAULT_DEMO_OPTIONS, type DemoSummary, runDemo } from '../../local/demo/scenario';
import { E2e } from '../e2e/harness';

/** Where the screenshot is left for a person to look at. */
const ARTIFACTS = process.env.BROWSER_ARTIFACTS ?? path.join(os.tmpdir(), 'sfn-deployer-browser-test');
const CHROMIUM = '/usr/bin/chromium';

let e2e: E2e;
let summary: DemoSummary;
let reportFile: string;
let userDataDir: string;
let browser: BrowserContext;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
  e2e = await E2e.start({ seed: DEFAULT_DEMO_OPTIONS.seed });
  summary = await runDemo(
    e2e.deployer,
    DEFAULT_DEMO_OPTIONS,
    createReporter(new PassThrough().resume(), undefined, () => e2e.clock.now()),
  );
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  reportFile = (await writeDemoReports(e2e.deployer, [summary.rolledBack], ARTIFACTS))[0]!;
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
});

afterAll(async () => {
  await browser?.close();
  await e2e?.stop();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
});

/** The times of the deployer's own `Shift weight` and `Roll back` exits, from its history. */
async function taskExits(name: string): Promise<string[]> {
  const history = await e2e.sfn.send(
    new GetExecutionHistoryCommand({ executionArn: summary.rolledBack.executionArn, maxResults: 1000 }),
  );
  return (history.events ?? [])
    .filter((event) => event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === name)
    .map((event) => event.timestamp!.toISOString());
}

describe('the report of a rolled-back deployment, in Chromium', () => {
  it('renders with no request leaving the page, and a screenshot is taken', async () => {
    // Arrange
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));

    // Act
    await page.goto(`file://${reportFile}`);
    const screenshot = path.join(ARTIFACTS, 'buggy-release.png');
    await page.screenshot({ path: screenshot, fullPage: true });

    // Assert
    expect(requests).toEqual([`file://${reportFile}`]);
    expect(await page.title()).toBe('Deployment orders:live: orders:3 → orders:4, DeploymentRolledBack');
    const png = fs.readFileSync(screenshot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
    await page.close();
  });

  it('has one point per shift, at the weight and time of each', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${reportFile}`);

    const points = await page.$$eval('svg#weight g.shift', (groups) =>
      groups.map((group) => ({
        at: group.getAttribute('data-at'),
        weight: Number(group.getAttribute('data-weight')),
      })),
    );

    const shifts = await taskExits('Shift weight');
    expect(points.map((point) => point.at)).toEqual(shifts);
    expect(points.map((point) => point.weight)).toEqual(
      summary.rolledBack.timeline.filter((entry) => entry.weight > 0).map((entry) => entry.weight),
    );
    // Each point is drawn: a visible circle inside the chart.
    const visible = await page.$$eval('svg#weight g.shift circle', (circles) =>
      circles.map((circle) => circle.getBoundingClientRect().width > 0),
    );
    expect(visible).toEqual(shifts.map(() => true));
    await page.close();
  });

  it('marks the rollback where the weight drops back to 0, at the time the deployer rolled back', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${reportFile}`);

    const drawn = await page.$eval('svg#weight', (svg) => {
      const marker = svg.querySelector('g.marker.rollback')!;
      const markerLine = marker.querySelector('line[stroke-dasharray]')!.getBoundingClientRect();
      const lastShift = [...svg.querySelectorAll('g.shift circle')].at(-1)!.getBoundingClientRect();
      // Where the weight line comes back to the 0% baseline after the last shift: `H<x> V<baseline>`.
      const d = svg.querySelector('path.weight-line')!.getAttribute('d')!;
      const baseline = d.match(/^M[\d.]+ ([\d.]+)/)![1];
      const drops = [...d.matchAll(/H([\d.]+) V([\d.]+)/g)]
        .filter((m) => m[2] === baseline)
        .map((m) => Number(m[1]));
      const toScreen = (svgX: number) =>
        svg.getBoundingClientRect().left +
        svgX * (svg.getBoundingClientRect().width / svg.viewBox.baseVal.width);
      return {
        at: marker.getAttribute('data-at'),
        label: marker.querySelector('text')?.textContent,
        markerX: markerLine.left + markerLine.width / 2,
        lastShiftX: lastShift.left + lastShift.width / 2,
        dropX: drops.map(toScreen),
      };
    });

    const [rolledBackAt] = await taskExits('Roll back');
    expect(drawn.at).toBe(rolledBackAt);
    expect(drawn.label).toBe('rolled back');
    expect(drawn.markerX).toBeGreaterThan(drawn.lastShiftX);
    // The drop after the last shift is the rollback's; the marker is on it.
    const drop = drawn.dropX.find((x) => x > drawn.lastShiftX)!;
    expect(Math.abs(drawn.markerX - drop)).toBeLessThan(1.5);
    await page.close();
  });
});
