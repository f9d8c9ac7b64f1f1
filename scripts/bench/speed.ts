/**
 * `npx tsx scripts/bench/speed.ts`: how many virtual seconds the local cloud runs per second of wall
 * time, on a linear 10% deployment at a 60-second poll (24 hours, 1,452 polls; `BENCH_HOURS` to change).
 * `BENCH_PROFILE=file.cpuprofile` writes a CPU profile of the deployment alone.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { startLocalDeployer } from '../../local/deployer';
import { HOUR, measure } from './main';
import { sdkSeconds } from './sdk-floor';
import type { JournalEntry } from '../../local/wire/faults';

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const hours = Number(process.env.BENCH_HOURS ?? 24);
  const lambdaTransport = process.env.BENCH_TRANSPORT === 'wire' ? 'wire' : 'in-process';
  const deployer = await startLocalDeployer({
    fastForward: true,
    lambdaLogLevel: 'ERROR',
    staleLockSweep: false,
    lambdaTransport,
  });
  const profile = process.env.BENCH_PROFILE;
  const session = new Session();
  try {
    if (profile) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
    }
    const startedAt = deployer.cloud.clock.now();
    const cpu = process.cpuUsage();
    let used = { user: 0, system: 0 };
    let virtualSeconds = 0;
    let journal: JournalEntry[] = [];
    // The run alone: CPU and profile stop before the bench reads the histories back.
    const figures = await measure(
      deployer,
      { title: `${hours} hours`, intervalSeconds: (hours / 10) * HOUR, pollSeconds: 60, measure: true },
      0,
      async () => {
        used = process.cpuUsage(cpu);
        virtualSeconds = (deployer.cloud.clock.now() - startedAt) / 1000;
        journal = deployer.cloud.calls.journal({ sinceMs: startedAt });
        if (profile) {
          const { profile: taken } = await session.post('Profiler.stop');
          writeFileSync(profile, JSON.stringify(taken));
        }
      },
    );
    if (process.env.BENCH_CALLS) process.stdout.write(`${JSON.stringify(deployer.cloud.calls.all())}\n`);
    const cpuSeconds = (used.user + used.system) / 1e6;
    process.stdout.write(
      `${lambdaTransport}, ${hours} h at 60 s: ${figures.polls} polls, ${figures.realSeconds.toFixed(2)} s wall, ${cpuSeconds.toFixed(2)} s CPU ` +
        `(${((cpuSeconds * 1000) / figures.polls).toFixed(1)} ms a poll), ${Math.round(virtualSeconds / figures.realSeconds)} virtual s / wall s\n`,
    );
    const sdk = await sdkSeconds(journal);
    process.stdout.write(
      `the Lambdas' ${journal.filter((entry) => entry.caller).length} SDK calls alone: ${sdk.toFixed(2)} s ` +
        `(${((sdk * 1000) / figures.polls).toFixed(1)} ms a poll), at most ${Math.round(virtualSeconds / sdk)} virtual s / wall s\n`,
    );
  } finally {
    session.disconnect();
    await deployer.stop();
  }
}

void main();
