import {
  DescribeStateMachineAliasCommand,
  ResourceNotFound,
  SFNClient,
  UpdateStateMachineAliasCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeployerState } from '../../lambda/shared/deployment';
import type { RoutingEntry } from '../../lambda/shared/routing';
import { shiftWeight } from '../../lambda/shift-weight';
import { ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, T0, throttling, version } from './fixtures';
import { FakeDeploymentLock } from './fake-lock';

const sfnMock = mockClient(SFNClient);
const deps = () => ({
  sfn: new SFNClient({}),
  lock: FakeDeploymentLock.holding({
    aliasArn: ALIAS_ARN,
    owner: EXECUTION_ARN,
    acquiredAt: T0.toISOString(),
    originVersionArn: version(2),
    targetVersionArn: version(3),
  }),
  sleep: async () => undefined,
});

function givenAliasRoutes(routing: RoutingEntry[]): void {
  sfnMock
    .on(DescribeStateMachineAliasCommand)
    .resolves({ stateMachineAliasArn: ALIAS_ARN, name: 'live', routingConfiguration: routing });
  sfnMock.on(UpdateStateMachineAliasCommand).resolves({ updateDate: T0 });
}

/** A linear 10% deployment of orders:3 over orders:2, holding 300 s per step and polling every 60 s. */
function linearAt(stepIndex: number, routing: RoutingEntry[]): DeployerState {
  return loopState(
    { strategy: 'linear', increment: 10, intervalSeconds: 300, alarmPollingSeconds: 60 },
    { stepIndex, routing },
  );
}

beforeEach(() => {
  sfnMock.reset();
});

