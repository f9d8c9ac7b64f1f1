/**
 * `npm start`: the guided demo on the embedded local cloud.
 *   npm start -- --help
 */
import { Command, InvalidArgumentError } from 'commander';
import { startLocalDeployer } from '../deployer';
import { createLiveRegion } from '../../cli/live-region';
import { createReporter } from './reporter';
import { DEFAULT_REPORT_DIR, writeDemoReports } from './reports';
import { DEFAULT_DEMO_OPTIONS, DEMO_START_MS, type DemoOptions, runDemo } from './scenario';

function positiveInteger(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer, got: ${value}`);
    return parsed;
  };
}

export async function main(argv: string[]): Promise<number> {
  const program = new Command('npm start --')
    .description(
      'Deploy a buggy and then a fixed release of a sample state machine with sfn-deployer, on the embedded local cloud.',
    )
    .option(
      '--speed <n>',
      'run the virtual clock n times faster than real time (default: as fast as possible)',
      positiveInteger('--speed'),
    )
    .option(
      '--traffic <perMinute>',
      'orders per minute sent through the alias',
      positiveInteger('--traffic'),
      DEFAULT_DEMO_OPTIONS.trafficPerMinute,
    )
    .option(
      '--linear-increment <percent>',
      'buggy release: percent per step',
      positiveInteger('--linear-increment'),
      DEFAULT_DEMO_OPTIONS.linearIncrement,
    )
    .option(
      '--linear-interval <seconds>',
      'buggy release: seconds per step',
      positiveInteger('--linear-interval'),
      DEFAULT_DEMO_OPTIONS.linearIntervalSeconds,
    )
    .option(
      '--canary-increment <percent>',
      'fixed release: canary percent',
      positiveInteger('--canary-increment'),
      DEFAULT_DEMO_OPTIONS.canaryIncrement,
    )
    .option(
      '--canary-interval <seconds>',
      'fixed release: canary seconds',
      positiveInteger('--canary-interval'),
      DEFAULT_DEMO_OPTIONS.canaryIntervalSeconds,
    )
    .option(
      '--alarm-polling <seconds>',
      'seconds between alarm checks',
      positiveInteger('--alarm-polling'),
      DEFAULT_DEMO_OPTIONS.alarmPollingSeconds,
    )
    .option(
      '--history-max <n>',
      'versions kept after the promotion',
      positiveInteger('--history-max'),
      DEFAULT_DEMO_OPTIONS.historyMax,
    )
    .option(
      '--seed <n>',
      'seed of the traffic and of alias routing',
      positiveInteger('--seed'),
      DEFAULT_DEMO_OPTIONS.seed,
    )
    .option(
      '--report-dir <dir>',
      'write an HTML report of each deployment into this folder',
      DEFAULT_REPORT_DIR,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npm start\n  npm start -- --speed 60            # watch it unfold, one minute per second\n  npm start -- --canary-increment 25 --traffic 60',
    )
    .exitOverride();
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    return (error as { exitCode?: number }).exitCode ?? 2;
  }
  const flags = program.opts<{
    speed?: number;
    traffic: number;
    linearIncrement: number;
    linearInterval: number;
    canaryIncrement: number;
    canaryInterval: number;
    alarmPolling: number;
    historyMax: number;
    seed: number;
    reportDir: string;
  }>();
  const options: DemoOptions = {
    trafficPerMinute: flags.traffic,
    linearIncrement: flags.linearIncrement,
    linearIntervalSeconds: flags.linearInterval,
    canaryIncrement: flags.canaryIncrement,
    canaryIntervalSeconds: flags.canaryInterval,
    alarmPollingSeconds: flags.alarmPolling,
    historyMax: flags.historyMax,
    seed: flags.seed,
  };

  // The demo runs on whatever Node the machine has; the SDK's upgrade notice is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = Date.now();
  process.stdout.write('Starting the local cloud and loading the deployer from cdk.out…\n');
  // A fixed virtual start: with the same seed, alarm periods fall the same way and the story is the same.
  const clock = flags.speed ? { speed: flags.speed } : { fastForward: true };
  const deployer = await startLocalDeployer({
    ...clock,
    startMs: DEMO_START_MS,
    seed: options.seed,
    lambdaLogLevel: 'ERROR',
  });
  // The endpoint (a free port) matters only when there is time to call it while the demo runs.
  const where = flags.speed ? ` at ${deployer.endpoint}` : '';
  process.stdout.write(`Local cloud ready${where}; deployer ${deployer.deployerArn}\n`);
  try {
    const region = process.stdout.isTTY ? await createLiveRegion(process.stdout) : undefined;
    const reporter = createReporter(process.stdout, region, () => deployer.cloud.clock.now());
    const summary = await runDemo(deployer, options, reporter);
    const reports = await writeDemoReports(deployer, [summary.rolledBack, summary.promoted], flags.reportDir);
    process.stdout.write(
      `\nA report of each deployment, to open in a browser:\n${reports.map((file) => `  ${file}\n`).join('')}`,
    );
    const ok =
      summary.rolledBack.error === 'DeploymentRolledBack' && summary.promoted.result?.outcome === 'PROMOTED';
    process.stdout.write(`\n${ok ? 'Done.' : 'Unexpected outcome.'}\n`);
    // Real time varies from run to run; the story on stdout does not.
    process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s of real time.\n`);
    return ok ? 0 : 1;
  } finally {
    await deployer.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
