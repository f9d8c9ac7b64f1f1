/**
 * The live region of a terminal: a few rows redrawn in place below the lines
 * already printed (`sfn-deploy watch`'s status block, the demo's progress bar).
 *
 * log-update draws it: it wraps each frame to the terminal's width (wrap-ansi,
 * string-width), so it erases the rows a frame took on screen, not its lines,
 * and a long alarm name that wraps is erased whole. When the terminal gets
 * narrower, a terminal that reflows (tmux, VTE, iTerm2, Windows Terminal)
 * splits each row of the old frame in several: those are counted here and
 * erased before the frame is drawn again at the new width.
 *
 * log-update and its helpers are ES modules: loaded with `import()`, only when
 * a terminal is there to draw on.
 */

export interface LiveRegion {
  /** Shows `text` in the region, in place of what it showed. */
  draw(text: string): void;
  /** Writes `text` above the region, for good (it scrolls back with the terminal); the region is drawn again below it by the next `draw`. */
  print(text: string): void;
  /** Erases the region; the next `print` or `draw` starts where it was. */
  clear(): void;
  /** Leaves the region's last frame on screen as ordinary lines; the next `draw` starts below it. */
  done(): void;
}

/** The terminal a region draws on: `process.stdout` when it is a TTY. */
export interface Terminal {
  write(text: string): unknown;
  columns?: number;
  rows?: number;
  isTTY?: boolean;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

/** log-update's terminal width when the stream has none. */
const DEFAULT_COLUMNS = 80;

export async function createLiveRegion(terminal: Terminal): Promise<LiveRegion> {
  const [{ createLogUpdate }, { default: wrapAnsi }, { default: stringWidth }, { default: ansiEscapes }] =
    await Promise.all([
      import('log-update'),
      import('wrap-ansi'),
      import('string-width'),
      import('ansi-escapes'),
    ]);
  // log-update only needs `write`, `columns`, `rows` and `isTTY`.
  const log = createLogUpdate(terminal as unknown as NodeJS.WritableStream);
  let frame: string | undefined;
  let columns = terminal.columns ?? DEFAULT_COLUMNS;

  const onResize = () => {
    const now = terminal.columns ?? DEFAULT_COLUMNS;
    if (frame !== undefined && now < columns) {
      // The rows log-update wrote at the old width (as it wraps them), each now split in
      // ceil(width / columns) rows; +1 for the empty row the cursor waits on.
      const rows = wrapAnsi(frame, columns, { trim: false, hard: true, wordWrap: false })
        .split('\n')
        .reduce((sum, row) => sum + Math.max(1, Math.ceil(stringWidth(row) / now)), 0);
      terminal.write(ansiEscapes.eraseLines(rows + 1));
      log.done(); // log-update forgets the frame just erased, and draws the next one from here
    }
    columns = now;
    if (frame !== undefined) log(frame);
  };
  // Resizes matter only while a frame is shown.
  const show = (text: string | undefined) => {
    if (frame === undefined && text !== undefined) terminal.on('resize', onResize);
    if (frame !== undefined && text === undefined) terminal.off('resize', onResize);
    frame = text;
  };

  return {
    draw(text) {
      show(text);
      columns = terminal.columns ?? DEFAULT_COLUMNS;
      log(text);
    },
    print(text) {
      show(undefined);
      log.persist(text);
    },
    clear() {
      show(undefined);
      log.clear();
    },
    done() {
      show(undefined);
      log.done();
    },
  };
}
