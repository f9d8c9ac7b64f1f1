/**
 * The synthesized deployer definition, run in aws-local-stepfunctions with
 * the real Lambdas over a fake target and CloudWatch: deployments that stop,
 * and what they leave the alias routing.
 */
import { cloudWatchError, ordersReadyToDeploy, route, versionArn } from '../support/fake-aws';
import { type DeployerUnderTest, synthesizedDeployer } from '../support/run-deployer';

let deployer: DeployerUnderTest;
beforeAll(() => {
  deployer = synthesizedDeployer();
});

const v1 = versionArn(1);
const v2 = versionArn(2);

const linear = {
  stateMachine: 'orders',
  alias: 'live',
  strategy: 'linear',
  increment: 25,
  intervalSeconds: 120,
  alarms: ['orders-errors'],
  alarmPollingSeconds: 60,
};

const canary = { ...linear, strategy: 'canary', increment: 10, intervalSeconds: 300 };

describe('rolling back on an alarm', () => {
  it('rolls back a linear deployment when an alarm goes to ALARM mid-way', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();
    aws.alarmGoes(
      'orders-errors',
      'ALARM',
      200,
      'Threshold Crossed: 3 datapoints were greater than the threshold (1.0)',
    );

    // Act
    const run = await deployer.run(linear, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain('orders-errors is ALARM: Threshold Crossed');
    expect(run.cause).toContain('to orders:1 (100%) from orders:2 at 50%');
    expect(aws.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 25), route(v1, 75)] },
      { at: 120, routing: [route(v2, 50), route(v1, 50)] },
      { at: 240, routing: [route(v1, 100)] },
    ]);
    expect(aws.aliasRouting('live')).toEqual([route(v1, 100)]);
  });

  it('rolls back when an alarm flapped to ALARM and back to OK between two polls', async () => {
    // Arrange: the polls at 60 s and 120 s both see OK; history has the blip.
    const aws = ordersReadyToDeploy();
    aws.alarmGoes(
      'orders-errors',
      'ALARM',
      70,
      'Threshold Crossed: 1 datapoint was greater than the threshold',
    );
    aws.alarmGoes('orders-errors', 'OK', 90, 'Threshold Crossed: back under the threshold');

    // Act
    const run = await deployer.run(canary, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain('orders-errors was ALARM at 2026-03-02T10:01:10.000Z');
    expect(aws.timesOf('DescribeAlarmHistory')).toEqual([120]);
    expect(aws.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 10), route(v1, 90)] },
      { at: 120, routing: [route(v1, 100)] },
    ]);
    expect(aws.aliasRouting('live')).toEqual([route(v1, 100)]);
  });

  it('rolls back when a composite alarm goes to ALARM', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();
    aws.addAlarm('orders-health', 'OK', 'CompositeAlarm');
    aws.alarmGoes('orders-health', 'ALARM', 30, 'ALARM(orders-latency) OR ALARM(orders-errors)');

    // Act
    const run = await deployer.run({ ...canary, alarms: ['orders-errors', 'orders-health'] }, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain('orders-health is ALARM');
    expect(run.cause).not.toContain('orders-errors is');
    expect(aws.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 10), route(v1, 90)] },
      { at: 60, routing: [route(v1, 100)] },
    ]);
  });
});

describe('rolling back on an error', () => {
  it('rolls back when a step fails after the first shift, naming the error', async () => {
    // Arrange: from the first poll on, the alarms cannot be read.
    const aws = ordersReadyToDeploy();
    aws.failCommand(
      'DescribeAlarms',
      () =>
        cloudWatchError(
          'AccessDeniedException',
          'User is not authorized to perform: cloudwatch:DescribeAlarms',
        ),
      { fromSeconds: 1 },
    );

    // Act
    const run = await deployer.run(canary, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(
      'from orders:2 at 10%: error AccessDeniedException: User is not authorized to perform: cloudwatch:DescribeAlarms',
    );
    expect(run.statesEntered.slice(-3)).toEqual(['Roll back', 'Rolled back?', 'Deployment rolled back']);
    expect(aws.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 10), route(v1, 90)] },
      { at: 60, routing: [route(v1, 100)] },
    ]);
    expect(aws.aliasRouting('live')).toEqual([route(v1, 100)]);
  });

  it('fails when the rollback itself keeps failing, after retrying it', async () => {
    // Arrange: an alarm fires, and the alias can no longer be written.
    const aws = ordersReadyToDeploy();
    aws.alarmGoes('orders-errors', 'ALARM', 30);
    aws.failCommand('UpdateStateMachineAlias', () => new Error('socket hang up'), { fromSeconds: 1 });

    // Act
    const run = await deployer.run(canary, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Error');
    expect(run.cause).toContain('socket hang up');
    expect(run.invocations.filter((invocation) => invocation.step === 'rollback')).toHaveLength(11);
    expect(run.statesEntered.at(-1)).toBe('Rollback failed');
  });
});

describe('someone else changing the alias', () => {
  it('fails when the alias drifts between polls, leaving their routing alone', async () => {
    // Arrange: at 90 s someone routes everything to orders:3.
    const aws = ordersReadyToDeploy();
    const v3 = aws.publishVersion();
    aws.aliasChangedBySomeoneElse('live', [route(v3, 100)], 90);

    // Act
    const run = await deployer.run({ ...canary, version: 2 }, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AliasDrift');
    expect(run.cause).toContain('expected [orders:2 = 10%, orders:1 = 90%], found [orders:3 = 100%]');
    expect(aws.writes().map((write) => `${write.command}@${write.at}`)).toEqual([
      'UpdateStateMachineAlias@0',
    ]);
    expect(aws.aliasRouting('live')).toEqual([route(v3, 100)]);
    expect(run.statesEntered).not.toContain('Roll back');
  });
});
