/**
 * The synthesized deployer definition, run in aws-local-stepfunctions with
 * the real Lambdas over a fake target and CloudWatch: deployments that end
 * with the new version serving all traffic.
 */
import { at, cloudWatchError, FakeAws, ordersReadyToDeploy, route, versionArn } from '../support/fake-aws';
import { type DeployerUnderTest, synthesizedDeployer } from '../support/run-deployer';

let deployer: DeployerUnderTest;
beforeAll(() => {
  deployer = synthesizedDeployer();
});

const v1 = versionArn(1);
const v2 = versionArn(2);

/** The alarm reads and alias writes, in order, as `Command@seconds`. */
function pollsAndShifts(aws: FakeAws): string[] {
  return aws.commands
    .filter(
      (command) => command.command === 'DescribeAlarms' || command.command === 'UpdateStateMachineAlias',
    )
    .map((command) => `${command.command}@${command.at}`);
}

const canary = {
  stateMachine: 'orders',
  alias: 'live',
  strategy: 'canary',
  increment: 10,
  intervalSeconds: 300,
  alarms: ['orders-errors'],
  alarmPollingSeconds: 60,
};

describe('a canary deployment', () => {
  it('shifts 10% for one monitored interval, then promotes to a single 100% entry', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();

    // Act
    const run = await deployer.run(canary, aws);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      outcome: 'PROMOTED',
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders',
      aliasArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:orders:live',
      fromVersionArn: v1,
      toVersionArn: v2,
      timeline: [
        { at: at(0), weight: 10 },
        { at: at(300), weight: 100 },
      ],
      prunedVersionArns: [],
    });
    expect(aws.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 10), route(v1, 90)] },
      { at: 300, routing: [route(v2, 100)] },
    ]);
    expect(aws.aliasRouting('live')).toEqual([route(v2, 100)]);
  });

  it('polls the alarms every alarmPollingSeconds and once more at the end of each step', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();

    // Act
    await deployer.run(canary, aws);

    // Assert: the check at publish time, five polls while 10% holds (the last one ends the step),
    // then the final check after the shift to 100%.
    expect(aws.timesOf('DescribeAlarms')).toEqual([0, 60, 120, 180, 240, 300, 300]);
    expect(pollsAndShifts(aws)).toEqual([
      'DescribeAlarms@0',
      'UpdateStateMachineAlias@0',
      'DescribeAlarms@60',
      'DescribeAlarms@120',
      'DescribeAlarms@180',
      'DescribeAlarms@240',
      'DescribeAlarms@300',
      'UpdateStateMachineAlias@300',
      'DescribeAlarms@300',
    ]);
    expect(
      aws.commands.filter((command) => command.command === 'DescribeAlarms').map((command) => command.input),
    ).toContainEqual({
      AlarmNames: ['orders-errors'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: 100,
    });
  });

  it('retries a throttled alarm check and still promotes', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();
    aws.failCommand('DescribeAlarms', () => cloudWatchError('ThrottlingException', 'Rate exceeded'), {
      times: 2,
      fromSeconds: 60,
    });

    // Act
    const run = await deployer.run(canary, aws);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'PROMOTED', toVersionArn: v2 });
    const checksAt60 = run.invocations.filter(
      (invocation) => invocation.step === 'check-alarms' && invocation.at === 60,
    );
    expect(checksAt60.map((invocation) => invocation.error)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      undefined,
    ]);
    expect(run.statesEntered).not.toContain('Roll back');
    expect(aws.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 10), route(v1, 90)] },
      { at: 300, routing: [route(v2, 100)] },
    ]);
  });
});

