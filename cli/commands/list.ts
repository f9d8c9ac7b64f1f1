/**
 * `sfn-deploy list`: the deployments running now, one line each, with what
 * an operator needs to act on one (`sfn-deploy pause <alias ARN>`): the
 * alias, the versions, the weight and step, and when it started. Read from
 * the deployer's running executions; a continuation (`continue-…`, started
 * by a deployment that filled its history) shows as the deployment that
 * started it, with the weight from the continuation's own state.
 */
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  GetExecutionHistoryCommand,
  paginateListExecutions,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { DeployerState } from '../../lambda/shared/deployment';
import { versionLabel } from '../../lambda/shared/routing';
import { checkAwsSetup } from '../aws';
import { deployerFromOptions } from '../deployer';
import { EXIT } from '../errors';
import type { AwsClients, AwsOptions, Io } from '../io';

export interface ListOptions extends AwsOptions {
  deployer?: string;
  stackName?: string;
  json?: boolean;
}

export interface ListDeps {
  clients: AwsClients;
  io: Io;
  env: Record<string, string | undefined>;
}

/** One running deployment, as listed. */
export interface RunningDeployment {
  executionArn: string;
  startDate: string;
  stateMachine?: string;
  alias?: string;
  aliasArn?: string;
  fromVersionArn?: string;
  toVersionArn?: string;
  weight?: number;
  step?: number;
  steps?: number;
  paused?: boolean;
  /** The continuation execution carrying the loop now, when the history filled up. */
  continuedIn?: string;
}

export async function listDeployments(options: ListOptions, deps: ListDeps): Promise<number> {
  await checkAwsSetup(deps.clients.sfn);
  const deployerArn = await deployerFromOptions(options, deps.clients, deps.env);
  const running = await runningDeployments(deps.clients.sfn, deployerArn);
  if (options.json) {
    for (const deployment of running) deps.io.stdout.write(`${JSON.stringify(deployment)}\n`);
    return EXIT.OK;
  }
  if (running.length === 0) {
    deps.io.stdout.write('No deployment is running.\n');
    return EXIT.OK;
  }
  for (const deployment of running) deps.io.stdout.write(`${describe(deployment)}\n`);
  return EXIT.OK;
}

/** The deployer's running executions that started a deployment, newest first, each at its current state. */
export async function runningDeployments(sfn: SFNClient, deployerArn: string): Promise<RunningDeployment[]> {
  const executions: ExecutionListItem[] = [];
  for await (const page of paginateListExecutions(
    { client: sfn },
    { stateMachineArn: deployerArn, statusFilter: 'RUNNING' },
  )) {
    executions.push(...(page.executions ?? []));
  }
  const continuations = executions.filter((execution) => execution.name?.startsWith('continue-'));
  const owners = executions.filter((execution) => !execution.name?.startsWith('continue-'));
  const listed: RunningDeployment[] = [];
  for (const owner of owners) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: owner.executionArn }));
    const request = parse(described.input) as { stateMachine?: string; alias?: string } | undefined;
    const entry: RunningDeployment = {
      executionArn: owner.executionArn!,
      startDate: owner.startDate!.toISOString(),
      stateMachine: request?.stateMachine,
      alias: request?.alias,
    };
    // Where it stands: the newest loop state of the execution carrying it now.
    let state = await latestState(sfn, owner.executionArn!);
    for (const continuation of continuations) {
      const carried = await latestState(sfn, continuation.executionArn!);
      if (carried?.deployment?.owner === owner.executionArn) {
        entry.continuedIn = continuation.executionArn;
        state = carried;
      }
    }
    const deployment = state?.deployment;
    if (deployment) {
      Object.assign(entry, {
        aliasArn: deployment.aliasArn,
        fromVersionArn: deployment.originVersionArn,
        toVersionArn: deployment.targetVersionArn,
        weight: deployment.timeline.at(-1)?.weight ?? 0,
        step: Math.min(deployment.stepIndex + 1, deployment.steps.length),
        steps: deployment.steps.length,
        paused: deployment.paused !== undefined,
      });
    }
    listed.push(entry);
  }
  return listed;
}

/** The newest state a loop task of the execution exited with (at most a page of history, newest first). */
async function latestState(sfn: SFNClient, executionArn: string): Promise<DeployerState | undefined> {
  const page = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100 }),
  );
  for (const event of page.events ?? []) {
    if (event.type !== 'TaskStateExited') continue;
    const state = parse(event.stateExitedEventDetails?.output) as DeployerState | undefined;
    if (state?.deployment) return state;
  }
  return undefined;
}

/** `orders:live  orders:2 → orders:3  10% (step 1/2, paused)  since 2026-03-02T10:00:00Z  <execution ARN>` */
function describe(deployment: RunningDeployment): string {
  const where = deployment.aliasArn
    ? `${versionLabel(deployment.fromVersionArn!)} → ${versionLabel(deployment.toVersionArn!)}  ` +
      `${deployment.weight}% (step ${deployment.step}/${deployment.steps}${deployment.paused ? ', paused' : ''})`
    : 'starting';
  return (
    `${deployment.stateMachine ?? '?'}:${deployment.alias ?? '?'}  ${where}  since ${deployment.startDate}  ` +
    deployment.executionArn
  );
}

function parse(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
