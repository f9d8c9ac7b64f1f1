/**
 * A deployment report as one self-contained HTML page: inline CSS and SVG
 * drawn here, no script and nothing fetched, so it opens from a file, an
 * email or a CI artifact as it is, and the same deployment gives the same bytes.
 * Hover tooltips are SVG `<title>`s; each drawn point carries its time and
 * value as `data-` attributes for anyone (or any test) reading the page.
 */
import { formatDuration } from '../../lambda/shared/plan';
import { type Marker, offset, type ReportModel } from './report-model';

const WIDTH = 1100;
const LEFT = 64;
const RIGHT = 24;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
/** Rows of marker labels above the weight chart, so markers close in time do not overlap. */
const LABEL_ROWS = 3;
const LABEL_ROW_HEIGHT = 15;
const CHAR_WIDTH = 6.4;

const COLORS = {
  weight: '#5b3cc4',
  old: '#4a90d9',
  new: '#5b3cc4',
  failed: '#d64545',
  grid: '#e3e5e8',
  axis: '#6b7280',
  OK: '#3a9d5d',
  ALARM: '#d64545',
  INSUFFICIENT_DATA: '#a0a6ae',
  UNKNOWN: '#d0d4d9',
} as const;

const MARKER_COLORS: Record<Marker['kind'], string> = {
  started: '#6b7280',
  rollback: '#d64545',
  'alarms-fired': '#e07b00',
  signal: '#1f6feb',
  verdict: '#8250df',
  pruned: '#6b7280',
  outcome: '#111827',
};

export function renderReportHtml(model: ReportModel): string {
  const x = (atMs: number) =>
    LEFT +
    ((Math.min(Math.max(atMs, model.fromMs), model.toMs) - model.fromMs) / (model.toMs - model.fromMs)) *
      PLOT_WIDTH;
  const badge = model.succeeded === undefined ? 'running' : model.succeeded ? 'succeeded' : 'failed';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`Deployment ${model.title}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(model.title)} <span class="badge ${badge}">${esc(model.outcome)}</span></h1>
<p class="sub">Deployment by sfn-deployer · times are UTC, from the service's clock · ${esc(new Date(model.startMs).toISOString().slice(0, 10))}</p>
</header>
<section>
<h2>Weight to the new version</h2>
${weightChart(model, x)}
${alarmLanes(model, x)}
<h2>Executions per version, per ${esc(formatDuration(model.bucketMs / 1000))}</h2>
${executionsChart(model, x)}
</section>
<section>
<h2>Summary</h2>
<table class="summary">
${model.summary.map(([label, value]) => `<tr><th>${esc(label)}</th><td>${esc(value)}</td></tr>`).join('\n')}
</table>
</section>
<section>
<h2>Events</h2>
<table class="log">
<thead><tr><th>UTC</th><th>after</th><th>event</th></tr></thead>
<tbody>
${model.log
  .map(
    (entry) =>
      `<tr><td>${esc(iso(entry.atMs).slice(11, 19))}</td><td>${esc(offset(entry.atMs - model.startMs))}</td><td>${esc(entry.text)}</td></tr>`,
  )
  .join('\n')}
</tbody>
</table>
</section>
</body>
</html>
`;
}

type Scale = (atMs: number) => number;

