/**
 * Terminal output of a followed deployment, in three modes: a live view
 * (events above a status block redrawn in place) on a terminal, one plain line per event otherwise (CI
 * logs), or one JSON object per event line (`--json`, for scripts).
 */
import { formatDuration } from '../lambda/shared/plan';
import { versionLabel } from '../lambda/shared/routing';
import type { DeployEvent, Progress } from './events';
import type { FinalEvent, Observer } from './follow';
import type { Output } from './io';
import type { LiveRegion } from './live-region';

export type RenderMode = 'live' | 'lines' | 'json';

export function renderMode(options: { json?: boolean }, isTTY: boolean): RenderMode {
  if (options.json) return 'json';
  return isTTY ? 'live' : 'lines';
}

export interface RendererIo {
  stdout: Output;
  stderr: Output;
  now: () => Date;
}

/**
 * An observer that writes in the given mode; `finish` prints the outcome. In
 * the live mode, events are printed above a status block that `region`
 * redraws in place (see live-region.ts).
 */
export function createRenderer(
  mode: RenderMode,
  io: RendererIo,
  region?: LiveRegion,
): Observer & { finish(final: FinalEvent): void } {
  const live = mode === 'live' && region !== undefined;
  const drawStatus = (progress: Progress) => region?.draw(statusBlock(progress, io.now()).join('\n'));
  return {
    event(event, progress) {
      if (event.type === 'succeeded' || event.type === 'failed') return; // told by finish()
      if (mode === 'json') return void io.stdout.write(`${JSON.stringify(event)}\n`);
      if (!live) return void io.stdout.write(`${formatEvent(event)}\n`);
      region.print(formatEvent(event));
      drawStatus(progress);
    },
    tick(progress) {
      if (live) drawStatus(progress);
    },
    finish(final) {
      if (live) {
        region.clear();
        region.done();
      }
      if (mode === 'json') io.stdout.write(`${JSON.stringify(final)}\n`);
      else if (final.type === 'succeeded')
        io.stdout.write(
          outcomeLines(final)
            .map((line) => `${line}\n`)
            .join(''),
        );
      if (final.type === 'failed') io.stderr.write(`Deployment failed: ${final.error}: ${final.cause}\n`);
    },
  };
}

/** `10:05:00  shift        30%  step 2/7, next shift at 10:15:00` */
export function formatEvent(event: DeployEvent): string {
  const line = (label: string, text = '') => `${clock(event.at)}  ${label.padEnd(11)}  ${text}`.trimEnd();
  switch (event.type) {
    case 'started':
      return line(
        'started',
        `${event.stateMachine ?? '?'} → ${event.alias ?? '?'}${event.strategy ? ` (${event.strategy})` : ''}`,
      );
    case 'planned':
      return line(
        'planned',
        `${versionLabel(event.fromVersionArn)} → ${versionLabel(event.toVersionArn)}: ${event.steps.map((step) => `${step.weight}%`).join(', ')}`,
      );
    case 'shifted':
      return line(
        'shift',
        `${`${event.weight}%`.padEnd(4)}  step ${event.step}/${event.of}${event.stepEndsAt && event.stepEndsAt > event.at ? `, held until ${clock(event.stepEndsAt)}` : ''}`,
      );
    case 'alarm':
      return line('alarm', `${event.alarm} ${event.previous ? `${event.previous} → ` : 'is '}${event.state}`);
    // The alarms' reasons and the rollback's cause are told once, in the outcome on stderr.
    case 'alarms-fired':
      return line('alarm fired', event.alarmNames.join(', '));
    case 'signal':
      return line(event.action, `by ${event.sender}${event.reason ? `: ${event.reason}` : ''}`);
    case 'verdict':
      return line('analysis', event.summary);
    case 'rolling-back':
      return line('rolling back');
    case 'rolled-back':
      return line('rolled back', event.toVersionArn ? `to ${versionLabel(event.toVersionArn)} (100%)` : '');
    case 'pruned':
      return line(
        'pruned',
        event.versionArns.length === 0 ? 'none' : event.versionArns.map(versionLabel).join(', '),
      );
    case 'succeeded':
      return line(event.result.outcome ?? 'SUCCEEDED');
    case 'failed':
      return line(event.error, event.cause);
  }
}

/** The outcome of a successful deployment and its timeline, offsets counted from the first shift. */
export function outcomeLines(final: Extract<FinalEvent, { type: 'succeeded' }>): string[] {
  const { result } = final;
  const to = result.toVersionArn ? versionLabel(result.toVersionArn) : '?';
  const alias = result.aliasArn?.split(':').at(-1) ?? '?';
  const headline: Record<string, string> = {
    PROMOTED: `PROMOTED: ${alias} routes 100% to ${to}${result.fromVersionArn ? ` (was ${versionLabel(result.fromVersionArn)})` : ''}`,
    NO_CHANGE: `NO_CHANGE: ${alias} already routed 100% to ${to}; nothing was changed`,
    CREATED_ALIAS: `CREATED_ALIAS: ${alias} created, routing 100% to ${to}`,
  };
  const lines = [headline[result.outcome ?? ''] ?? `${result.outcome ?? 'SUCCEEDED'}`];
  const timeline = result.timeline ?? [];
  if (timeline.length > 0) {
    const start = Date.parse(timeline[0]!.at);
    lines.push('timeline:');
    for (const shift of timeline) {
      const offset = `+${formatDuration((Date.parse(shift.at) - start) / 1000)}`;
      lines.push(`  ${offset.padEnd(10)} ${`${shift.weight}%`.padStart(4)}  ${shift.at}`);
    }
  }
  if (result.prunedVersionArns && result.prunedVersionArns.length > 0) {
    lines.push(`pruned: ${result.prunedVersionArns.map(versionLabel).join(', ')}`);
  }
  return lines;
}

/** The live view: where the deployment is, the alias weight, and the alarms. */
export function statusBlock(progress: Progress, now: Date): string[] {
  const target = `${progress.stateMachine ?? '?'} → ${progress.alias ?? '?'}${progress.strategy ? ` · ${progress.strategy}` : ''}`;
  const total = progress.steps.length;
  const step =
    progress.stepIndex === undefined ? 'before the first shift' : `step ${progress.stepIndex + 1}/${total}`;
  const lines = [
    `${target} · ${step} · ${progress.status}`,
    `${progressBar(progress.weight)} ${`${progress.weight}%`.padStart(4)}  ${countdown(progress, now)}`,
  ];
  if (progress.alarmNames.length > 0) {
    lines.push(
      `alarms: ${progress.alarmNames.map((name) => `${name} ${progress.alarmStates[name] ?? '…'}`).join(' · ')}`,
    );
  }
  return lines;
}

export function progressBar(weight: number, width = 30): string {
  const filled = Math.round((Math.min(100, Math.max(0, weight)) / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

function countdown(progress: Progress, now: Date): string {
  if (progress.stepIndex === undefined || !progress.stepEndsAt) return '';
  const seconds = Math.max(0, (Date.parse(progress.stepEndsAt) - now.getTime()) / 1000);
  const next = progress.steps[progress.stepIndex + 1];
  return next
    ? `next shift (${next.weight}%) in ${formatDuration(seconds)}`
    : `promotes in ${formatDuration(seconds)}`;
}

/** `HH:MM:SS` in UTC, like the timestamps Step Functions shows. */
function clock(iso: string): string {
  return iso.slice(11, 19);
}
