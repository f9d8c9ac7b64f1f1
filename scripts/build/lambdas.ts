/**
 * Bundles each deployer Lambda (`lambda/<name>/index.ts`) into `assets/lambda/<name>/index.js`
 * with a source map, once, when the package is built. The construct loads these folders with
 * `Code.fromAsset`, so a consumer's synth needs no esbuild, no lockfile and no feature flag, and
 * every machine gets the same asset hashes from the same package.
 *
 *   npm run build:lambdas            bundle every Lambda
 *   npm run build:lambdas -- --check exit 1 if a bundle is missing or older than its sources
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { newestModification } from './newest';

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCES = path.join(ROOT, 'lambda');
export const LAMBDA_ASSETS = path.join(ROOT, 'assets', 'lambda');

/** Every folder under lambda/ with an index.ts is a Lambda; shared/ is the code they import. */
export function lambdaNames(): string[] {
  return fs
    .readdirSync(SOURCES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(SOURCES, entry.name, 'index.ts')))
    .map((entry) => entry.name)
    .sort();
}

/** True when a bundle is missing or older than lambda/, the lockfile or this script. */
export function bundlesAreStale(): boolean {
  const inputs = newestModification([SOURCES, path.join(ROOT, 'package-lock.json'), __filename]);
  return lambdaNames().some((name) => {
    const bundle = fs.statSync(path.join(LAMBDA_ASSETS, name, 'index.js'), { throwIfNoEntry: false });
    return !bundle || bundle.mtimeMs < inputs;
  });
}

export function buildLambdas(): string[] {
  fs.rmSync(LAMBDA_ASSETS, { recursive: true, force: true });
  const names = lambdaNames();
  for (const name of names) {
    buildSync({
      entryPoints: [path.join(SOURCES, name, 'index.ts')],
      outfile: path.join(LAMBDA_ASSETS, name, 'index.js'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      // Error names are the state machine's contract (ErrorEquals): keep every name as written.
      keepNames: true,
      sourcemap: true,
      // The Node.js runtimes of Lambda ship the AWS SDK v3 with its Smithy packages, which
      // NodejsFunction leaves out of its bundles for them too.
      external: ['@aws-sdk/*', '@smithy/*'],
      legalComments: 'none',
      logLevel: 'warning',
    });
  }
  return names;
}

/** Builds the bundles when they are stale; returns whether it did. */
export function ensureLambdasBuilt(): boolean {
  if (!bundlesAreStale()) return false;
  buildLambdas();
  return true;
}

if (require.main === module) {
  if (process.argv.includes('--check')) {
    if (bundlesAreStale()) {
      console.error('assets/lambda is missing or older than lambda/: run `npm run build:lambdas`');
      process.exit(1);
    }
  } else {
    const started = Date.now();
    const names = buildLambdas();
    console.log(`bundled ${names.length} Lambdas into assets/lambda in ${Date.now() - started} ms`);
  }
}
