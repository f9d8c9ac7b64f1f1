/** Builds rebuild when a source is newer than their output; what counts as a source. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { newestModification } from '../../scripts/build/newest';

describe('newestModification', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'newest-'));
  const touch = (file: string, seconds: number) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    fs.utimesSync(file, seconds, seconds);
  };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('takes the newest file of folders walked whole and of files named, leaving out build output', () => {
    touch(path.join(root, 'src', 'a.ts'), 1000);
    touch(path.join(root, 'src', 'deep', 'b.ts'), 2000);
    touch(path.join(root, 'src', 'dist', 'bundle.js'), 9000);
    touch(path.join(root, 'src', 'node_modules', 'x', 'index.js'), 9000);
    touch(path.join(root, 'lockfile'), 1500);

    expect(newestModification([path.join(root, 'src'), path.join(root, 'lockfile')])).toBe(2_000_000);
    expect(newestModification([path.join(root, 'lockfile')])).toBe(1_500_000);
  });

  it('counts a missing path as nothing', () => {
    expect(newestModification([path.join(root, 'missing')])).toBe(0);
  });
});
