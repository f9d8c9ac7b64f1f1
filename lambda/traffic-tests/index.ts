/**
 * Tests before traffic and checks after it. Before the first shift
 * (`preTraffic`), and at 100% before the promotion is recorded
 * (`postTraffic`), the request's tests run on the new version by its version
 * ARN, which no alias routes to; or the request's hook is called.
 *
 * Each test is a Standard execution started under a name made from the
 * deployment, so a retried step finds the same executions instead of starting
 * more. One invocation starts them (or calls the hook) and later ones, a Wait
 * apart, describe those still running, until all ended as expected, one did
 * not, or the phase's timeout passed (the rest are then stopped).
 *
 * A failed pre-traffic test ends the deployment `PreTrafficTestFailed`:
 * nothing was shifted, the version stays published, the alias is freed. A
 * failed post-traffic check rolls back, naming it; while the checks run the
 * alarms are still read at every poll. Passing checks record the promotion.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { firedAlarms } from '../check-alarms';
import { isNamed } from '../shared/aws';
import { countEvents, trafficTestEvents, trafficTestPollSeconds } from '../shared/budget';
import {
  createCloudWatchClient,
  createDeploymentLock,
  createHookLambdaClient,
  createLifecycleEvents,
  createSfnClient,
  declaredHooks,
  lazily,
} from '../shared/clients';
import {
  type Clock,
  copyState,
  type DeployerState,
  type Deployment,
  eventTime,
  type LoopEvent,
  systemClock,
  type TrafficTestRun,
} from '../shared/deployment';
import { assertNoDrift, releasingOnDrift } from '../shared/drift';
import { PreTrafficTestFailedError, UnexpectedLoopStateError } from '../shared/errors';
import { DETAIL_TYPES, type LifecycleEvents, LifecycleLog } from '../shared/lifecycle';
import { CAUSE_MAX_CHARS, truncate } from '../shared/limits';
import type { DeploymentLock } from '../shared/lock';
import { logDeployment, logger } from '../shared/logger';
import { recordPromotion } from '../shared/promotion';
import { versionLabel } from '../shared/routing';
import {
  describeEnd,
  executionArnOf,
  isLambdaFunctionArn,
  judgeTest,
  testExecutionName,
  type TrafficPhase,
  type TrafficTest,
  type TrafficTests,
} from '../shared/traffic-tests';

export interface TrafficTestsDeps {
  sfn: SFNClient;
  /** Invokes hook Lambdas and waits for their answer (`createHookLambdaClient`). */
  lambda: LambdaClient;
  /** Reads the alarms while post-traffic checks run. */
  cloudWatch: CloudWatchClient;
  lock: DeploymentLock;
  /** The hooks the deployer construct declared: no other is ever called. */
  hooks: readonly string[];
  clock?: Clock;
  /** Where the Pre-/Post-Traffic Tests Passed/Failed and Deployment Promoted events go. @default none */
  lifecycle?: LifecycleEvents;
}

/** What a hook is told: which deployment, which phase, and which version is under test. */
export interface HookContext {
  deploymentId: string;
  phase: TrafficPhase;
  stateMachineArn: string;
  aliasArn: string;
  fromVersionArn: string;
  toVersionArn: string;
  /** Percent the alias routes to the new version now: 0 before traffic, 100 after. */
  weight: number;
}

const PHASES: Partial<Record<Deployment['next'], TrafficPhase>> = {
  PRE_TRAFFIC: 'preTraffic',
  VERIFY: 'postTraffic',
};
const LABELS: Record<TrafficPhase, string> = { preTraffic: 'Pre-traffic', postTraffic: 'Post-traffic' };

