/**
 * Deploy on publish on the local cloud: the deployer synthesized with
 * `-c deployOnPublish=true` (rules for `orders`: alias `live`, a 10% canary
 * for 300 s), and versions published through the real SDK. The cloud emits
 * the CloudTrail event of each publish and its rules start deployments.
 */
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  PublishStateMachineVersionCommand,
  StartExecutionCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { type LocalDeployer, startLocalDeployer } from '../../local/deployer';
import { allTo, START_MS, targetDefinition } from './harness';

/** Long enough for any rule's deployment to have started and, at this strategy, ended. */
const SETTLE_MS = 30 * 60_000;

describe('deploy on publish on the local cloud', () => {
  let deployer: LocalDeployer;
  let orders: string;
  let payments: string;
  let releases = 0;

  beforeAll(async () => {
    deployer = await startLocalDeployer({
      fastForward: true,
      startMs: START_MS,
      seed: 5,
      synth: false,
      triggers: true,
      lambdaLogLevel: 'ERROR',
    });
    orders = await createTarget('orders');
    payments = await createTarget('payments');
  });

  afterAll(async () => {
    await deployer?.stop();
  });

  const sfn = () => deployer.sfn;
  const clock = () => deployer.cloud.clock;

  /** A state machine with version 1 published and alias `live` on it. */
  async function createTarget(name: string): Promise<string> {
    const created = await sfn().send(
      new CreateStateMachineCommand({
        name,
        definition: nextDefinition(),
        roleArn: `arn:aws:iam::${deployer.cloud.accountId}:role/${name}`,
        publish: true,
      }),
    );
    await sfn().send(
      new CreateStateMachineAliasCommand({
        name: 'live',
        routingConfiguration: allTo(created.stateMachineVersionArn!),
      }),
    );
    return created.stateMachineArn!;
  }

  function nextDefinition(): string {
    releases += 1;
    return JSON.stringify(targetDefinition(`release ${releases}`));
  }

  /** Deployer executions, oldest first. */
  async function deployments(): Promise<{ executionArn: string; input: Record<string, unknown> }[]> {
    const listed = await sfn().send(
      new ListExecutionsCommand({ stateMachineArn: deployer.deployerArn, maxResults: 1000 }),
    );
    const arns = (listed.executions ?? []).map((execution) => execution.executionArn!).reverse();
    return Promise.all(
      arns.map(async (executionArn) => {
        const described = await sfn().send(new DescribeExecutionCommand({ executionArn }));
        return { executionArn, input: JSON.parse(described.input!) as Record<string, unknown> };
      }),
    );
  }

  /** Lets virtual time run on, then returns the deployments started since `before`. */
  async function startedSince(
    before: number,
  ): Promise<{ executionArn: string; input: Record<string, unknown> }[]> {
    await clock().sleep(SETTLE_MS);
    return (await deployments()).slice(before);
  }

  async function finalState(
    executionArn: string,
  ): Promise<{ status?: string; output?: Record<string, unknown> }> {
    const described = await sfn().send(new DescribeExecutionCommand({ executionArn }));
    return { status: described.status, output: described.output ? JSON.parse(described.output) : undefined };
  }

  async function routing(stateMachineArn: string) {
    const alias = await sfn().send(
      new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${stateMachineArn}:live` }),
    );
    return alias.routingConfiguration;
  }

  it('starts one deployment when a version is published, and it promotes that version', async () => {
    // Arrange
    await sfn().send(
      new UpdateStateMachineCommand({ stateMachineArn: orders, definition: nextDefinition() }),
    );
    const before = (await deployments()).length;

    // Act
    const published = await sfn().send(new PublishStateMachineVersionCommand({ stateMachineArn: orders }));

    // Assert
    const started = await startedSince(before);
    expect(started).toHaveLength(1);
    expect(started[0]!.input).toEqual({
      alias: 'live',
      strategy: 'canary',
      increment: 10,
      intervalSeconds: 300,
      stateMachine: orders,
      version: published.stateMachineVersionArn,
    });
    const result = await finalState(started[0]!.executionArn);
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      outcome: 'PROMOTED',
      toVersionArn: published.stateMachineVersionArn,
    });
    expect(await routing(orders)).toEqual(allTo(published.stateMachineVersionArn!));
  });

  it('starts one deployment when UpdateStateMachine publishes, and it promotes that version', async () => {
    // Arrange
    const before = (await deployments()).length;

    // Act
    const updated = await sfn().send(
      new UpdateStateMachineCommand({ stateMachineArn: orders, definition: nextDefinition(), publish: true }),
    );

    // Assert
    const started = await startedSince(before);
    expect(started.map((run) => run.input.version)).toEqual([updated.stateMachineVersionArn]);
    expect((await finalState(started[0]!.executionArn)).status).toBe('SUCCEEDED');
    expect(await routing(orders)).toEqual(allTo(updated.stateMachineVersionArn!));
  });

  it('starts nothing for another state machine, an update without publish, or a failed publish', async () => {
    // Arrange
    const before = (await deployments()).length;
    const ordersRouting = await routing(orders);

    // Act
    await sfn().send(
      new UpdateStateMachineCommand({
        stateMachineArn: payments,
        definition: nextDefinition(),
        publish: true,
      }),
    );
    await sfn().send(
      new UpdateStateMachineCommand({ stateMachineArn: payments, definition: nextDefinition() }),
    );
    await sfn().send(new PublishStateMachineVersionCommand({ stateMachineArn: payments }));
    await sfn().send(
      new UpdateStateMachineCommand({ stateMachineArn: orders, definition: nextDefinition() }),
    );
    const stale = (await sfn().send(new DescribeStateMachineCommand({ stateMachineArn: orders })))
      .revisionId!;
    await sfn().send(
      new UpdateStateMachineCommand({ stateMachineArn: orders, definition: nextDefinition() }),
    );
    await expect(
      sfn().send(new PublishStateMachineVersionCommand({ stateMachineArn: orders, revisionId: stale })),
    ).rejects.toThrow(/Failed to publish/);

    // Assert
    expect(await startedSince(before)).toEqual([]);
    expect(await routing(orders)).toEqual(ordersRouting);
  });

  it('does not start a second deployment for the version the deployer publishes itself', async () => {
    // Arrange
    await sfn().send(
      new UpdateStateMachineCommand({ stateMachineArn: orders, definition: nextDefinition() }),
    );
    const before = (await deployments()).length;

    // Act
    const started = await sfn().send(
      new StartExecutionCommand({
        stateMachineArn: deployer.deployerArn,
        input: JSON.stringify({ stateMachine: 'orders', alias: 'live', publishRevision: true }),
      }),
    );

    // Assert
    const runs = await startedSince(before);
    expect(runs.map((run) => run.executionArn)).toEqual([started.executionArn]);
    const result = await finalState(started.executionArn!);
    expect(result.status).toBe('SUCCEEDED');
    const version = result.output!.toVersionArn as string;
    expect(await routing(orders)).toEqual(allTo(version));
    // The publish was recorded, as the deployer's role: the rules saw it and left it out.
    const publish = deployer.cloud.events.events.find(
      (event) =>
        (event.detail as { responseElements?: { stateMachineVersionArn?: string } }).responseElements
          ?.stateMachineVersionArn === version,
    );
    expect(publish?.detail).toMatchObject({
      eventSource: 'states.amazonaws.com',
      userIdentity: { type: 'AssumedRole', sessionContext: { sessionIssuer: { arn: publisherRoleArn() } } },
    });
  });

  /** The role ARN the rules exclude, as the local cloud resolved it from the template. */
  function publisherRoleArn(): string {
    const rule = deployer.cloud.events
      .listRules()
      .find((candidate) => candidate.logicalId.includes('OnPublishVersion'))!;
    const detail = rule.eventPattern!.detail as {
      $or: { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': string }] } } } }[];
    };
    return detail.$or[0]!.userIdentity.sessionContext.sessionIssuer.arn[0]['anything-but'];
  }
});
