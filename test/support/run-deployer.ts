/**
 * Runs the synthesized deployer definition in `aws-local-stepfunctions`, with
 * every Task state bound to the real exported function of its step (found by
 * the task's `FunctionName`) and the SDK clients served by a {@link FakeAws}.
 *
 * Virtual time: each Lambda gets the fake's clock as `now`; just before each
 * `Check alarms` invocation the clock moves on by the `waitSeconds` of the
 * Wait that precedes it (a retried attempt does not move it again). Waits
 * and retry intervals take no real time.
 */
import './promise-with-resolvers';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { checkAlarms } from '../../lambda/check-alarms';
import type { DeployerState } from '../../lambda/shared/deployment';
import { logger } from '../../lambda/shared/logger';
import { pruneVersions } from '../../lambda/prune-versions';
import { publishVersion, type PublishVersionEvent } from '../../lambda/publish-version';
import { rollBack } from '../../lambda/rollback';
import { shiftWeight } from '../../lambda/shift-weight';
import { runTrafficTests } from '../../lambda/traffic-tests';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { DeployerFunctionName } from '../../lib/deployer-functions';
import type { DeployerAssembly, StateMachineDefinition } from '../../local/deployer/assembly';
import { FakeDeploymentLock } from '../unit/fake-lock';
import { withoutTemplateValidation } from './deployer-template';
import { ACCOUNT, type FakeAws, REGION } from './fake-aws';
import { synthDeployer } from './synth';

// The Lambdas log every step as JSON: keep the test output readable.
logger.setLogLevel('SILENT');

export const EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:SfnDeployer:deploy-orders`;

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface DeployerRunOptions {
  /**
   * Milliseconds left to the prune-versions Lambda, per invocation (1, 2, …)
   * and per question it asks: the Lambda context's `getRemainingTimeInMillis`.
   * @default - always plenty
   */
  pruneTimeLeftMs?: (invocation: number, question: number) => number;
}

/** One Lambda invocation the run made. */
export interface Invocation {
  state: string;
  step: DeployerFunctionName;
  /** Virtual seconds since the start. */
  at: number;
  /** The error type it failed with, if it failed. */
  error?: string;
}

export interface DeployerRun {
  status: 'SUCCEEDED' | 'FAILED';
  /** The execution's output, when it succeeded. */
  output?: Record<string, unknown>;
  /** The execution's error and cause, when it failed. */
  error?: string;
  cause?: string;
  /** The states entered, in order. */
  statesEntered: string[];
  invocations: Invocation[];
}

/** Where a task's Lambda is found: the Lambda ARN of each step, as in the synthesized template. */
export class DeployerUnderTest {
  /** No hook is declared in the definition tests: this client is never called. */
  private readonly hookLambda = new LambdaClient({ region: REGION });
  readonly definition: StateMachineDefinition;
  private readonly stepOfFunction: Map<string, DeployerFunctionName>;
  /** Validated once (that takes a while); each run is an independent execution. */
  private readonly machine: StateMachine;

  constructor(assembly: DeployerAssembly) {
    this.definition = assembly.definition;
    this.stepOfFunction = new Map(assembly.functions.map((fn) => [fn.functionArn, fn.step]));
    this.machine = new StateMachine(
      forTheInterpreter(this.definition) as unknown as ConstructorParameters<typeof StateMachine>[0],
    );
  }

  /** The Task states that invoke a Lambda (`lambda:invoke`); they are bound to the deployer's functions. */
  lambdaTaskStates(): string[] {
    return Object.entries(this.definition.States)
      .filter(([, state]) => state.Type === 'Task' && state.Resource === 'arn:aws:states:::lambda:invoke')
      .map(([name]) => name);
  }

  /** The loop's waits that a task token can end early (`.waitForTaskToken`). */
  wakeableWaits(): string[] {
    return Object.entries(this.definition.States)
      .filter(([, state]) => state.Type === 'Task' && String(state.Resource).endsWith('.waitForTaskToken'))
      .map(([name]) => name);
  }

  async run(request: unknown, aws: FakeAws, options: DeployerRunOptions = {}): Promise<DeployerRun> {
    const invocations: Invocation[] = [];
    let pruneInvocations = 0;
    let lastCheckInput: string | undefined;
    const lock = new FakeDeploymentLock();

    const invoke = async (stateName: string, input: unknown): Promise<JsonValue> => {
      const { FunctionName, Payload } = input as { FunctionName: string; Payload: Record<string, unknown> };
      const step = this.stepOfFunction.get(FunctionName);
      if (!step)
        throw new Error(`Task ${stateName} invokes ${FunctionName}, which is none of the deployer's Lambdas`);
      if (step === 'check-alarms') {
        // The Wait before this check lasted waitSeconds; a retry of the same check does not wait again.
        const key = JSON.stringify(Payload.state);
        if (key !== lastCheckInput)
          aws.clock.advance((Payload.state as DeployerState).deployment?.waitSeconds ?? 0);
        lastCheckInput = key;
      }
      const event = structuredClone({ ...Payload, now: aws.clock.now().toISOString() });
      const invocation: Invocation = { state: stateName, step, at: aws.clock.seconds() };
      invocations.push(invocation);
      try {
        const result = await this.callStep(step, event, aws, lock, () => {
          pruneInvocations += 1;
          let question = 0;
          const invocationNumber = pruneInvocations;
          const timeLeft = options.pruneTimeLeftMs;
          return timeLeft ? () => timeLeft(invocationNumber, ++question) : undefined;
        });
        // What the `lambda:invoke` integration returns; the payload went through JSON.
        return {
          StatusCode: 200,
          ExecutedVersion: '$LATEST',
          Payload: JSON.parse(JSON.stringify(result)) as JsonValue,
        };
      } catch (error) {
        invocation.error = (error as Error).name;
        throw asLambdaError(error);
      }
    };

    const noWait = (names: string[]) => Object.fromEntries(names.map((name) => [name, 0]));
    const waitStates = Object.entries(this.definition.States)
      .filter(([, state]) => state.Type === 'Wait')
      .map(([name]) => name);
    const retryingStates = Object.entries(this.definition.States)
      .filter(([, state]) => 'Retry' in state)
      .map(([name]) => name);

    const execution = this.machine.run(request as JsonValue, {
      overrides: {
        taskResourceLocalHandlers: {
          ...Object.fromEntries(
            this.lambdaTaskStates().map((name) => [name, (input: unknown) => invoke(name, input)]),
          ),
          // Nothing wakes the loop here: its wait always ends at its timeout, the next poll.
          ...Object.fromEntries(this.wakeableWaits().map((name) => [name, pollTimeout])),
        },
        waitTimeOverrides: noWait(waitStates),
        retryIntervalOverrides: noWait(retryingStates),
      },
      // `$$.State.EnteredTime` is not provided by the library; each Lambda gets the virtual clock's time instead.
      context: {
        Execution: { Id: EXECUTION_ARN },
        State: { EnteredTime: aws.clock.now().toISOString(), RetryCount: 0 },
        // The wait's Parameters store the token; nothing here sends it back.
        Task: { Token: 'definition-test-task-token' },
      },
    });

    const statesEntered: string[] = [];
    const collecting = (async () => {
      for await (const event of execution.eventLogs) {
        if (event.type === 'StateEntered') statesEntered.push(event.state.name);
      }
    })();

    try {
      const output = (await execution.result) as Record<string, unknown>;
      await collecting;
      return { status: 'SUCCEEDED', output, statesEntered, invocations };
    } catch (error) {
      await collecting;
      if (!(error instanceof ExecutionError)) throw error;
      const failure = error.cause as Error;
      return { status: 'FAILED', error: failure.name, cause: failure.message, statesEntered, invocations };
    }
  }

  private callStep(
    step: DeployerFunctionName,
    event: Record<string, unknown>,
    aws: FakeAws,
    lock: FakeDeploymentLock,
    pruneClock: () => (() => number) | undefined,
  ): Promise<DeployerState> {
    const clock = () => aws.clock.now();
    const loopEvent = event as unknown as Parameters<typeof shiftWeight>[0];
    switch (step) {
      case 'publish-version':
        return publishVersion(event as unknown as PublishVersionEvent, {
          sfn: aws.sfn,
          cloudWatch: aws.cloudWatch,
          lock,
          clock,
        });
      case 'shift-weight':
        return shiftWeight(loopEvent, { sfn: aws.sfn, lock, clock });
      case 'check-alarms':
        return checkAlarms(loopEvent, { sfn: aws.sfn, cloudWatch: aws.cloudWatch, lock, clock });
      case 'rollback':
        return rollBack(loopEvent, { sfn: aws.sfn, lock, clock });
      case 'prune-versions':
        return pruneVersions(loopEvent, {
          sfn: aws.sfn,
          timeLeftMs: pruneClock(),
          // Conflict retries wait on the virtual clock.
          sleep: async (ms) => aws.clock.advance(ms / 1000),
        });
      case 'traffic-tests':
        return runTrafficTests(loopEvent, {
          sfn: aws.sfn,
          lambda: this.hookLambda,
          cloudWatch: aws.cloudWatch,
          lock,
          hooks: [],
          clock,
        });
      case 'recover-deployments':
      case 'signal-deployment':
      case 'wake-on-alarm':
        throw new Error(`${step} runs outside the state machine`);
    }
  }
}