export async function runTrafficTests(event: LoopEvent, deps: TrafficTestsDeps): Promise<DeployerState> {
  const state = copyState(event.state);
  const { deployment, request } = state;
  const phase = PHASES[deployment.next];
  const spec = phase && request[phase];
  if (!phase || !spec) {
    throw new UnexpectedLoopStateError(
      `Traffic tests were called with next ${deployment.next} and ${phase ?? 'no phase'} ${spec ? 'given' : 'not in the request'}`,
    );
  }
  const now = eventTime(event.now, deps.clock ?? systemClock);
  const first = deployment.trafficTests?.phase !== phase;
  countEvents(deployment, event.executionArn, trafficTestEvents(first), event.retries);
  const run: TrafficTestRun = first
    ? { phase, startedAt: now.toISOString(), running: {}, passed: [] }
    : deployment.trafficTests!;
  deployment.trafficTests = run;
  // Proves the lock is still held; after traffic moved, also that nobody else changed the alias.
  await deps.lock.assertHeld(deployment.aliasArn, deployment.owner);
  if (phase === 'postTraffic') {
    await releasingOnDrift(deps.lock, deployment, now, () =>
      assertNoDrift(deps.sfn, deployment.aliasArn, [deployment.routing]),
    );
  }
  const events = new LifecycleLog(deployment);
  const deadline = Date.parse(run.startedAt) + spec.timeoutSeconds * 1000;

  if (phase === 'postTraffic') {
    const fired = await firedAlarms(deps.cloudWatch, {
      names: request.alarms,
      failingStates: request.failOnInsufficientData ? ['ALARM', 'INSUFFICIENT_DATA'] : ['ALARM'],
      since: new Date(deployment.lastCheckedAt),
      watchStartedAt: new Date(deployment.watchStartedAt),
      countAlreadyFiring: !request.ignoreAlarmsAlreadyFiring,
    });
    deployment.lastCheckedAt = now.toISOString();
    if (fired.length > 0) {
      await stopAll(deps.sfn, run, 'an alarm fired during the post-traffic checks');
      deployment.firedAlarms = fired;
      deployment.next = 'ROLL_BACK';
      delete deployment.trafficTests;
      return state;
    }
  }

  const failure = await progress(deps, deployment, phase, spec, run, first, deadline, now);
  if (failure === undefined && Object.keys(run.running).length > 0) {
    // Still running: poll again, no later than the deadline.
    const left = Math.ceil((deadline - now.getTime()) / 1000);
    deployment.waitSeconds = Math.max(1, Math.min(trafficTestPollSeconds(spec.timeoutSeconds), left));
    logger.info('Traffic tests running', { phase, running: Object.keys(run.running), passed: run.passed });
    return state;
  }
  delete deployment.trafficTests;
  const summary = 'tests' in spec ? spec.tests.map((test) => test.name) : [spec.hook];
  if (failure !== undefined) {
    const cause = truncate(
      `${LABELS[phase]} ${'tests' in spec ? 'tests' : 'hook'} failed on ${versionLabel(deployment.targetVersionArn)}: ${failure}`,
      CAUSE_MAX_CHARS,
    );
    logger.warn('Traffic tests failed', { phase, cause });
    if (phase === 'preTraffic') {
      events.add(DETAIL_TYPES.preTrafficFailed, now, { failure: cause });
      await deps.lock.release(deployment.aliasArn, deployment.owner, {
        status: 'FAILED',
        endedAt: now.toISOString(),
        originVersionArn: deployment.originVersionArn,
        targetVersionArn: deployment.targetVersionArn,
        error: 'PreTrafficTestFailed',
        cause: `${cause}; nothing was shifted`,
      });
      await events.flush(deps.lifecycle);
      throw new PreTrafficTestFailedError(
        `${cause}; nothing was shifted: alias ${deployment.aliasArn.split(':').at(-1)} still routes as before, ` +
          `and ${versionLabel(deployment.targetVersionArn)} stays published`,
      );
    }
    events.add(DETAIL_TYPES.postTrafficFailed, now, { failure: cause });
    deployment.trafficTestFailure = cause;
    deployment.next = 'ROLL_BACK';
    await events.flush(deps.lifecycle);
    return state;
  }

  if (phase === 'preTraffic') {
    events.add(DETAIL_TYPES.preTrafficPassed, now, { tests: summary });
    // The tests' own failed executions may move alarms on the whole state machine: only what the
    // alarms show from here on (and any alarm still failing at the first check) counts.
    deployment.lastCheckedAt = now.toISOString();
    deployment.next = 'SHIFT';
  } else {
    events.add(DETAIL_TYPES.postTrafficPassed, now, { tests: summary });
    await recordPromotion(deps.lock, deployment, now, events);
    deployment.next = 'FINISH';
  }
  await events.flush(deps.lifecycle);
  logger.info('Traffic tests passed', { phase, tests: summary });
  return state;
}