function weightChart(model: ReportModel, x: Scale): string {
  const top = LABEL_ROWS * LABEL_ROW_HEIGHT + 10;
  const plotHeight = 190;
  const height = top + plotHeight + 28;
  const y = (weight: number) => top + plotHeight - (weight / 100) * plotHeight;
  const parts: string[] = [];
  // Any alarm in ALARM shades the chart behind the line, so the shift it undid is plain to see.
  for (const { alarm, bands } of model.alarms) {
    for (const band of bands.filter((b) => b.state === 'ALARM')) {
      parts.push(
        `<rect class="alarm-shade" x="${n(x(band.fromMs))}" y="${top}" width="${n(Math.max(1, x(band.toMs) - x(band.fromMs)))}" height="${plotHeight}" fill="${COLORS.ALARM}" fill-opacity="0.12"><title>${esc(`${alarm} in ALARM ${clock(band.fromMs)}–${clock(band.toMs)}`)}</title></rect>`,
      );
    }
  }
  for (const weight of [0, 25, 50, 75, 100]) {
    parts.push(
      `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${n(y(weight))}" y2="${n(y(weight))}" stroke="${COLORS.grid}"/>`,
      `<text x="${LEFT - 8}" y="${n(y(weight) + 4)}" text-anchor="end" class="tick">${weight}%</text>`,
    );
  }
  parts.push(timeAxis(model, x, top + plotHeight));
  parts.push(markerLines(model, x, top, plotHeight, true));
  const path = model.weightLine
    .map((point, index) =>
      index === 0
        ? `M${n(x(point.atMs))} ${n(y(point.weight))}`
        : `H${n(x(point.atMs))} V${n(y(point.weight))}`,
    )
    .join(' ');
  parts.push(
    `<path class="weight-line" d="${path}" fill="none" stroke="${COLORS.weight}" stroke-width="2.5"/>`,
  );
  for (const shift of model.shifts) {
    const label = `${shift.weight}%`;
    parts.push(
      `<g class="shift" data-at="${iso(shift.atMs)}" data-weight="${shift.weight}"><circle cx="${n(x(shift.atMs))}" cy="${n(y(shift.weight))}" r="5" fill="#fff" stroke="${COLORS.weight}" stroke-width="2.5"/>` +
        `<text x="${n(x(shift.atMs) + 7)}" y="${n(y(shift.weight) - 7)}" class="point-label">${label}</text>` +
        `<title>${esc(`step ${shift.step}/${shift.of}: ${label} at ${clock(shift.atMs)} (${offset(shift.atMs - model.startMs)})`)}</title></g>`,
    );
  }
  return svg(
    'weight',
    height,
    parts,
    `Weight routed to the new version over time, ${model.shifts.length} shifts`,
  );
}

/** Each marker: a dashed line through the plot; on the weight chart its label too, on the first free row. */
function markerLines(model: ReportModel, x: Scale, top: number, height: number, labelled: boolean): string {
  const rowEnds: number[] = Array.from({ length: LABEL_ROWS }, () => -Infinity);
  return model.markers
    .map((marker) => {
      const mx = x(marker.atMs);
      const color = MARKER_COLORS[marker.kind];
      let label = '';
      if (labelled) {
        const width = marker.label.length * CHAR_WIDTH;
        // Labels run rightwards from the line, or leftwards when they would leave the chart.
        const leftwards = mx + 4 + width > WIDTH;
        const start = leftwards ? mx - 4 - width : mx + 4;
        let row = rowEnds.findIndex((end) => end < start);
        if (row < 0) row = LABEL_ROWS - 1;
        rowEnds[row] = start + width + 6;
        const ly = 12 + row * LABEL_ROW_HEIGHT;
        label =
          `<line x1="${n(mx)}" x2="${n(mx)}" y1="${ly - 4}" y2="${top}" stroke="${color}" stroke-width="1" stroke-opacity="0.5"/>` +
          `<text x="${n(leftwards ? mx - 4 : mx + 4)}" y="${ly}" text-anchor="${leftwards ? 'end' : 'start'}" fill="${color}" class="marker-label">${esc(marker.label)}</text>`;
      }
      return (
        // Echoes of a marker in the charts below are classed apart: \`.marker\` is one per event.
        `<g class="${labelled ? 'marker' : 'marker-echo'} ${marker.kind}" data-at="${iso(marker.atMs)}"${labelled ? '' : ' aria-hidden="true"'}>${label}` +
        `<line x1="${n(mx)}" x2="${n(mx)}" y1="${top}" y2="${top + height}" stroke="${color}" stroke-width="${marker.kind === 'rollback' ? 2 : 1.5}" stroke-dasharray="5 3"/>` +
        `<title>${esc(`${clock(marker.atMs)} ${marker.detail}`)}</title></g>`
      );
    })
    .join('');
}

