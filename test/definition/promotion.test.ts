/**
 * The synthesized deployer on the local cloud, its real Lambdas calling the
 * cloud's Step Functions and CloudWatch as their roles: deployments that end
 * with the new version serving all traffic.
 */
import { DefinitionCloud, type DeployerRun, route } from './deployer-run';

let cloud: DefinitionCloud;
beforeAll(async () => {
  cloud = await DefinitionCloud.start();
});
afterAll(async () => {
  await cloud.stop();
});

/** The alarm reads and alias writes, in order, as `Operation@seconds`. */
function pollsAndShifts(run: DeployerRun): string[] {
  return run.calls
    .filter((call) => call.operation === 'DescribeAlarms' || call.operation === 'UpdateStateMachineAlias')
    .map((call) => `${call.operation}@${call.at}`);
}

const canary = (stateMachine: string, alarm: string) => ({
  stateMachine,
  alias: 'live',
  strategy: 'canary',
  increment: 10,
  intervalSeconds: 300,
  alarms: [alarm],
  alarmPollingSeconds: 60,
});

describe('a canary deployment', () => {
  it('shifts 10% for one monitored interval, then promotes to a single 100% entry', async () => {
    // Arrange
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const [v1, v2] = [orders.versionArn(1), orders.versionArn(2)];

    // Act
    const run = await orders.deploy(canary(orders.name, alarm));

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      outcome: 'PROMOTED',
      stateMachineArn: orders.arn,
      aliasArn: orders.aliasArn('live'),
      fromVersionArn: v1,
      toVersionArn: v2,
      timeline: [
        { at: run.at(0), weight: 10 },
        { at: run.at(300), weight: 100 },
      ],
      prunedVersionArns: [],
    });
    expect(run.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 10), route(v1, 90)] },
      { at: 300, routing: [route(v2, 100)] },
    ]);
    expect(await orders.aliasRouting('live')).toEqual([route(v2, 100)]);
  });

  it('polls the alarms every alarmPollingSeconds and once more at the end of each step', async () => {
    // Arrange
    const { orders, alarm } = await cloud.ordersReadyToDeploy();

    // Act
    const run = await orders.deploy(canary(orders.name, alarm));

    // Assert: the check at publish time, five polls while 10% holds (the last one ends the step),
    // then the final check after the shift to 100%.
    expect(run.timesOf('DescribeAlarms')).toEqual([0, 60, 120, 180, 240, 300, 300]);
    expect(pollsAndShifts(run)).toEqual([
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
      run.calls.filter((call) => call.operation === 'DescribeAlarms').map((call) => call.input),
    ).toContainEqual({
      AlarmNames: [alarm],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      MaxRecords: 100,
    });
  });

  it('retries a throttled alarm check and still promotes', async () => {
    // Arrange: from 30 s on, the alarm reads are throttled long enough for the SDK's
    // retries (8 attempts) to give up twice, so the state machine retries the check.
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const [v1, v2] = [orders.versionArn(1), orders.versionArn(2)];
    orders.failCalls({ operation: 'DescribeAlarms', error: 'ThrottlingException', count: 16 }, 30);

    // Act
    const run = await orders.deploy(canary(orders.name, alarm));

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'PROMOTED', toVersionArn: v2 });
    const checksFrom60 = run.invocations.filter(
      (invocation) => invocation.step === 'check-alarms' && invocation.at >= 60,
    );
    expect(checksFrom60.slice(0, 3).map((invocation) => invocation.error)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      undefined,
    ]);
    expect(
      run.calls.filter((call) => call.operation === 'DescribeAlarms' && call.error === 'ThrottlingException'),
    ).toHaveLength(16);
    expect(run.statesEntered).not.toContain('Roll back');
    // The retries' backoff moves the polls after them off the minute, so the promotion comes a moment late.
    const updates = run.aliasUpdates();
    expect(updates.map((update) => update.routing)).toEqual([
      [route(v2, 10), route(v1, 90)],
      [route(v2, 100)],
    ]);
    expect(updates[0]?.at).toBe(0);
    expect(updates[1]?.at).toBeGreaterThanOrEqual(300);
    expect(updates[1]?.at).toBeLessThan(360);
  });
});

