/**
 * The checks every fault scenario ends with: the alias routes 100% to a
 * version that exists, no version an alias references was deleted, the
 * alias's lock is free, and the deployment's record has the right status.
 * Read through the real SDK, the deployments table as the stack names it
 * locally (its logical id).
 */
import { type AttributeValue, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStateMachineAliasCommand, ListStateMachineAliasesCommand } from '@aws-sdk/client-sfn';
import type { DeploymentStatus } from '../../lambda/shared/lock';
import { deployerFromTemplate, readTemplate } from '../../local/deployer/assembly';
import { localClientConfig } from '../../local/deployer';
import { CDK_OUT } from '../../local/deployer/synth';
import type { E2e, Target } from './harness';

const TABLE = deployerFromTemplate(readTemplate(CDK_OUT), {
  partition: 'aws',
  region: 'us-east-1',
  account: '123456789012',
}).tables[0]!.logicalId;

/** The deployment the fault scenarios disturb: a 10% canary for 5 minutes, alarms checked every minute. */
export const canary = (target: Target, extra: Record<string, unknown> = {}) => ({
  stateMachine: target.name,
  alias: 'live',
  strategy: 'canary',
  increment: 10,
  intervalSeconds: 300,
  alarmPollingSeconds: 60,
  ...extra,
});

/** Safety checks every scenario ends with. */
export class Safety {
  private readonly dynamo: DynamoDBClient;

  constructor(private readonly e2e: E2e) {
    this.dynamo = new DynamoDBClient(localClientConfig(e2e.deployer.endpoint, e2e.deployer.cloud.region));
  }

  destroy(): void {
    this.dynamo.destroy();
  }

  /** Every version an alias of the target routes to. */
  async referencedVersions(target: Target): Promise<string[]> {
    const aliases = await this.e2e.sfn.send(
      new ListStateMachineAliasesCommand({ stateMachineArn: target.arn }),
    );
    const referenced: string[] = [];
    for (const alias of aliases.stateMachineAliases ?? []) {
      const found = await this.e2e.sfn.send(
        new DescribeStateMachineAliasCommand({ stateMachineAliasArn: alias.stateMachineAliasArn }),
      );
      referenced.push(...(found.routingConfiguration ?? []).map((entry) => entry.stateMachineVersionArn!));
    }
    return referenced;
  }

  async lockItem(aliasArn: string): Promise<Record<string, AttributeValue> | undefined> {
    const found = await this.dynamo.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { aliasArn: { S: aliasArn }, sk: { S: 'LOCK' } },
        ConsistentRead: true,
      }),
    );
    return found.Item;
  }

  /** The deployment records of an alias, oldest first. */
  async records(aliasArn: string): Promise<Record<string, AttributeValue>[]> {
    const found = await this.dynamo.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'aliasArn = :alias AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':alias': { S: aliasArn }, ':prefix': { S: 'DEPLOYMENT#' } },
        ConsistentRead: true,
      }),
    );
    return found.Items ?? [];
  }

  /**
   * The alias routes 100% to one version that exists; no version referenced
   * by an alias (now, or in `referencedBefore`) was deleted; the lock is free;
   * the deployment's record has `status`.
   */
  async assertSafe(
    target: Target,
    expected: { alias?: string; executionArn: string; status: DeploymentStatus; referencedBefore: string[] },
  ): Promise<void> {
    const aliasArn = target.aliasArn(expected.alias ?? 'live');
    const routing = await this.e2e.routing(aliasArn);
    const versions = await this.e2e.versions(target);
    expect(routing).toHaveLength(1);
    expect(routing[0]!.weight).toBe(100);
    expect(versions).toContain(routing[0]!.stateMachineVersionArn);
    for (const version of [...expected.referencedBefore, ...(await this.referencedVersions(target))])
      expect(versions).toContain(version);
    expect(await this.lockItem(aliasArn)).toBeUndefined();
    const record = (await this.records(aliasArn)).find(
      (item) => item.executionArn?.S === expected.executionArn,
    );
    expect(record?.status?.S).toBe(expected.status);
  }
}
