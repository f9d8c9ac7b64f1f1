/**
 * The synthesized deployer on the local cloud, its real Lambdas calling the
 * cloud's Step Functions and CloudWatch as their roles: requests the deployer
 * turns down before it changes anything.
 */
import { DefinitionCloud, route } from './deployer-run';

let cloud: DefinitionCloud;
beforeAll(async () => {
  cloud = await DefinitionCloud.start();
});
afterAll(async () => {
  await cloud.stop();
});

const canary = (stateMachine: string, alarms: string[]) => ({
  stateMachine,
  alias: 'live',
  strategy: 'canary',
  increment: 10,
  intervalSeconds: 300,
  alarms,
});

describe('rejecting a deployment before any change', () => {
  it('fails when the request is invalid, naming every bad field, without calling AWS', async () => {
    // Arrange
    const { orders } = await cloud.ordersReadyToDeploy();

    // Act
    const run = await orders.deploy({
      stateMachine: orders.name,
      alias: 'live',
      strategy: 'blue',
      increment: 0,
    });

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidDeployRequest');
    expect(run.cause).toContain(
      `strategy must be one of canary, linear, allAtOnce or CodeDeploy's Canary10Percent5Minutes, Canary10Percent10Minutes, Canary10Percent15Minutes, Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes, Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes, AllAtOnce (also written CodeDeployDefault.Lambda<name>), got: "blue"`,
    );
    expect(run.cause).toContain('increment must be an integer between 1 and 100, got: 0');
    expect(run.cause).not.toContain('errorType');
    expect(run.calls).toEqual([]);
    expect(run.invocations.map((invocation) => invocation.step)).toEqual(['publish-version']);
    expect(run.statesEntered.slice(-2)).toEqual(['Read error message', 'Deployment stopped']);
  });

  it('fails when an alarm does not exist, before any write', async () => {
    // Arrange
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const missing = `${orders.name}-latency`;

    // Act
    const run = await orders.deploy(canary(orders.name, [alarm, missing]));

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AlarmNotFound');
    expect(run.cause).toBe(`Alarms not found (neither metric nor composite): ${missing}`);
    expect(run.writes()).toEqual([]);
    expect(await orders.aliasRouting('live')).toEqual([route(orders.versionArn(1), 100)]);
  });

  it('fails when an alarm is already in ALARM, before any write', async () => {
    // Arrange: an alarm that is genuinely firing (a state set by hand would last one evaluation).
    const orders = await cloud.orders({ versions: 2, aliases: { live: 1 } });
    const firing = await orders.addAlarm('ALARM');

    // Act
    const run = await orders.deploy(canary(orders.name, [firing]));

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AlarmAlreadyFiring');
    expect(run.cause).toContain(`${firing} (ALARM)`);
    expect(run.writes()).toEqual([]);
  });

  it('fails when the alias is split by an earlier deployment and force is not set', async () => {
    // Arrange
    const orders = await cloud.orders({
      versions: 2,
      aliases: {
        live: [
          [1, 80],
          [2, 20],
        ],
      },
    });
    const alarm = await orders.addAlarm();

    // Act
    const run = await orders.deploy(canary(orders.name, [alarm]));

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentInProgress');
    expect(run.cause).toContain(`Alias live is split [${orders.name}:1 = 80%, ${orders.name}:2 = 20%]`);
    expect(run.cause).toContain('Set force to take it over');
    expect(run.writes()).toEqual([]);
    expect(await orders.aliasRouting('live')).toEqual([
      route(orders.versionArn(1), 80),
      route(orders.versionArn(2), 20),
    ]);
  });

  it('fails when the target state machine does not exist', async () => {
    // Arrange
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const missing = `${orders.name}-payments`;

    // Act
    const run = await orders.deploy(canary(missing, [alarm]));

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('StateMachineNotFound');
    expect(run.cause).toBe(
      `State machine arn:aws:states:us-east-1:123456789012:stateMachine:${missing} does not exist`,
    );
    expect(run.writes()).toEqual([]);
  });

  it('fails when the version to deploy does not exist', async () => {
    // Arrange
    const { orders, alarm } = await cloud.ordersReadyToDeploy();

    // Act
    const run = await orders.deploy({ ...canary(orders.name, [alarm]), version: 9 });

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('VersionNotFound');
    expect(run.cause).toContain(`${orders.name}:9 does not exist`);
    expect(run.writes()).toEqual([]);
  });
});
