/**
 * Bundles the two command-line programs into plain JavaScript, so neither needs tsx (or any
 * TypeScript tooling) at run time: `sfn-deploy` (cli/ → cli/dist/sfn-deploy.js) and the local
 * cloud (local/ → local/dist/main.js). Each is its own package in the npm workspace; the packages
 * its package.json depends on stay outside the bundle, the project's own sources go in.
 *
 *   npm run build:bins
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync, type Metafile } from 'esbuild';
import { newestModification } from './newest';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Bin {
  /** The workspace folder, with its package.json. */
  readonly workspace: string;
  readonly entry: string;
  readonly outfile: string;
}

export const BINS: readonly Bin[] = [
  { workspace: 'cli', entry: 'cli/main.ts', outfile: 'cli/dist/sfn-deploy.js' },
  { workspace: 'local', entry: 'local/main.ts', outfile: 'local/dist/main.js' },
];

/** The packages a workspace depends on: kept out of its bundle, installed with it. */
export function dependenciesOf(workspace: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, workspace, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return Object.keys(manifest.dependencies ?? {});
}

/** The package a bare import names: `@aws-sdk/client-sfn` of `@aws-sdk/client-sfn/dist`, `tsx` of `tsx/cjs`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Bundles one program (or only works it out, with `write: false`); returns the packages it requires at run time. */
export function buildBin(bin: Bin, { write = true } = {}): string[] {
  const dependencies = dependenciesOf(bin.workspace);
  const result = buildSync({
    entryPoints: [path.join(ROOT, bin.entry)],
    outfile: path.join(ROOT, bin.outfile),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    keepNames: true,
    // Each dependency and anything under it (`aws-cdk-lib/aws-iam`) is required at run time.
    external: dependencies.flatMap((name) => [name, `${name}/*`]),
    banner: { js: '#!/usr/bin/env node' },
    metafile: true,
    write,
    logLevel: 'warning',
  });
  if (write) fs.chmodSync(path.join(ROOT, bin.outfile), 0o755);
  return requiredPackages(result.metafile!);
}

function requiredPackages(metafile: Metafile): string[] {
  const required = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const { path: specifier, external } of output.imports) {
      if (external && !specifier.startsWith('node:')) required.add(packageOf(specifier));
    }
  }
  return [...required].sort();
}

/** Builds the programs when a bundle is missing or older than cli/, local/, lib/ or lambda/. */
export function ensureBinsBuilt(): boolean {
  const sources = newestModification([
    ...['cli', 'local', 'lib', 'lambda'].map((dir) => path.join(ROOT, dir)),
    __filename,
  ]);
  const stale = BINS.filter((bin) => {
    const built = fs.statSync(path.join(ROOT, bin.outfile), { throwIfNoEntry: false });
    return !built || built.mtimeMs < sources;
  });
  for (const bin of stale) buildBin(bin);
  return stale.length > 0;
}

if (require.main === module) {
  for (const bin of BINS) {
    const started = Date.now();
    const required = buildBin(bin);
    console.log(`bundled ${bin.outfile} in ${Date.now() - started} ms; requires ${required.join(', ')}`);
  }
}
