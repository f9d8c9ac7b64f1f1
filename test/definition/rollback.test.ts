/**
 * The synthesized deployer on the local cloud, its real Lambdas calling the
 * cloud's Step Functions and CloudWatch as their roles: deployments that stop,
 * and what they leave the alias routing. Alarm events wake the loop, so an
 * alarm rolls back within seconds rather than at the next poll.
 */
import { DefinitionCloud, route } from './deployer-run';

let cloud: DefinitionCloud;
beforeAll(async () => {
  cloud = await DefinitionCloud.start();
});
afterAll(async () => {
  await cloud.stop();
});

const linear = (stateMachine: string, alarms: string[]) => ({
  stateMachine,
  alias: 'live',
  strategy: 'linear',
  increment: 25,
  intervalSeconds: 120,
  alarms,
  alarmPollingSeconds: 60,
});

const canary = (stateMachine: string, alarms: string[]) => ({
  ...linear(stateMachine, alarms),
  strategy: 'canary',
  increment: 10,
  intervalSeconds: 300,
});

describe('rolling back on an alarm', () => {
  it('rolls back a linear deployment when an alarm goes to ALARM mid-way', async () => {
    // Arrange
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const [v1, v2] = [orders.versionArn(1), orders.versionArn(2)];
    orders.alarmGoes(
      alarm,
      'ALARM',
      200,
      'Threshold Crossed: 3 datapoints were greater than the threshold (1.0)',
    );

    // Act
    const run = await orders.deploy(linear(orders.name, [alarm]));

    // Assert: the alarm's event woke the wait at 200 s.
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(`${alarm} is ALARM: Threshold Crossed`);
    expect(run.cause).toContain(`to ${orders.name}:1 (100%) from ${orders.name}:2 at 50%`);
    expect(run.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 25), route(v1, 75)] },
      { at: 120, routing: [route(v2, 50), route(v1, 50)] },
      { at: 200, routing: [route(v1, 100)] },
    ]);
    expect(await orders.aliasRouting('live')).toEqual([route(v1, 100)]);
  });

  it('rolls back when an alarm flapped to ALARM and back to OK between two polls', async () => {
    // Arrange: the alarm's events are lost, so the polls at 60 s and 120 s both see OK; history has the blip.
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const [v1, v2] = [orders.versionArn(1), orders.versionArn(2)];
    orders.loseAlarmEvents();
    orders.alarmGoes(alarm, 'ALARM', 70, 'Threshold Crossed: 1 datapoint was greater than the threshold');
    orders.alarmGoes(alarm, 'OK', 90, 'Threshold Crossed: back under the threshold');

    // Act
    const run = await orders.deploy(canary(orders.name, [alarm]));

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(`${alarm} was ALARM at ${run.at(70)}`);
    expect(run.timesOf('DescribeAlarmHistory')).toEqual([120]);
    expect(run.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 10), route(v1, 90)] },
      { at: 120, routing: [route(v1, 100)] },
    ]);
    expect(await orders.aliasRouting('live')).toEqual([route(v1, 100)]);
  });

  it('rolls back when a composite alarm goes to ALARM', async () => {
    // Arrange: the deployment watches the quiet alarm and a composite of another one.
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const [v1, v2] = [orders.versionArn(1), orders.versionArn(2)];
    const child = await orders.addAlarm();
    const composite = await orders.addCompositeAlarm(child);
    orders.alarmGoes(child, 'ALARM', 30, 'Latency over the threshold');

    // Act
    const run = await orders.deploy(canary(orders.name, [alarm, composite]));

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(`${composite} is ALARM`);
    expect(run.cause).not.toContain(`${alarm} is`);
    expect(run.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 10), route(v1, 90)] },
      { at: 30, routing: [route(v1, 100)] },
    ]);
  });
});

describe('rolling back on an error', () => {
  it('rolls back when a step fails after the first shift, naming the error', async () => {
    // Arrange: from 1 s on, the alarm check's role may no longer read the alarms.
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const [v1, v2] = [orders.versionArn(1), orders.versionArn(2)];
    orders.deny('check-alarms', 'cloudwatch:DescribeAlarms', 1);

    // Act
    const run = await orders.deploy(canary(orders.name, [alarm]));

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toContain(`from ${orders.name}:2 at 10%: error AccessDeniedException: User: `);
    expect(run.cause).toContain('is not authorized to perform: cloudwatch:DescribeAlarms');
    expect(run.statesEntered.slice(-3)).toEqual(['Roll back', 'Rolled back?', 'Deployment rolled back']);
    expect(run.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 10), route(v1, 90)] },
      { at: 60, routing: [route(v1, 100)] },
    ]);
    expect(await orders.aliasRouting('live')).toEqual([route(v1, 100)]);
  });

  it('fails when the rollback itself keeps failing, after retrying it', async () => {
    // Arrange: an alarm fires, and from 1 s on every alias write fails with a 5xx (a transient error,
    // retried by the SDK and then by the state machine).
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    orders.alarmGoes(alarm, 'ALARM', 30);
    orders.failCalls({ operation: 'UpdateStateMachineAlias', error: 'InternalFailure', count: 10_000 }, 1);

    // Act
    const run = await orders.deploy(canary(orders.name, [alarm]));

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InternalFailure');
    expect(run.cause).toContain('The request processing has failed because of an unknown error');
    const rollbacks = run.invocations.filter((invocation) => invocation.step === 'rollback');
    expect(rollbacks).toHaveLength(11);
    expect(rollbacks.every((invocation) => invocation.error === 'InternalFailure')).toBe(true);
    expect(run.statesEntered.at(-1)).toBe('Rollback failed');
  });
});

describe('someone else changing the alias', () => {
  it('fails when the alias drifts between polls, leaving their routing alone', async () => {
    // Arrange: at 90 s someone routes everything to version 3.
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const v3 = await orders.publishVersion();
    orders.aliasChangedBySomeoneElse('live', [route(v3, 100)], 90);

    // Act
    const run = await orders.deploy({ ...canary(orders.name, [alarm]), version: 2 });

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('AliasDrift');
    expect(run.cause).toContain(
      `expected [${orders.name}:2 = 10%, ${orders.name}:1 = 90%], found [${orders.name}:3 = 100%]`,
    );
    expect(run.writes().map((write) => `${write.operation}@${write.at}`)).toEqual([
      'UpdateStateMachineAlias@0',
    ]);
    expect(await orders.aliasRouting('live')).toEqual([route(v3, 100)]);
    expect(run.statesEntered).not.toContain('Roll back');
  });
});
