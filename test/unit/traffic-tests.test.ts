import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  DescribeStateMachineAliasCommand,
  ExecutionAlreadyExists,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import type { DeployerState, Deployment } from '../../lambda/shared/deployment';
import type { LifecycleEvent } from '../../lambda/shared/lifecycle';
import {
  judgeTest,
  matchesPartially,
  testExecutionName,
  type TrafficTest,
} from '../../lambda/shared/traffic-tests';
import { runTrafficTests } from '../../lambda/traffic-tests';
import { FakeDeploymentLock } from './fake-lock';
import { ACCOUNT, ALIAS_ARN, at, entry, EXECUTION_ARN, loopState, T0, version } from './fixtures';

const sfnMock = mockClient(SFNClient);
const lambdaMock = mockClient(LambdaClient);
const cloudWatchMock = mockClient(CloudWatchClient);
const HOOK_FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:orders-smoke`;

/** A Lambda answer's payload as the SDK types it. */
const payload = (text: string) => Buffer.from(text) as unknown as InvokeCommandOutput['Payload'];

let lock: FakeDeploymentLock;
let published: LifecycleEvent[];
const deps = (hooks: string[] = []) => ({
  sfn: new SFNClient({}),
  lambda: new LambdaClient({}),
  cloudWatch: new CloudWatchClient({}),
  lock,
  hooks,
  lifecycle: { put: async (events: readonly LifecycleEvent[]) => void published.push(...events) },
});

const TESTS = [
  { name: 'accepts type A', input: { type: 'A' }, expect: { status: 'SUCCEEDED', output: { ok: true } } },
  { name: 'rejects type B', input: { type: 'B' }, expect: { status: 'FAILED', error: 'InvalidOrderType' } },
];
const execution = (index: number, phase: 'pre' | 'post' = 'pre') =>
  `arn:aws:states:us-east-1:${ACCOUNT}:execution:orders:${phase}-${index}-${testExecutionName('preTraffic', 0, EXECUTION_ARN).split('-')[2]}`;

function preState(request: Record<string, unknown> = {}, deployment: Partial<Deployment> = {}) {
  return loopState(
    { strategy: 'canary', increment: 10, intervalSeconds: 300, preTraffic: { tests: TESTS }, ...request },
    { next: 'PRE_TRAFFIC', ...deployment },
  );
}

function postState(request: Record<string, unknown> = {}, deployment: Partial<Deployment> = {}) {
  return loopState(
    { strategy: 'allAtOnce', postTraffic: { tests: TESTS, timeoutSeconds: 60 }, ...request },
    {
      next: 'VERIFY',
      routing: [entry(version(3), 100)],
      timeline: [{ at: at(0), weight: 100 }],
      ...deployment,
    },
  );
}

/** Both tests end at once: A with `outputA`, B FAILED with `errorB`. */
function executionsEnd(
  outputA = '{"ok":true,"extra":1}',
  errorB = 'InvalidOrderType',
  phase: 'pre' | 'post' = 'pre',
) {
  sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
    executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:orders:${input.name}`,
  }));
  sfnMock
    .on(DescribeExecutionCommand, { executionArn: execution(0, phase) })
    .resolves({ status: 'SUCCEEDED', output: outputA });
  sfnMock
    .on(DescribeExecutionCommand, { executionArn: execution(1, phase) })
    .resolves({ status: 'FAILED', error: errorB, cause: 'rejects this type' });
}

beforeEach(() => {
  sfnMock.reset();
  lambdaMock.reset();
  cloudWatchMock.reset();
  published = [];
  lock = FakeDeploymentLock.holding({
    aliasArn: ALIAS_ARN,
    owner: EXECUTION_ARN,
    acquiredAt: T0.toISOString(),
    originVersionArn: version(2),
    targetVersionArn: version(3),
  });
});

describe('matchesPartially', () => {
  it('matches every key given, recursively, and ignores the rest', () => {
    expect(matchesPartially({ a: 1, b: { c: [1, 2], d: 'x' }, e: null }, { b: { c: [1, 2] } })).toBe(true);
  });

  it('fails when a value differs, a key is missing, or an array differs at all', () => {
    expect(matchesPartially({ a: 1 }, { a: 2 })).toBe(false);
    expect(matchesPartially({ a: 1 }, { b: undefined })).toBe(false);
    expect(matchesPartially({ a: [1, 2, 3] }, { a: [1, 2] })).toBe(false);
    expect(matchesPartially('text', { a: 1 })).toBe(false);
  });
});

describe('judgeTest', () => {
  const test: TrafficTest = { name: 'n', input: {}, expect: { status: 'SUCCEEDED', output: { ok: true } } };

  it('says what was expected and what happened, with an excerpt of the output', () => {
    expect(judgeTest(test, { status: 'SUCCEEDED', output: '{"ok":false}' })).toBe(
      'test "n" expected output matching {"ok":true}, got: status SUCCEEDED, output {"ok":false}',
    );
  });

  it('cuts a long output to an excerpt', () => {
    const message = judgeTest(test, {
      status: 'SUCCEEDED',
      output: JSON.stringify({ big: 'x'.repeat(5000) }),
    });
    expect(message!.length).toBeLessThan(500);
  });
});

