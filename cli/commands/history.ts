/**
 * `sfn-deploy history <alias ARN>`: the alias's past and running
 * deployments, newest first, from the deployer's deployments table: when,
 * which versions, the outcome and its cause, who steered it (signals) and
 * the analysis's verdicts. The table is found in the deployer's own
 * definition (its wait stores task tokens there), so nothing but the
 * deployer's ARN needs to be known; reading it takes `dynamodb:Query` on the
 * table (`StateMachineDeployer.grantReadHistory`).
 */
import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { isAliasArn } from '../../lambda/shared/arns';
import type { RecordedVerdict, TimelineEntry } from '../../lambda/shared/deployment';
import type { Signal } from '../../lambda/shared/lock';
import { versionLabel } from '../../lambda/shared/routing';
import { checkAwsSetup } from '../aws';
import { deployerFromOptions } from '../deployer';
import { EXIT, UsageError } from '../errors';
import type { AwsClients, AwsOptions, Io } from '../io';

export interface HistoryOptions extends AwsOptions {
  deployer?: string;
  stackName?: string;
  limit?: string;
  json?: boolean;
}

export interface HistoryDeps {
  clients: AwsClients;
  io: Io;
  env: Record<string, string | undefined>;
}

/** One deployment of the alias, as its record holds it. */
export interface DeploymentRecord {
  executionArn: string;
  startedAt: string;
  status: string;
  endedAt?: string;
  fromVersionArn?: string;
  toVersionArn?: string;
  error?: string;
  cause?: string;
  timeline: TimelineEntry[];
  signals: Signal[];
  verdicts: RecordedVerdict[];
}

export async function showHistory(
  aliasArn: string,
  options: HistoryOptions,
  deps: HistoryDeps,
): Promise<number> {
  if (!isAliasArn(aliasArn)) {
    throw new UsageError(
      `history needs an alias ARN (arn:aws:states:<region>:<account>:stateMachine:<name>:<alias>), got: ${JSON.stringify(aliasArn)}`,
    );
  }
  const limit = Number(options.limit ?? 10);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new UsageError(`--limit must be an integer from 1 to 100, got: ${JSON.stringify(options.limit)}`);
  }
  await checkAwsSetup(deps.clients.sfn);
  const deployerArn = await deployerFromOptions(options, deps.clients, deps.env);
  const table = await deploymentsTable(deps.clients.sfn, deployerArn);
  const records = await deploymentRecords(deps.clients.dynamo, table, aliasArn, limit);
  if (options.json) {
    for (const record of records) deps.io.stdout.write(`${JSON.stringify(record)}\n`);
    return EXIT.OK;
  }
  if (records.length === 0) {
    deps.io.stdout.write(`No deployment of ${aliasArn} is recorded.\n`);
    return EXIT.OK;
  }
  for (const record of records) deps.io.stdout.write(`${describe(record)}\n`);
  return EXIT.OK;
}

/** The deployments table's name, from the deployer's definition: its wait writes the task token there. */
export async function deploymentsTable(sfn: SFNClient, deployerArn: string): Promise<string> {
  const { definition } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: deployerArn }));
  const states = (JSON.parse(definition ?? '{}') as { States?: Record<string, Record<string, unknown>> })
    .States;
  for (const state of Object.values(states ?? {})) {
    const table = (state.Parameters as { TableName?: unknown } | undefined)?.TableName;
    if (String(state.Resource ?? '').includes(':dynamodb:') && typeof table === 'string') return table;
  }
  throw new UsageError(
    `${deployerArn} does not look like a deployer: its definition names no deployments table`,
  );
}

/** The alias's deployment records, newest first (their sort keys start with the start time). */
export async function deploymentRecords(
  dynamo: DynamoDBClient,
  table: string,
  aliasArn: string,
  limit: number,
): Promise<DeploymentRecord[]> {
  const out = await dynamo.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'aliasArn = :alias AND begins_with(sk, :records)',
      ExpressionAttributeValues: { ':alias': { S: aliasArn }, ':records': { S: 'DEPLOYMENT#' } },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (out.Items ?? []).map(toRecord);
}

function toRecord(item: Record<string, AttributeValue>): DeploymentRecord {
  const text = (name: string) => item[name]?.S;
  const list = <T>(name: string): T[] => {
    try {
      return (JSON.parse(text(name) ?? '[]') as T[]) ?? [];
    } catch {
      return [];
    }
  };
  return {
    executionArn: text('executionArn') ?? '?',
    startedAt: text('startedAt') ?? '?',
    status: text('status') ?? '?',
    ...(text('endedAt') ? { endedAt: text('endedAt') } : {}),
    ...(text('originVersionArn') ? { fromVersionArn: text('originVersionArn') } : {}),
    ...(text('targetVersionArn') ? { toVersionArn: text('targetVersionArn') } : {}),
    ...(text('error') ? { error: text('error') } : {}),
    ...(text('cause') ? { cause: text('cause') } : {}),
    timeline: list<TimelineEntry>('timeline'),
    signals: list<Signal>('signalsActedOn'),
    verdicts: list<RecordedVerdict>('verdicts'),
  };
}

/** `2026-03-02T10:00:00Z  ROLLED_BACK  orders:1 → orders:2  10%  <execution>` and the cause, signals, verdicts under it. */
function describe(record: DeploymentRecord): string {
  const versions =
    record.fromVersionArn && record.toVersionArn
      ? `${versionLabel(record.fromVersionArn)} → ${versionLabel(record.toVersionArn)}`
      : record.toVersionArn
        ? `→ ${versionLabel(record.toVersionArn)}`
        : '';
  const weights = record.timeline.map((entry) => `${entry.weight}%`).join(' ');
  const lines = [
    [record.startedAt, record.status, versions, weights, record.executionArn].filter(Boolean).join('  '),
  ];
  if (record.error) lines.push(`    ${record.error}: ${record.cause ?? ''}`.trimEnd());
  for (const signal of record.signals) {
    lines.push(
      `    ${signal.action} by ${signal.sender} at ${signal.at}${signal.reason ? `: ${signal.reason}` : ''}`,
    );
  }
  for (const verdict of record.verdicts) lines.push(`    step ${verdict.step}: ${verdict.summary}`);
  return lines.join('\n');
}
