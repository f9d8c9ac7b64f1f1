/**
 * `npm run bench:year`: the longest deployment the deployer plans, run for real on the local cloud —
 * linear 10% over 364 days at the default 60-second poll (524,160 polls, hundreds of chained
 * executions) — and printed beside the model's figures for the same plan. It takes tens of minutes,
 * so it is its own command rather than a row of `npm run bench`. `BENCH_DAYS` runs a shorter plan.
 */
import { formatDuration } from '../../lambda/shared/plan';
import { startLocalDeployer } from '../../local/deployer';
import { DAY, dollars, measure } from './main';
import { type Figures, model } from './model';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const days = Number(process.env.BENCH_DAYS ?? 364);
  const intervalSeconds = (days / 10) * DAY;
  const pollSeconds = 60;
  const deployer = await startLocalDeployer({
    fastForward: true,
    lambdaLogLevel: 'ERROR',
    staleLockSweep: false,
  });
  try {
    const started = deployer.cloud.clock.now();
    const progress = setInterval(() => {
      const virtualDays = (deployer.cloud.clock.now() - started) / 1000 / DAY;
      process.stderr.write(`… ${virtualDays.toFixed(1)} of ${days} virtual days\n`);
    }, 60_000);
    progress.unref();
    const cpu = process.cpuUsage();
    const measured = await measure(
      deployer,
      { title: `${days} days`, intervalSeconds, pollSeconds, measure: true },
      0,
    );
    const used = process.cpuUsage(cpu);
    clearInterval(progress);
    const modelled = model('linear', 10, intervalSeconds, pollSeconds);
    const cells = (source: string, figures: Figures) =>
      [
        source.padEnd(9),
        String(figures.executions).padStart(10),
        String(figures.maxEventsPerExecution).padStart(11),
        String(figures.polls).padStart(8),
        String(figures.lambdaInvocations).padStart(13),
        String(figures.stateTransitions).padStart(12),
        dollars(figures).toFixed(2).padStart(8),
      ].join(' ');
    process.stdout.write(
      `Linear 10% over ${days} days at a ${formatDuration(pollSeconds)} poll, one alarm watched\n\n` +
        `${['source'.padEnd(9), 'executions', 'max events', 'polls'.padStart(8), 'Lambda calls', 'transitions', 'cost $'.padStart(8)].join(' ')}\n` +
        `${cells('model', modelled)}\n${cells('measured', measured)}\n\n` +
        `Measured in ${(measured.realSeconds / 60).toFixed(1)} min of wall time, ` +
        `${((used.user + used.system) / 1e6 / 60).toFixed(1)} min of CPU ` +
        `(${Math.round((days * DAY) / measured.realSeconds).toLocaleString('en-US')} virtual s / wall s).\n`,
    );
  } finally {
    await deployer.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