describe('traffic-tests', () => {
  it('starts each test on the new version by its version ARN, under a name a retry repeats, and polls', async () => {
    // Arrange
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: execution(0) });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const state = await runTrafficTests(
      { state: preState(), now: at(0), executionArn: EXECUTION_ARN },
      deps(),
    );

    // Assert
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 2);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: version(3),
      name: testExecutionName('preTraffic', 1, EXECUTION_ARN),
      input: '{"type":"B"}',
    });
    expect(state.deployment).toMatchObject({ next: 'PRE_TRAFFIC', waitSeconds: 5 });
    expect(state.deployment!.trafficTests).toMatchObject({ phase: 'preTraffic', startedAt: at(0) });
    expect(lock.held.has(ALIAS_ARN)).toBe(true);
  });

  it('passes when every test ends as expected, then shifts', async () => {
    // Arrange
    executionsEnd();

    // Act
    const state = await runTrafficTests({ state: preState(), now: at(0) }, deps());

    // Assert
    expect(state.deployment!.next).toBe('SHIFT');
    expect(state.deployment!.trafficTests).toBeUndefined();
    expect(published.map((event) => event.detailType)).toEqual(['Pre-Traffic Tests Passed']);
    expect(sfnMock).not.toHaveReceivedCommand(StopExecutionCommand);
  });

  it('fails when a test ends with another status, freeing the alias with nothing shifted', async () => {
    // Arrange: type B was accepted.
    executionsEnd();
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: execution(1) })
      .resolves({ status: 'SUCCEEDED', output: '{"accepted":true}' });

    // Act
    const result = runTrafficTests({ state: preState(), now: at(0) }, deps());

    // Assert
    await expect(result).rejects.toMatchObject({
      name: 'PreTrafficTestFailed',
      message: expect.stringContaining(
        'test "rejects type B" expected status FAILED and error InvalidOrderType, got: status SUCCEEDED, output {"accepted":true}',
      ),
    });
    expect(lock.held.has(ALIAS_ARN)).toBe(false);
    expect(lock.released).toMatchObject([{ status: 'FAILED', error: 'PreTrafficTestFailed' }]);
    expect(published.map((event) => event.detailType)).toEqual(['Pre-Traffic Tests Failed']);
  });

  it('fails when the output does not match', async () => {
    executionsEnd('{"ok":false}');

    await expect(runTrafficTests({ state: preState(), now: at(0) }, deps())).rejects.toMatchObject({
      message: expect.stringContaining('test "accepts type A" expected output matching {"ok":true}'),
    });
  });

  it('fails when the error name differs', async () => {
    executionsEnd(undefined, 'States.TaskFailed');

    await expect(runTrafficTests({ state: preState(), now: at(0) }, deps())).rejects.toMatchObject({
      message: expect.stringContaining(
        'expected error InvalidOrderType, got: status FAILED, error States.TaskFailed',
      ),
    });
  });

  it('fails at the timeout, stopping the tests still running', async () => {
    // Arrange: started at 0, still running at 301 s of a 300 s timeout.
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const state = preState(
      {},
      {
        trafficTests: {
          phase: 'preTraffic',
          startedAt: at(0),
          running: { '0': execution(0), '1': execution(1) },
          passed: [],
        },
      },
    );

    // Act
    const result = runTrafficTests({ state, now: at(301) }, deps());

    // Assert
    await expect(result).rejects.toMatchObject({
      name: 'PreTrafficTestFailed',
      message: expect.stringContaining('"accepts type A", "rejects type B" did not finish within 300 s'),
    });
    expect(sfnMock).toHaveReceivedCommandTimes(StopExecutionCommand, 2);
    expect(sfnMock).not.toHaveReceivedCommand(StartExecutionCommand);
  });

  it('finds the executions a retried step already started, without starting more', async () => {
    // Arrange: the first try started them and they ended; the retry's StartExecution is refused.
    executionsEnd();
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    // Act
    const state = await runTrafficTests({ state: preState(), now: at(0) }, deps());

    // Assert
    expect(state.deployment!.next).toBe('SHIFT');
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: execution(1) });
  });

  it('invokes a declared hook Lambda with the deployment, and passes when it returns', async () => {
    // Arrange
    lambdaMock.on(InvokeCommand).resolves({ StatusCode: 200, Payload: payload('"ok"') });
    const state = preState({ preTraffic: { hook: HOOK_FUNCTION } });

    // Act
    const next = await runTrafficTests({ state, now: at(0) }, deps([HOOK_FUNCTION]));

    // Assert
    expect(next.deployment!.next).toBe('SHIFT');
    const sent = JSON.parse(
      Buffer.from(lambdaMock.commandCalls(InvokeCommand)[0]!.args[0].input.Payload as Uint8Array).toString(),
    );
    expect(sent).toEqual({
      deploymentId: EXECUTION_ARN,
      phase: 'preTraffic',
      stateMachineArn: version(3).replace(/:3$/, ''),
      aliasArn: ALIAS_ARN,
      fromVersionArn: version(2),
      toVersionArn: version(3),
      weight: 0,
    });
    expect(lambdaMock).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: HOOK_FUNCTION,
      InvocationType: 'RequestResponse',
    });
  });

  it('fails when the hook Lambda returns a function error', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload('{"errorType":"SmokeFailed","errorMessage":"checkout is down"}'),
    });
    const state = preState({ preTraffic: { hook: HOOK_FUNCTION } });

    await expect(runTrafficTests({ state, now: at(0) }, deps([HOOK_FUNCTION]))).rejects.toMatchObject({
      name: 'PreTrafficTestFailed',
      message: expect.stringContaining('checkout is down'),
    });
  });

  it('never calls a hook the deployer did not declare', async () => {
    const state = preState({ preTraffic: { hook: HOOK_FUNCTION } });

    await expect(runTrafficTests({ state, now: at(0) }, deps([]))).rejects.toMatchObject({
      message: expect.stringContaining('is not one of the hooks declared on the deployer'),
    });
    expect(lambdaMock).not.toHaveReceivedCommand(InvokeCommand);
  });

  describe('after traffic', () => {
    beforeEach(() => {
      sfnMock.on(DescribeStateMachineAliasCommand).resolves({
        routingConfiguration: [{ stateMachineVersionArn: version(3), weight: 100 }],
      });
    });

    it('records the promotion only when the checks pass', async () => {
      executionsEnd(undefined, undefined, 'post');

      const state = await runTrafficTests({ state: postState(), now: at(10) }, deps());

      expect(state.deployment!.next).toBe('FINISH');
      expect(lock.calls.filter((call) => call.method === 'promote')).toHaveLength(1);
      expect(published.map((event) => event.detailType)).toEqual([
        'Post-Traffic Tests Passed',
        'Deployment Promoted',
      ]);
    });

    it('rolls back when a check fails, naming it, without recording a promotion', async () => {
      executionsEnd('{"ok":false}', undefined, 'post');

      const state: DeployerState = await runTrafficTests({ state: postState(), now: at(10) }, deps());

      expect(state.deployment!.next).toBe('ROLL_BACK');
      expect(state.deployment!.trafficTestFailure).toContain('Post-traffic tests failed on');
      expect(state.deployment!.trafficTestFailure).toContain('test "accepts type A"');
      expect(lock.calls.filter((call) => call.method === 'promote')).toEqual([]);
      expect(published.map((event) => event.detailType)).toEqual(['Post-Traffic Tests Failed']);
    });

    it('rolls back when an alarm fires while the checks run', async () => {
      cloudWatchMock.on(DescribeAlarmsCommand).resolves({
        MetricAlarms: [
          { AlarmName: 'orders-failures', StateValue: 'ALARM', StateReason: 'Threshold crossed' },
        ],
      });
      sfnMock.on(StopExecutionCommand).resolves({});
      const state = postState(
        { alarms: ['orders-failures'] },
        {
          trafficTests: {
            phase: 'postTraffic',
            startedAt: at(0),
            running: { '0': execution(0, 'post') },
            passed: [],
          },
        },
      );

      const next = await runTrafficTests({ state, now: at(10) }, deps());

      expect(next.deployment!.next).toBe('ROLL_BACK');
      expect(next.deployment!.firedAlarms).toEqual(['orders-failures is ALARM: Threshold crossed']);
      expect(sfnMock).toHaveReceivedCommandWith(StopExecutionCommand, { executionArn: execution(0, 'post') });
    });
  });
});

