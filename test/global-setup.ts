/**
 * Runs once before any test worker starts: the end-to-end tests load the
 * deployer's bundled Lambdas from cdk.out, and a fresh clone has none.
 */
import { ensureSynthesized, isStale } from '../local/deployer/synth';

export default function globalSetup(): void {
  if (!isStale()) return;
  process.stderr.write('\nSynthesizing the deployer for the end-to-end tests (cdk synth)…\n');
  // Quiet: the bundler's per-asset report is noise here; a failed synth still throws with its output.
  ensureSynthesized({ quiet: true });
}