describe('an all-at-once deployment', () => {
  it('routes 100% to the new version at once and then watches one interval', async () => {
    // Arrange
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const [v1, v2] = [orders.versionArn(1), orders.versionArn(2)];

    // Act
    const run = await orders.deploy({
      stateMachine: orders.name,
      alias: 'live',
      strategy: 'allAtOnce',
      intervalSeconds: 120,
      alarms: [alarm],
      alarmPollingSeconds: 60,
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: v1,
      toVersionArn: v2,
      timeline: [{ at: run.at(0), weight: 100 }],
    });
    expect(run.aliasUpdates()).toEqual([{ at: 0, routing: [route(v2, 100)] }]);
    expect(pollsAndShifts(run)).toEqual([
      'DescribeAlarms@0',
      'UpdateStateMachineAlias@0',
      'DescribeAlarms@60',
      'DescribeAlarms@120',
    ]);
  });
});

describe('taking over a split alias with force', () => {
  it('holds the current weight for one monitored interval before going on, never straight to 100%', async () => {
    // Arrange: an earlier deployment of version 2 stopped at 30%.
    const orders = await cloud.orders({
      versions: 2,
      aliases: {
        live: [
          [2, 30],
          [1, 70],
        ],
      },
    });
    const alarm = await orders.addAlarm();
    const [v1, v2] = [orders.versionArn(1), orders.versionArn(2)];

    // Act
    const run = await orders.deploy({ ...canary(orders.name, alarm), force: true });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'PROMOTED', fromVersionArn: v1, toVersionArn: v2 });
    expect(run.aliasUpdates()).toEqual([
      { at: 0, routing: [route(v2, 30), route(v1, 70)] },
      { at: 300, routing: [route(v2, 100)] },
    ]);
    expect(run.timesOf('DescribeAlarms')).toEqual([0, 60, 120, 180, 240, 300, 300]);
  });
});

describe('choosing the version to deploy', () => {
  it('creates a missing alias at 100% on the first deploy, with nothing to roll back to', async () => {
    // Arrange
    const orders = await cloud.orders({ versions: 1 });
    const v1 = orders.versionArn(1);

    // Act
    const run = await orders.deploy({
      stateMachine: orders.name,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'CREATED_ALIAS',
      fromVersionArn: null,
      toVersionArn: v1,
      timeline: [{ at: run.at(0), weight: 100 }],
    });
    expect(run.writes().map((write) => write.operation)).toEqual(['CreateStateMachineAlias']);
    expect(run.writes()[0]?.input).toEqual({
      name: 'live',
      routingConfiguration: [route(v1, 100)],
    });
    expect(await orders.aliasRouting('live')).toEqual([route(v1, 100)]);
    expect(run.statesEntered).not.toContain('Shift weight');
  });

  it('changes nothing when the alias already routes everything to the version', async () => {
    // Arrange
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const v2 = orders.versionArn(2);
    await orders.setAlias('live', [route(v2, 100)]);

    // Act
    const run = await orders.deploy(canary(orders.name, alarm));

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'NO_CHANGE',
      fromVersionArn: v2,
      toVersionArn: v2,
      timeline: [],
    });
    expect(run.writes()).toEqual([]);
    expect(await orders.aliasRouting('live')).toEqual([route(v2, 100)]);
  });

  it('uploads a definition and publishes exactly that revision before shifting', async () => {
    // Arrange
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const definition = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };

    // Act
    const run = await orders.deploy({ ...canary(orders.name, alarm), definition, increment: 100 });

    // Assert
    const v3 = orders.versionArn(3);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      outcome: 'PROMOTED',
      fromVersionArn: orders.versionArn(1),
      toVersionArn: v3,
    });
    expect(run.writes().map((write) => write.operation)).toEqual([
      'UpdateStateMachine',
      'PublishStateMachineVersion',
      'UpdateStateMachineAlias',
    ]);
    expect(run.writes()[0]?.input).toEqual({
      stateMachineArn: orders.arn,
      definition: JSON.stringify(definition),
    });
    expect(await orders.aliasRouting('live')).toEqual([route(v3, 100)]);
  });

  it('deploys the latest revision when publishRevision is set', async () => {
    // Arrange: the owner changed the target after publishing version 2.
    const { orders, alarm } = await cloud.ordersReadyToDeploy();
    const latest = await orders.updateDefinition();

    // Act
    const run = await orders.deploy({ ...canary(orders.name, alarm), publishRevision: true, increment: 100 });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ outcome: 'PROMOTED', toVersionArn: orders.versionArn(3) });
    expect(run.writes()[0]).toMatchObject({
      operation: 'PublishStateMachineVersion',
      input: { revisionId: latest },
    });
  });
});
