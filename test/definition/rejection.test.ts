/**
 * The synthesized deployer definition, run in aws-local-stepfunctions with
 * the real Lambdas over a fake target and CloudWatch: requests the deployer
 * turns down before it changes anything.
 */
import { ordersReadyToDeploy, route, versionArn } from '../support/fake-aws';
import { type DeployerUnderTest, synthesizedDeployer } from '../support/run-deployer';

let deployer: DeployerUnderTest;
beforeAll(() => {
  deployer = synthesizedDeployer();
});

const v1 = versionArn(1);
const v2 = versionArn(2);

const canary = {
  stateMachine: 'orders',
  alias: 'live',
  strategy: 'canary',
  increment: 10,
  intervalSeconds: 300,
  alarms: ['orders-errors'],
};

describe('rejecting a deployment before any change', () => {
  it('fails when the request is invalid, naming every bad field, without calling AWS', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();

    // Act
    const run = await deployer.run(
      { stateMachine: 'orders', alias: 'live', strategy: 'blue', increment: 0 },
      aws,
    );

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidDeployRequest');
    expect(run.cause).toContain(
      `strategy must be one of canary, linear, allAtOnce or CodeDeploy's Canary10Percent5Minutes, Canary10Percent10Minutes, Canary10Percent15Minutes, Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes, Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes, AllAtOnce (also written CodeDeployDefault.Lambda<name>), got: "blue"`,
    );
    expect(run.cause).toContain('increment must be an integer between 1 and 100, got: 0');
    expect(run.cause).not.toContain('errorType');
    expect(aws.commands).toEqual([]);
    expect(run.invocations.map((invocation) => invocation.step)).toEqual(['publish-version']);
    expect(run.statesEntered.slice(-2)).toEqual(['Read error message', 'Deployment stopped']);
  });

  it('fails when an alarm does not exist, before any write', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();

    // Act
    const run = await deployer.run({ ...canary, alarms: ['orders-errors', 'orders-latency'] }, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AlarmNotFound');
    expect(run.cause).toBe('Alarms not found (neither metric nor composite): orders-latency');
    expect(aws.writes()).toEqual([]);
    expect(aws.aliasRouting('live')).toEqual([route(v1, 100)]);
  });

  it('fails when an alarm is already in ALARM, before any write', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();
    aws.alarmGoes('orders-errors', 'ALARM', -600);

    // Act
    const run = await deployer.run(canary, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AlarmAlreadyFiring');
    expect(run.cause).toContain('orders-errors (ALARM)');
    expect(aws.writes()).toEqual([]);
  });

  it('fails when the alias is split by an earlier deployment and force is not set', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();
    aws.setAlias('live', [route(v1, 80), route(v2, 20)]);

    // Act
    const run = await deployer.run(canary, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentInProgress');
    expect(run.cause).toContain('Alias live is split [orders:1 = 80%, orders:2 = 20%]');
    expect(run.cause).toContain('Set force to take it over');
    expect(aws.writes()).toEqual([]);
    expect(aws.aliasRouting('live')).toEqual([route(v1, 80), route(v2, 20)]);
  });

  it('fails when the target state machine does not exist', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();

    // Act
    const run = await deployer.run({ ...canary, stateMachine: 'payments' }, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('StateMachineNotFound');
    expect(run.cause).toBe(
      'State machine arn:aws:states:us-east-1:123456789012:stateMachine:payments does not exist',
    );
    expect(aws.writes()).toEqual([]);
  });

  it('fails when the version to deploy does not exist', async () => {
    // Arrange
    const aws = ordersReadyToDeploy();

    // Act
    const run = await deployer.run({ ...canary, version: 9 }, aws);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('VersionNotFound');
    expect(run.cause).toContain('orders:9 does not exist');
    expect(aws.writes()).toEqual([]);
  });
});