/**
 * Starts the tests (or calls the hook) on the first run, then describes what
 * still runs. Returns what failed, if anything; `run.running` keeps what has
 * not ended yet.
 */
async function progress(
  deps: TrafficTestsDeps,
  deployment: Deployment,
  phase: TrafficPhase,
  spec: TrafficTests,
  run: TrafficTestRun,
  first: boolean,
  deadline: number,
  now: Date,
): Promise<string | undefined> {
  const tests: TrafficTest[] =
    'tests' in spec
      ? spec.tests
      : // A hook state machine is judged like a test that must succeed.
        [
          {
            name: `hook ${spec.hook}`,
            input: hookContext(deployment, phase),
            expect: { status: 'SUCCEEDED' },
          },
        ];
  if (first) {
    if ('hook' in spec) {
      if (!deps.hooks.includes(spec.hook)) {
        return `hook ${spec.hook} is not one of the hooks declared on the deployer (trafficTestHooks): ${deps.hooks.join(', ') || 'none'}`;
      }
      if (isLambdaFunctionArn(spec.hook)) {
        run.running = {};
        return invokeHook(deps.lambda, spec.hook, hookContext(deployment, phase), deadline - now.getTime());
      }
    }
    const target = 'hook' in spec ? spec.hook : deployment.targetVersionArn;
    if (deployment.express && 'tests' in spec) {
      run.running = {};
      return runExpressTests(deps.sfn, target, tests, phase, deadline - now.getTime(), run);
    }
    for (const [index, test] of tests.entries()) {
      const name = testExecutionName(phase, 'hook' in spec ? 'hook' : index, deployment.owner);
      run.running[String(index)] = await start(deps.sfn, target, name, test.input);
    }
  }

  for (const [key, executionArn] of Object.entries(run.running)) {
    const described = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status === 'RUNNING' || described.status === 'PENDING_REDRIVE') continue;
    delete run.running[key];
    const test = tests[Number(key)]!;
    const failed = judgeTest(test, {
      status: described.status ?? 'UNKNOWN',
      error: described.error,
      cause: described.cause,
      output: described.output,
    });
    if (failed) {
      await stopAll(deps.sfn, run, `${LABELS[phase]} test failed: ${test.name}`);
      return `${failed} (execution ${executionArn})`;
    }
    run.passed.push(Number(key));
  }
  if (Object.keys(run.running).length > 0 && now.getTime() >= deadline) {
    const late = Object.keys(run.running).map((key) => `"${tests[Number(key)]!.name}"`);
    await stopAll(deps.sfn, run, `${LABELS[phase]} tests timed out`);
    return `${late.join(', ')} did not finish within ${spec.timeoutSeconds} s (stopped)`;
  }
  return undefined;
}

/**
 * Starts an execution under a name the deployment owns. A retry finds it: AWS
 * returns the running one for the same name and input, or `ExecutionAlreadyExists`
 * once it has ended, and then its ARN follows from the name.
 */
async function start(sfn: SFNClient, stateMachineArn: string, name: string, input: unknown): Promise<string> {
  try {
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return started.executionArn!;
  } catch (error) {
    if (isNamed(error, 'ExecutionAlreadyExists')) return executionArnOf(stateMachineArn, name);
    throw error;
  }
}

/**
 * An Express target's tests: each runs to its end within StartSyncExecution on the version ARN
 * (Express executions cannot be described later), one after the other, within the phase's timeout.
 */