describe('an Express target’s tests', () => {
  const synced = () => sfnMock.commandCalls(StartSyncExecutionCommand).map((call) => call.args[0].input);

  it('run each within StartSyncExecution on the version, in order, and pass in one step', async () => {
    sfnMock
      .on(StartSyncExecutionCommand, { input: '{"type":"A"}' })
      .resolves({ executionArn: 'express-a', status: 'SUCCEEDED', output: '{"ok":true}' })
      .on(StartSyncExecutionCommand, { input: '{"type":"B"}' })
      .resolves({ executionArn: 'express-b', status: 'FAILED', error: 'InvalidOrderType' });

    const next = await runTrafficTests(
      { state: preState({}, { express: true }), now: T0.toISOString() },
      deps(),
    );

    expect(synced()).toEqual([
      { stateMachineArn: version(3), input: '{"type":"A"}' },
      { stateMachineArn: version(3), input: '{"type":"B"}' },
    ]);
    expect(next.deployment?.next).toBe('SHIFT');
    expect(sfnMock.commandCalls(StartExecutionCommand)).toEqual([]);
  });

  it('fail PreTrafficTestFailed on the first test that ends otherwise than expected, naming it', async () => {
    sfnMock
      .on(StartSyncExecutionCommand)
      .resolves({ executionArn: 'express-a', status: 'FAILED', error: 'Boom' });

    await expect(
      runTrafficTests({ state: preState({}, { express: true }), now: T0.toISOString() }, deps()),
    ).rejects.toMatchObject({
      name: 'PreTrafficTestFailed',
      message: expect.stringContaining('accepts type A'),
    });
    expect(synced()).toHaveLength(1);
  });
});
