import { Command, InvalidArgumentError } from 'commander';
import { loadDeployer, loadDeployerWithTriggers } from './deployer';
import { LocalCloud, type LocalCloudOptions } from './index';
import type { ServedLogEntry } from './wire/server';

/**
 * Loads something into the cloud before it reports ready, e.g. the synthesized deployer
 * from `cdk.out`. Lines it returns are printed after the `ready` line (e.g. the deployer's ARN).
 */
export type Loader = (cloud: LocalCloud) => Promise<string[] | void>;

/** The loaders `npm run local` runs, in order: the deployer, exactly as synthesized. */
export const loaders: Loader[] = [loadDeployer];

function integer(name: string, min: number) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got: ${value}`);
    return n;
  };
}

function number(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a number >= 0, got: ${value}`);
    return n;
  };
}

/** `2026-01-05T09:00:01.000Z  AWSStepFunctions.StartExecution  200  by arn:…:function:x` */
export function servedLine(served: ServedLogEntry): string {
  const by = served.caller ? `  by ${served.caller}` : '  by client';
  return `${new Date(served.atMs).toISOString()}  ${served.operation}  ${served.status}${by}`;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('local')
    .description('Runs the local cloud (Step Functions + CloudWatch) on 127.0.0.1 until interrupted.')
    .option('--port <port>', 'port to listen on (0 = any free port)', integer('--port', 0), 4566)
    .option(
      '--speed <factor>',
      'virtual ms per real ms (default 1, or 0 with --fast-forward)',
      number('--speed'),
    )
    .option('--fast-forward', 'jump to the next timer whenever nothing is busy', false)
    .option('--region <region>', 'region of requests without a SigV4 scope', 'us-east-1')
    .option('--account-id <id>', 'account of every ARN', '123456789012')
    .option('--seed <seed>', 'seed for alias traffic splitting', integer('--seed', 0))
    .option('--history-limit <events>', 'events per execution history', integer('--history-limit', 3))
    .option('--throttling', "enforce AWS's documented token buckets", false)
    .option('--verbose', 'log each request: virtual time, operation, caller, HTTP status', false)
    .option(
      '--deploy-on-publish',
      'also load the deploy-on-publish rules (synthesized into cdk.out.triggers/)',
      false,
    )
    .parse(argv);
  const opts = program.opts<{
    port: number;
    speed?: number;
    fastForward: boolean;
    region: string;
    accountId: string;
    seed?: number;
    historyLimit?: number;
    throttling: boolean;
    deployOnPublish: boolean;
    verbose: boolean;
  }>();
  const {
    deployOnPublish,
    verbose,
    ...options
  }: LocalCloudOptions & { deployOnPublish: boolean; verbose: boolean } = opts;
  const cloud = await LocalCloud.start(options);
  if (verbose) cloud.server.onServed = (served) => console.log(servedLine(served));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cloud.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const lines: string[] = [];
  const load = deployOnPublish
    ? loaders.map((loader) => (loader === loadDeployer ? loadDeployerWithTriggers : loader))
    : loaders;
  for (const loader of load) lines.push(...((await loader(cloud)) ?? []));
  console.log(`ready ${cloud.endpoint}`);
  for (const line of lines) console.log(line);
}

if (require.main === module) {
  main(process.argv).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