function alarmLanes(model: ReportModel, x: Scale): string {
  if (model.alarms.length === 0) return '<p class="note">This deployment watched no alarm.</p>';
  const lane = 34;
  const height = model.alarms.length * lane + 4;
  const parts: string[] = [];
  model.alarms.forEach(({ alarm, bands }, index) => {
    const top = index * lane;
    parts.push(`<text x="${LEFT}" y="${top + 11}" class="lane-label">alarm ${esc(alarm)}</text>`);
    for (const band of bands) {
      const color = COLORS[band.state as keyof typeof COLORS] ?? COLORS.UNKNOWN;
      const bx = x(band.fromMs);
      const bw = Math.max(1, x(band.toMs) - bx);
      parts.push(
        `<rect class="alarm-band" data-alarm="${esc(alarm)}" data-state="${esc(band.state)}" data-from="${iso(band.fromMs)}" data-to="${iso(band.toMs)}" x="${n(bx)}" y="${top + 15}" width="${n(bw)}" height="14" fill="${color}"><title>${esc(`${alarm}: ${band.state} ${clock(band.fromMs)}–${clock(band.toMs)}`)}</title></rect>`,
      );
      if (bw > band.state.length * 6 + 8) {
        parts.push(`<text x="${n(bx + 4)}" y="${top + 26}" class="band-label">${esc(band.state)}</text>`);
      }
    }
  });
  parts.push(markerLines(model, x, 12, height - 12, false));
  return svg('alarms', height, parts, `States of ${model.alarms.length} alarms over time`);
}

function executionsChart(model: ReportModel, x: Scale): string {
  const top = 24;
  const plotHeight = 150;
  const height = top + plotHeight + 28;
  const max = niceMax(
    Math.max(1, ...model.buckets.flatMap((bucket) => bucket.counts.map((c) => c.succeeded + c.failed))),
  );
  const y = (count: number) => top + plotHeight - (count / max) * plotHeight;
  const parts: string[] = [];
  // The legend: one swatch per version, and one for failed executions.
  let lx = LEFT;
  for (const [color, text] of [
    ...model.versions.map((v) => [
      v.role === 'old' ? COLORS.old : COLORS.new,
      `${v.label} (${v.role}) succeeded`,
    ]),
    [COLORS.failed, 'failed'],
  ] as [string, string][]) {
    parts.push(
      `<rect x="${n(lx)}" y="4" width="10" height="10" fill="${color}"/><text x="${n(lx + 14)}" y="13" class="tick">${esc(text)}</text>`,
    );
    lx += 14 + text.length * CHAR_WIDTH + 16;
  }
  for (const count of [0, max / 2, max]) {
    parts.push(
      `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${n(y(count))}" y2="${n(y(count))}" stroke="${COLORS.grid}"/>`,
      `<text x="${LEFT - 8}" y="${n(y(count) + 4)}" text-anchor="end" class="tick">${count}</text>`,
    );
  }
  parts.push(markerLines(model, x, top, plotHeight, false));
  const versions = Math.max(1, model.versions.length);
  for (const bucket of model.buckets) {
    const bx = x(bucket.startMs);
    const bw = Math.max(1, x(bucket.startMs + model.bucketMs) - bx);
    const barWidth = Math.max(1, (bw * 0.8) / versions);
    bucket.counts.forEach((count, index) => {
      const version = model.versions[index]!;
      const left = bx + bw * 0.1 + index * barWidth;
      const succeededTop = y(count.succeeded);
      const failedTop = y(count.succeeded + count.failed);
      const tip = `${version.label} ${clock(bucket.startMs)}–${clock(bucket.startMs + model.bucketMs)}: ${count.succeeded} succeeded, ${count.failed} failed`;
      parts.push(
        `<g class="executions" data-version="${esc(version.label)}" data-from="${iso(bucket.startMs)}" data-succeeded="${count.succeeded}" data-failed="${count.failed}"><title>${esc(tip)}</title>` +
          (count.succeeded > 0
            ? `<rect x="${n(left)}" y="${n(succeededTop)}" width="${n(barWidth)}" height="${n(top + plotHeight - succeededTop)}" fill="${version.role === 'old' ? COLORS.old : COLORS.new}"/>`
            : '') +
          (count.failed > 0
            ? `<rect class="failed" x="${n(left)}" y="${n(failedTop)}" width="${n(barWidth)}" height="${n(succeededTop - failedTop)}" fill="${COLORS.failed}"/>`
            : '') +
          '</g>',
      );
    });
  }
  parts.push(timeAxis(model, x, top + plotHeight));
  const note = model.executionsTruncated
    ? '<p class="note">Only the newest executions of a version were read (see the summary).</p>'
    : '';
  return svg('executions', height, parts, 'Executions of each version that ended, per time bucket') + note;
}