describe('shift-weight', () => {
  it('routes the first step to the target and the rest to the origin', async () => {
    // Arrange
    givenAliasRoutes([entry(version(2), 100)]);
    const state = linearAt(0, [entry(version(2), 100)]);

    // Act
    await shiftWeight({ state, now: T0.toISOString() }, deps());

    // Assert
    expect(sfnMock).toHaveReceivedCommandTimes(UpdateStateMachineAliasCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
      stateMachineAliasArn: ALIAS_ARN,
      routingConfiguration: [
        { stateMachineVersionArn: version(3), weight: 10 },
        { stateMachineVersionArn: version(2), weight: 90 },
      ],
    });
  });

  it('routes a middle step by its weight', async () => {
    givenAliasRoutes([entry(version(3), 40), entry(version(2), 60)]);
    const state = linearAt(4, [entry(version(3), 40), entry(version(2), 60)]);

    await shiftWeight({ state, now: T0.toISOString() }, deps());

    expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
      stateMachineAliasArn: ALIAS_ARN,
      routingConfiguration: [
        { stateMachineVersionArn: version(3), weight: 50 },
        { stateMachineVersionArn: version(2), weight: 50 },
      ],
    });
  });

  it('writes a single entry for the target at 100%', async () => {
    givenAliasRoutes([entry(version(3), 90), entry(version(2), 10)]);
    const state = linearAt(9, [entry(version(3), 90), entry(version(2), 10)]);

    await shiftWeight({ state, now: T0.toISOString() }, deps());

    const update = sfnMock.commandCalls(UpdateStateMachineAliasCommand)[0]!.args[0].input;
    expect(update.routingConfiguration).toEqual([{ stateMachineVersionArn: version(3), weight: 100 }]);
  });

  it('records the shift at the time the state machine gives, and holds the step from then', async () => {
    // Arrange
    givenAliasRoutes([entry(version(2), 100)]);
    const state = linearAt(0, [entry(version(2), 100)]);

    // Act
    const next = await shiftWeight(
      { state, now: at(15) },
      { ...deps(), clock: () => new Date('2000-01-01T00:00:00Z') },
    );

    // Assert
    expect(next.deployment).toMatchObject({
      routing: [entry(version(3), 10), entry(version(2), 90)],
      timeline: [{ at: at(15), weight: 10 }],
      stepEndsAt: at(15 + 300),
      waitSeconds: 60,
      next: 'POLL',
      stepIndex: 0,
    });
  });

  it('waits the hold time when it is shorter than the polling period', async () => {
    givenAliasRoutes([entry(version(2), 100)]);
    const state = loopState({
      strategy: 'linear',
      increment: 50,
      intervalSeconds: 30,
      alarmPollingSeconds: 60,
    });

    const next = await shiftWeight({ state, now: T0.toISOString() }, deps());

    expect(next.deployment).toMatchObject({ waitSeconds: 30, stepEndsAt: at(30) });
  });

  it('asks for no wait after the final shift of a canary, which holds 0 s', async () => {
    givenAliasRoutes([entry(version(3), 10), entry(version(2), 90)]);
    const state = loopState(
      { strategy: 'canary', increment: 10, intervalSeconds: 300 },
      { stepIndex: 1, routing: [entry(version(3), 10), entry(version(2), 90)] },
    );

    const next = await shiftWeight({ state, now: T0.toISOString() }, deps());

    // The state machine checks at once (Hold this step?): a token wait's timeout must be at least 1 s.
    expect(next.deployment).toMatchObject({ waitSeconds: 0, stepEndsAt: T0.toISOString(), next: 'POLL' });
  });

  it('appends to the timeline without changing its input', async () => {
    givenAliasRoutes([entry(version(3), 10), entry(version(2), 90)]);
    const state = linearAt(1, [entry(version(3), 10), entry(version(2), 90)]);
    state.deployment!.timeline.push({ at: T0.toISOString(), weight: 10 });
    const before = structuredClone(state);

    const next = await shiftWeight({ state, now: at(300) }, deps());

    expect(next.deployment?.timeline).toEqual([
      { at: T0.toISOString(), weight: 10 },
      { at: at(300), weight: 20 },
    ]);
    expect(state).toEqual(before);
  });

  it('fails when the alias was changed by someone else, naming what it found, and writes nothing', async () => {
    // Arrange
    givenAliasRoutes([entry(version(4), 100)]);
    const state = linearAt(1, [entry(version(3), 10), entry(version(2), 90)]);

    // Act
    const rejection = shiftWeight({ state, now: at(300) }, deps());

    // Assert
    await expect(rejection).rejects.toMatchObject({
      name: 'AliasDrift',
      message: expect.stringContaining('found [orders:4 = 100%]'),
    });
    expect(sfnMock).not.toHaveReceivedCommand(UpdateStateMachineAliasCommand);
  });

  it('names the routing it expected when it fails on drift', async () => {
    givenAliasRoutes([entry(version(3), 50), entry(version(2), 50)]);
    const state = linearAt(1, [entry(version(3), 10), entry(version(2), 90)]);

    await expect(shiftWeight({ state, now: at(300) }, deps())).rejects.toThrow(
      'expected [orders:3 = 10%, orders:2 = 90%]',
    );
  });

  it('repeats a shift that was already written without calling it drift', async () => {
    // The first attempt wrote 20% but its response was lost; the state still says 10%.
    givenAliasRoutes([entry(version(2), 80), entry(version(3), 20)]);
    const state = linearAt(1, [entry(version(3), 10), entry(version(2), 90)]);

    const next = await shiftWeight({ state, now: at(300) }, deps());

    expect(sfnMock).toHaveReceivedCommandWith(UpdateStateMachineAliasCommand, {
      routingConfiguration: [
        { stateMachineVersionArn: version(3), weight: 20 },
        { stateMachineVersionArn: version(2), weight: 80 },
      ],
    });
    expect(next.deployment?.routing).toEqual([entry(version(3), 20), entry(version(2), 80)]);
  });

  it('does not call a 0% entry left by other tools drift', async () => {
    givenAliasRoutes([entry(version(3), 0), entry(version(2), 100)]);
    const state = linearAt(0, [entry(version(2), 100)]);

    await shiftWeight({ state, now: T0.toISOString() }, deps());

    expect(sfnMock).toHaveReceivedCommandTimes(UpdateStateMachineAliasCommand, 1);
  });

  it('fails when the alias was deleted during the deployment', async () => {
    sfnMock.on(DescribeStateMachineAliasCommand).rejects(
      new ResourceNotFound({
        message: 'Request references a resource that does not exist.',
        $metadata: {},
      }),
    );
    const state = linearAt(1, [entry(version(3), 10), entry(version(2), 90)]);

    const rejection = shiftWeight({ state, now: at(300) }, deps());

    await expect(rejection).rejects.toMatchObject({
      name: 'AliasDrift',
      message: expect.stringContaining('was deleted'),
    });
    expect(sfnMock).not.toHaveReceivedCommand(UpdateStateMachineAliasCommand);
  });

  it('lets a throttling error through for the state machine to retry', async () => {
    givenAliasRoutes([entry(version(2), 100)]);
    sfnMock.on(UpdateStateMachineAliasCommand).rejects(throttling());

    await expect(
      shiftWeight({ state: linearAt(0, [entry(version(2), 100)]), now: T0.toISOString() }, deps()),
    ).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });

  it('fails when called past the last step', async () => {
    givenAliasRoutes([entry(version(3), 100)]);

    await expect(
      shiftWeight({ state: linearAt(10, [entry(version(3), 100)]), now: T0.toISOString() }, deps()),
    ).rejects.toThrow('No step 10 in a plan of 10 steps');
  });
});
