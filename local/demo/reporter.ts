/** What the demo prints: headings, lines stamped with virtual time, and a progress bar per deployment. */
import type { Writable } from 'node:stream';
import type { LiveRegion } from '../../cli/live-region';

export interface Reporter {
  setOrigin(virtualMs: number): void;
  heading(text: string): void;
  /** A line stamped with `atMs`, or with the current virtual time. */
  line(text: string, atMs?: number): void;
  /** The alias weight of the new version since `atMs`; redrawn in place on a terminal, a line per change otherwise. */
  progress(title: string, weight: number, version: string, atMs: number): void;
  endProgress(): void;
  /** `+12:30` from the demo's start. */
  offset(virtualMs: number): string;
}

const BAR_WIDTH = 30;

export function progressBar(weight: number, width = BAR_WIDTH): string {
  const filled = Math.round((weight / 100) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/**
 * On a terminal (`region` given), the progress line is redrawn in place by the
 * live region (log-update: a line that wraps is erased whole, a shorter one
 * leaves nothing of the longer one behind); the last one drawn stays on screen
 * when a line is printed.
 */
export function createReporter(out: Writable, region: LiveRegion | undefined, now: () => number): Reporter {
  let origin = now();
  let lastProgress: string | undefined;
  let drawing = false;
  const offset = (virtualMs: number) => {
    const seconds = Math.max(0, Math.round((virtualMs - origin) / 1000));
    return `+${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  };
  const write = (text: string) => {
    if (drawing) {
      region?.done();
      drawing = false;
    }
    out.write(`${text}\n`);
  };
  return {
    setOrigin: (virtualMs) => {
      origin = virtualMs;
    },
    heading: (text) => write(`\n${text}`),
    line: (text, atMs) => write(`  ${offset(atMs ?? now())}  ${text}`),
    progress: (title, weight, version, atMs) => {
      const text = `  ${offset(atMs)}  ${title} ${progressBar(weight)} ${String(weight).padStart(3)}% to ${version}`;
      const key = `${weight}`;
      if (region) {
        region.draw(text);
        drawing = true;
      } else if (key !== lastProgress) {
        write(text);
      }
      lastProgress = key;
    },
    endProgress: () => {
      lastProgress = undefined;
    },
    offset,
  };
}