describe('an all-at-once deployment', () => {
  it('routes 100% to the new version at once and then watches one interval', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();

    // Act
    const run = await deployer.run(
      {
        stateMachine: 'orders',
        alias: 'live',
        strategy: 'allAtOnce',
        intervalSeconds: 120,
        alarms: ['orders-errors'],
        alarmPollingSeconds: 60,
      },
      aws,
    );

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: v1,
      toVersionArn: v2,
      timeline: [{ at: at(0), weight: 100 }],
    });
    expect(aws.aliasUpdates()).toEqual([{ at: 0, routing: [route(v2, 100)] }]);
    expect(pollsAndShifts(aws)).toEqual([
      'DescribeAlarms@0',
      'UpdateStateMachineAlias@0',
      'DescribeAlarms@60',
      'DescribeAlarms@120',
    ]);
  });
});

describe('taking over a split alias with force', () => {
  it('holds the current weight for one monitored interval before going on, never straight to 100%', async () => {
    // Arrange: an earlier deployment of orders:2 stopped at 30%.
    const aws = ordersReadyToDeploy();
    aws.setAlias('live', [route(v2, 30), route(v1, 70)]);

    // Act
    const run = await deployer.run({ ...canary, force: true }, aws);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'PROMOTED', fromVersionArn: v1, toVersionArn: v2 });
    expect(aws.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 30), route(v1, 70)] },
      { at: 300, routing: [route(v2, 100)] },
    ]);
    expect(aws.timesOf('DescribeAlarms')).toEqual([0, 60, 120, 180, 240, 300, 300]);
  });
});

describe('choosing the version to deploy', () => {
  it('creates a missing alias at 100% on the first deploy, with nothing to roll back to', async () => {
    // Arrange
    const aws = new FakeAws();
    aws.publishVersions(1);

    // Act
    const run = await deployer.run(
      { stateMachine: 'orders', alias: 'live', strategy: 'canary', increment: 10 },
      aws,
    );

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'CREATED_ALIAS',
      fromVersionArn: null,
      toVersionArn: v1,
      timeline: [{ at: at(0), weight: 100 }],
    });
    expect(aws.writes().map((write) => write.command)).toEqual(['CreateStateMachineAlias']);
    expect(aws.writes()[0]?.input).toEqual({ name: 'live', routingConfiguration: [route(v1, 100)] });
    expect(aws.aliasRouting('live')).toEqual([route(v1, 100)]);
    expect(run.statesEntered).not.toContain('Shift weight');
  });

  it('changes nothing when the alias already routes everything to the version', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();
    aws.setAlias('live', [route(v2, 100)]);

    // Act
    const run = await deployer.run(canary, aws);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'NO_CHANGE',
      fromVersionArn: v2,
      toVersionArn: v2,
      timeline: [],
    });
    expect(aws.writes()).toEqual([]);
    expect(aws.aliasRouting('live')).toEqual([route(v2, 100)]);
  });

  it('uploads a definition and publishes exactly that revision before shifting', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();
    const definition = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };

    // Act
    const run = await deployer.run({ ...canary, definition, increment: 100 }, aws);

    // Assert
    const v3 = versionArn(3);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'PROMOTED', fromVersionArn: v1, toVersionArn: v3 });
    expect(aws.writes().map((write) => write.command)).toEqual([
      'UpdateStateMachine',
      'PublishStateMachineVersion',
      'UpdateStateMachineAlias',
    ]);
    expect(aws.writes()[0]?.input).toEqual({
      stateMachineArn: expect.stringMatching(/:orders$/),
      definition: JSON.stringify(definition),
    });
    expect(aws.aliasRouting('live')).toEqual([route(v3, 100)]);
  });

  it('deploys the latest revision when publishRevision is set', async () => {
    // Arrange: the owner changed orders after publishing orders:2.
    const aws = ordersReadyToDeploy();
    aws.updateDefinition();

    // Act
    const run = await deployer.run({ ...canary, publishRevision: true, increment: 100 }, aws);

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'PROMOTED', toVersionArn: versionArn(3) });
    expect(aws.writes()[0]).toMatchObject({
      command: 'PublishStateMachineVersion',
      input: { revisionId: 'revision-4' },
    });
  });
});
