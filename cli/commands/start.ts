/**
 * `sfn-deploy start`: builds the deploy request from `sfndeploy.py`'s flags,
 * validates it with the deployer's schema, starts the deployer and prints the
 * execution ARN; with `--wait`, follows it and exits with its outcome.
 */
import { randomBytes } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { DeployRequest } from '../../lambda/shared/request';
import { checkAwsSetup } from '../aws';
import { deployerFromOptions } from '../deployer';
import { preflight } from '../preflight';
import { EXIT } from '../errors';
import type { AwsClients, AwsOptions, Io } from '../io';
import { buildDeployRequest, type ReadFile, type RequestFlags } from '../request';
import { followToEnd, type FollowOptions, refreshOf } from './watch';

export interface StartOptions extends RequestFlags, FollowOptions, AwsOptions {
  deployer?: string;
  stackName?: string;
  name?: string;
  wait?: boolean;
}

export interface StartDeps {
  clients: AwsClients;
  io: Io;
  readFile: ReadFile;
  env: Record<string, string | undefined>;
}

export async function startDeployment(options: StartOptions, deps: StartDeps): Promise<number> {
  // Validation throws before any AWS call: a bad request starts nothing.
  const { input, request } = buildDeployRequest(options, deps.readFile);
  if (options.wait) refreshOf(options.refresh);
  await checkAwsSetup(deps.clients.sfn);
  const deployerArn = await deployerFromOptions(options, deps.clients, deps.env);
  await preflight(request, deployerArn, {
    sfn: deps.clients.sfn,
    cloudWatch: deps.clients.cloudWatch,
    warn: (line) => deps.io.stderr.write(`${line}\n`),
  });
  const { executionArn, startDate } = await deps.clients.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deployerArn,
      name: options.name ?? executionName(request, deps.io.now()),
      // The request as given, not with defaults filled in: the deployer applies the defaults it was configured with.
      input: JSON.stringify(input),
    }),
  );
  if (!executionArn) throw new Error('StartExecution returned no execution ARN');
  // With --json every line is JSON, the first one too, so a script can read the output line by line.
  deps.io.stdout.write(
    options.json
      ? `${JSON.stringify({ type: 'execution', executionArn, startDate: (startDate ?? deps.io.now()).toISOString() })}\n`
      : `${executionArn}\n`,
  );
  if (!options.wait) return EXIT.OK;
  return followToEnd(executionArn, options, deps);
}

/**
 * `orders-live-20260302T100000Z-3f9a`: target, alias and time, readable in
 * the console, unique by its random suffix, within the 80 characters and the
 * characters an execution name allows.
 */
export function executionName(
  request: Pick<DeployRequest, 'stateMachine' | 'alias'>,
  now: Date,
  suffix = randomBytes(2).toString('hex'),
): string {
  const target = request.stateMachine.split(':').at(-1) ?? request.stateMachine;
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const tail = `-${stamp}-${suffix}`;
  const head = `${target}-${request.alias}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80 - tail.length);
  return `${head}${tail}`;
}