/** Ticks every "round" interval that gives at most 10 of them, labelled in UTC. */
function timeAxis(model: ReportModel, x: Scale, y: number): string {
  const span = model.toMs - model.fromMs;
  const step =
    [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]
      .map((seconds) => seconds * 1000)
      .find((ms) => span / ms <= 10) ?? 86_400_000 * Math.ceil(span / (86_400_000 * 10));
  const parts = [
    `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${y}" y2="${y}" stroke="${COLORS.axis}"/>`,
  ];
  for (let at = Math.ceil(model.fromMs / step) * step; at <= model.toMs; at += step) {
    const label =
      step < 60_000 ? clock(at) : step >= 86_400_000 ? iso(at).slice(5, 10) : clock(at).slice(0, 5);
    parts.push(
      `<line x1="${n(x(at))}" x2="${n(x(at))}" y1="${y}" y2="${y + 5}" stroke="${COLORS.axis}"/>`,
      `<text x="${n(x(at))}" y="${y + 18}" text-anchor="middle" class="tick">${label}</text>`,
    );
  }
  return parts.join('');
}

function svg(id: string, height: number, parts: string[], label: string): string {
  return `<svg id="${id}" role="img" aria-label="${esc(label)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** 1, 2 or 5 times a power of ten, at least `value`: the top of a count axis. */
function niceMax(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= value)!;
}

function iso(atMs: number): string {
  return new Date(atMs).toISOString();
}

function clock(atMs: number): string {
  return iso(atMs).slice(11, 19);
}

function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2328; margin: 24px auto; max-width: ${WIDTH + 40}px; padding: 0 20px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 22px 0 6px; }
.sub, .note { color: #6b7280; margin: 0; }
.badge { font-size: 13px; padding: 2px 8px; border-radius: 10px; vertical-align: middle; color: #fff; }
.badge.succeeded { background: #3a9d5d; } .badge.failed { background: #d64545; } .badge.running { background: #1f6feb; }
svg { display: block; overflow: visible; }
.tick { font-size: 11px; fill: #6b7280; }
.point-label { font-size: 12px; font-weight: 600; fill: ${COLORS.weight}; }
.marker-label { font-size: 11px; font-weight: 600; }
.lane-label { font-size: 11px; fill: #374151; }
.band-label { font-size: 10px; fill: #fff; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 10px 4px 0; border-bottom: 1px solid #eef0f2; }
.summary th { width: 230px; color: #374151; font-weight: 600; }
.summary td, .log td:last-child { white-space: pre-wrap; word-break: break-word; }
.log td:first-child, .log td:nth-child(2) { white-space: nowrap; font-variant-numeric: tabular-nums; color: #6b7280; }
.log td:last-child { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
`;