/**
 * aws-local-stepfunctions resolves `TimeoutSecondsPath` against a task's
 * Parameters rather than its input, so the token wait's timeout would not
 * resolve there. Its handler here times out at once (pollTimeout), so a
 * fixed timeout stands in; the local cloud's interpreter, which the e2e
 * tests run, resolves the path as AWS does.
 */
function forTheInterpreter(definition: DeployerAssembly['definition']): DeployerAssembly['definition'] {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]) => {
      if (state.Type !== 'Task' || !String(state.Resource).endsWith('.waitForTaskToken'))
        return [name, state];
      const { TimeoutSecondsPath: _resolvedElsewhere, ...rest } = state;
      return [name, { ...rest, TimeoutSeconds: 60 }];
    }),
  );
  return { ...definition, States: states };
}

/** A wait for a task token that nobody sends ends at its timeout. */
async function pollTimeout(): Promise<never> {
  const timeout = new Error('The task timed out waiting for its token');
  timeout.name = 'States.Timeout';
  throw timeout;
}

/**
 * A Lambda error as Step Functions reports it: the error's name is the
 * error type, and the cause is the JSON the Lambda runtime writes.
 */
export function asLambdaError(error: unknown): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const lambdaError = new Error(
    JSON.stringify({
      errorType: original.name,
      errorMessage: original.message,
      trace: (original.stack ?? '').split('\n'),
    }),
  );
  lambdaError.name = original.name;
  return lambdaError;
}

/**
 * Synthesizes the deployer stack and prepares its definition to run. CDK's
 * built-in CloudFormation validation is left out: it costs seconds per
 * synthesis and says nothing about the state machine's behaviour.
 */
export function synthesizedDeployer(): DeployerUnderTest {
  return new DeployerUnderTest(withoutTemplateValidation(() => synthDeployer()));
}
