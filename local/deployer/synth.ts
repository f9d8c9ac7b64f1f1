/**
 * Keeps `cdk.out` in step with the sources: the local cloud runs the
 * deployer exactly as `cdk synth` bundles it, so a stale assembly would run
 * yesterday's code.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureLambdasBuilt } from '../../scripts/build/lambdas';
import { newestModification } from '../../scripts/build/newest';
import { DEPLOYER_STACK } from './assembly';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const CDK_OUT = path.join(PROJECT_ROOT, 'cdk.out');
// The Lambdas' code comes from their prebuilt bundles (assets/lambda), rebuilt first when lambda/ changed.
const SOURCES = ['bin', 'lib', 'assets', 'cdk.json', 'package-lock.json'];

/** A synthesized assembly the local cloud loads: where it goes, and the context it is synthesized with. */
export interface LocalAssembly {
  readonly outDir: string;
  /** `-c key=value` pairs on top of `cdk.json`. */
  readonly context: Readonly<Record<string, string>>;
}

/**
 * The targets of the deployer the local cloud loads: `orders` (the README's
 * walkthrough, the demo) and every `orders…` name the end-to-end tests give
 * their targets. The local cloud enforces the deployer's IAM, so it may deploy
 * only what the synthesized grants cover; a target name ending in `*` grants
 * the family, as IAM matches it.
 */
export const LOCAL_TARGETS = 'orders,orders*';

export const DEFAULT_ASSEMBLY: LocalAssembly = { outDir: CDK_OUT, context: { targets: LOCAL_TARGETS } };

/**
 * The deployer with deploy-on-publish for `orders` (alias `live`, a 10% canary
 * for five minutes), so the local cloud has rules to evaluate. `cdk.json`
 * keeps deploy-on-publish off; this assembly has its own output folder.
 */
export const TRIGGERS_ASSEMBLY: LocalAssembly = {
  outDir: path.join(PROJECT_ROOT, 'cdk.out.triggers'),
  context: {
    targets: LOCAL_TARGETS,
    deployOnPublish: 'true',
    deployOnPublishDefaults: JSON.stringify({
      orders: { alias: 'live', strategy: 'canary', increment: 10, intervalSeconds: 300 },
    }),
  },
};

/** Written next to an assembly synthesized with extra context, so a change of context counts as stale. */
const CONTEXT_STAMP = 'local-context.json';

export function isStale(
  root = PROJECT_ROOT,
  cdkOut = CDK_OUT,
  context: LocalAssembly['context'] = {},
): boolean {
  const template = fs.statSync(path.join(cdkOut, `${DEPLOYER_STACK}.template.json`), {
    throwIfNoEntry: false,
  });
  const manifest = fs.statSync(path.join(cdkOut, 'manifest.json'), { throwIfNoEntry: false });
  if (!template || !manifest) return true;
  if (Object.keys(context).length > 0) {
    const stamp = path.join(cdkOut, CONTEXT_STAMP);
    if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== JSON.stringify(context)) return true;
  }
  return (
    newestModification(SOURCES.map((source) => path.join(root, source))) >
    Math.min(template.mtimeMs, manifest.mtimeMs)
  );
}

/** Runs `cdk synth` when the assembly is missing or older than its sources; returns whether it did. */
export function ensureSynthesized(options: { quiet?: boolean; assembly?: LocalAssembly } = {}): boolean {
  const { outDir, context } = options.assembly ?? DEFAULT_ASSEMBLY;
  ensureLambdasBuilt();
  if (!isStale(PROJECT_ROOT, outDir, context)) return false;
  if (!options.quiet)
    process.stderr.write(
      `Synthesizing the deployer (cdk synth) into ${path.relative(PROJECT_ROOT, outDir)}/…\n`,
    );
  const contextArgs = Object.entries(context).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  execFileSync(
    path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'),
    ['synth', '-q', '--output', outDir, ...contextArgs],
    {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', options.quiet ? 'pipe' : 'inherit'],
    },
  );
  if (Object.keys(context).length > 0)
    fs.writeFileSync(path.join(outDir, CONTEXT_STAMP), JSON.stringify(context));
  return true;
}
