/**
 * The synthesized deployer definition, run in aws-local-stepfunctions with
 * the real Lambdas over a fake target and CloudWatch: pruning old versions
 * after a promotion.
 */
import { FakeAws, route, sfnError, versionArn } from '../support/fake-aws';
import { type DeployerUnderTest, synthesizedDeployer } from '../support/run-deployer';

let deployer: DeployerUnderTest;
beforeAll(() => {
  deployer = synthesizedDeployer();
});

const allAtOnce = {
  stateMachine: 'orders',
  alias: 'live',
  strategy: 'allAtOnce',
  intervalSeconds: 60,
  alarmPollingSeconds: 60,
  historyMax: 2,
};

/** orders:1 … orders:<count>; `live` routes to the one before the newest, `beta` to orders:1. */
function ordersWithVersions(count: number): FakeAws {
  const aws = new FakeAws();
  aws.publishVersions(count);
  aws.setAlias('live', [route(versionArn(count - 1), 100)]);
  aws.setAlias('beta', [route(versionArn(1), 100)]);
  return aws;
}

describe('pruning after a promotion', () => {
  it('keeps the historyMax newest versions and any version an alias references', async () => {
    // Arrange
    const aws = ordersWithVersions(5);

    // Act
    const run = await deployer.run(allAtOnce, aws);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: versionArn(4),
      toVersionArn: versionArn(5),
      prunedVersionArns: [versionArn(3), versionArn(2)],
    });
    expect(aws.versionArns()).toEqual([versionArn(1), versionArn(4), versionArn(5)]);
    expect(aws.writes().map((write) => `${write.command}@${write.at}`)).toEqual([
      'UpdateStateMachineAlias@0',
      'DeleteStateMachineVersion@60',
      'DeleteStateMachineVersion@60',
    ]);
  });

  it('prunes nothing when historyMax is 0', async () => {
    // Arrange
    const aws = ordersWithVersions(5);

    // Act
    const run = await deployer.run({ ...allAtOnce, historyMax: 0 }, aws);

    // Assert
    expect(run.output).toMatchObject({ outcome: 'PROMOTED', prunedVersionArns: [] });
    expect(aws.versionArns()).toHaveLength(5);
  });

  it('loops back to pruning when one invocation runs low on time', async () => {
    // Arrange: the first invocation has time for two deletes only.
    const aws = ordersWithVersions(7);
    const pruneTimeLeftMs = (invocation: number, question: number) =>
      invocation === 1 && question > 2 ? 10_000 : 600_000;

    // Act
    const run = await deployer.run(allAtOnce, aws, { pruneTimeLeftMs });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.invocations.filter((invocation) => invocation.step === 'prune-versions')).toHaveLength(2);
    expect(run.statesEntered.slice(-5)).toEqual([
      'Prune versions',
      'Pruning finished?',
      'Prune versions',
      'Pruning finished?',
      'Deployment done',
    ]);
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      prunedVersionArns: [versionArn(5), versionArn(4), versionArn(3), versionArn(2)],
    });
    expect(aws.versionArns()).toEqual([versionArn(1), versionArn(6), versionArn(7)]);
  });

  it('still ends PROMOTED, with the pruning error, when pruning fails', async () => {
    // Arrange: listing versions is refused once the deployment is under way.
    const aws = ordersWithVersions(5);
    aws.failCommand(
      'ListStateMachineVersions',
      () => sfnError('AccessDeniedException', 'not authorized to perform: states:ListStateMachineVersions'),
      {
        fromSeconds: 1,
      },
    );

    // Act
    const run = await deployer.run(allAtOnce, aws);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.statesEntered.slice(-2)).toEqual(['Promoted without pruning', 'Deployment done']);
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: versionArn(4),
      toVersionArn: versionArn(5),
      timeline: [{ weight: 100 }],
      prunedVersionArns: [],
      pruneError: {
        Error: 'AccessDeniedException',
        Cause: expect.stringContaining('states:ListStateMachineVersions'),
      },
    });
    expect(aws.aliasRouting('live')).toEqual([route(versionArn(5), 100)]);
    expect(aws.versionArns()).toHaveLength(5);
  });

  it('still reports the versions already pruned when a later pruning invocation fails', async () => {
    // Arrange: the first invocation deletes two versions and runs low on time; the second cannot list versions.
    const aws = ordersWithVersions(7);
    const pruneTimeLeftMs = (invocation: number, question: number) =>
      invocation === 1 && question > 2 ? 10_000 : 600_000;
    aws.failCommand(
      'ListStateMachineVersions',
      () => sfnError('AccessDeniedException', 'not authorized to perform: states:ListStateMachineVersions'),
      {
        fromSeconds: 1,
        skip: 1,
      },
    );

    // Act
    const run = await deployer.run(allAtOnce, aws, { pruneTimeLeftMs });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(aws.versionArns()).toEqual([
      versionArn(1),
      versionArn(2),
      versionArn(3),
      versionArn(6),
      versionArn(7),
    ]);
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      toVersionArn: versionArn(7),
      prunedVersionArns: [versionArn(5), versionArn(4)],
      pruneError: { Error: 'AccessDeniedException' },
    });
  });
});