async function runExpressTests(
  sfn: SFNClient,
  versionArn: string,
  tests: readonly TrafficTest[],
  phase: TrafficPhase,
  budgetMs: number,
  run: TrafficTestRun,
): Promise<string | undefined> {
  const until = Date.now() + Math.max(1, Math.min(budgetMs, HOOK_WAIT_MAX_MS));
  for (const [index, test] of tests.entries()) {
    let ended;
    try {
      ended = await sfn.send(
        new StartSyncExecutionCommand({ stateMachineArn: versionArn, input: JSON.stringify(test.input) }),
        { abortSignal: AbortSignal.timeout(Math.max(1, until - Date.now())) },
      );
    } catch (error) {
      if (isNamed(error, 'AbortError') || isNamed(error, 'TimeoutError'))
        return `"${test.name}" did not finish within the ${LABELS[phase].toLowerCase()} tests' timeout`;
      throw error;
    }
    const failed = judgeTest(test, {
      status: ended.status ?? 'UNKNOWN',
      error: ended.error,
      cause: ended.cause,
      output: ended.output,
    });
    if (failed) return `${failed} (execution ${ended.executionArn})`;
    run.passed.push(index);
  }
  return undefined;
}

/** Stops what still runs, so a failed or timed-out phase leaves nothing behind; an ended one is left alone. */
async function stopAll(sfn: SFNClient, run: TrafficTestRun, cause: string): Promise<void> {
  for (const executionArn of Object.values(run.running)) {
    try {
      await sfn.send(new StopExecutionCommand({ executionArn, error: 'TrafficTestsStopped', cause }));
    } catch (error) {
      logger.warn('Could not stop a traffic test execution', { executionArn, error: (error as Error).name });
    }
  }
  run.running = {};
}

/** The longest a hook Lambda is awaited: less than this Lambda's 15-minute timeout. */
export const HOOK_WAIT_MAX_MS = 14 * 60 * 1000;

/** Invokes a hook Lambda and waits for its answer; returns why it failed, if it did. */
async function invokeHook(
  lambda: LambdaClient,
  functionArn: string,
  context: HookContext,
  budgetMs: number,
): Promise<string | undefined> {
  try {
    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(context)),
      }),
      // Within this Lambda's own 15 minutes, so a slow hook fails the check rather than the step.
      { abortSignal: AbortSignal.timeout(Math.max(1, Math.min(budgetMs, HOOK_WAIT_MAX_MS))) },
    );
    if (!answer.FunctionError) return undefined;
    const body = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
    return `hook ${functionArn} failed: ${describeEnd({ status: `FunctionError ${answer.FunctionError}`, output: body })}`;
  } catch (error) {
    if (isNamed(error, 'AbortError') || isNamed(error, 'TimeoutError'))
      return `hook ${functionArn} did not answer within ${Math.ceil(Math.min(budgetMs, HOOK_WAIT_MAX_MS) / 1000)} s`;
    throw error;
  }
}

function hookContext(deployment: Deployment, phase: TrafficPhase): HookContext {
  return {
    deploymentId: deployment.owner,
    phase,
    stateMachineArn: deployment.stateMachineArn,
    aliasArn: deployment.aliasArn,
    fromVersionArn: deployment.originVersionArn,
    toVersionArn: deployment.targetVersionArn,
    weight: phase === 'preTraffic' ? 0 : 100,
  };
}

const sfn = createSfnClient();
const lambda = createHookLambdaClient();
const cloudWatch = createCloudWatchClient();
const lock = lazily(createDeploymentLock);
const lifecycle = lazily(createLifecycleEvents);
const hooks = lazily(declaredHooks);

export const handler = async (event: LoopEvent): Promise<DeployerState> => {
  logDeployment(event.executionArn);
  return runTrafficTests(event, {
    sfn,
    lambda,
    cloudWatch,
    lock: lock(),
    hooks: hooks(),
    lifecycle: lifecycle(),
  });
};
