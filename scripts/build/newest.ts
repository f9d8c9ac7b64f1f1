import * as fs from 'node:fs';
import * as path from 'node:path';

/** Folders that hold what a build made or installed, never its sources. */
const NOT_SOURCES = new Set(['node_modules', 'dist']);

/**
 * The newest modification time (ms) of the files at `paths`, files or folders walked whole,
 * leaving out build output and installed packages; a missing path counts as nothing. Builds
 * compare it with their output's to tell whether it is stale.
 */
export function newestModification(paths: readonly string[]): number {
  let newest = 0;
  const visit = (file: string) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (!stat.isDirectory()) {
      newest = Math.max(newest, stat.mtimeMs);
      return;
    }
    for (const entry of fs.readdirSync(file)) if (!NOT_SOURCES.has(entry)) visit(path.join(file, entry));
  };
  for (const file of paths) visit(file);
  return newest;
}
