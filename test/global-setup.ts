/**
 * Runs once before any test worker starts: the end-to-end tests load the
 * deployer's bundled Lambdas from cdk.out (and, for deploy on publish, from
 * cdk.out.triggers), and a fresh clone has neither.
 */
import {
  DEFAULT_ASSEMBLY,
  ensureSynthesized,
  isStale,
  PROJECT_ROOT,
  TRIGGERS_ASSEMBLY,
} from '../local/deployer/synth';
import { ensureBinsBuilt } from '../scripts/build/bins';
import { ensureLambdasBuilt } from '../scripts/build/lambdas';

export default function globalSetup(): void {
  if (ensureLambdasBuilt()) process.stderr.write('\nBundled the Lambdas into assets/lambda\n');
  // The command line's tests run it as users do: the bundled program, with plain node.
  if (ensureBinsBuilt()) process.stderr.write('Bundled sfn-deploy and the local cloud\n');
  for (const assembly of [DEFAULT_ASSEMBLY, TRIGGERS_ASSEMBLY]) {
    if (!isStale(PROJECT_ROOT, assembly.outDir, assembly.context)) continue;
    process.stderr.write(
      `\nSynthesizing the deployer for the end-to-end tests (cdk synth into ${assembly.outDir})…\n`,
    );
    // Quiet: the bundler's per-asset report is noise here; a failed synth still throws with its output.
    ensureSynthesized({ quiet: true, assembly });
  }
}
