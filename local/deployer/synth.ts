/**
 * Keeps `cdk.out` in step with the sources: the local cloud runs the
 * deployer exactly as `cdk synth` bundles it, so a stale assembly would run
 * yesterday's code.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEPLOYER_STACK } from './assembly';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const CDK_OUT = path.join(PROJECT_ROOT, 'cdk.out');
const SOURCES = ['bin', 'lib', 'lambda', 'cdk.json', 'package-lock.json'];

/** Newest modification time of the files the synthesized deployer is built from. */
function newestSource(root: string): number {
  let newest = 0;
  const visit = (file: string) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const source of SOURCES) visit(path.join(root, source));
  return newest;
}

export function isStale(root = PROJECT_ROOT, cdkOut = CDK_OUT): boolean {
  const template = fs.statSync(path.join(cdkOut, `${DEPLOYER_STACK}.template.json`), { throwIfNoEntry: false });
  const manifest = fs.statSync(path.join(cdkOut, 'manifest.json'), { throwIfNoEntry: false });
  if (!template || !manifest) return true;
  return newestSource(root) > Math.min(template.mtimeMs, manifest.mtimeMs);
}

/** Runs `cdk synth` when the assembly is missing or older than its sources; returns whether it did. */
export function ensureSynthesized(options: { quiet?: boolean } = {}): boolean {
  if (!isStale()) return false;
  if (!options.quiet) process.stderr.write('Synthesizing the deployer (cdk synth)…\n');
  execFileSync(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'), ['synth', '-q', '--output', CDK_OUT], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', options.quiet ? 'pipe' : 'inherit'],
  });
  return true;
}
