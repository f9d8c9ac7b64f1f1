import type { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { RequestStep } from '../lambda/shared/plan';

/**
 * How traffic moves to the new version. The values are the deploy request's
 * `strategy` names: the three of the AWS sample `sfndeploy.py`, shaped by an
 * increment and an interval, and CodeDeploy's nine predefined Lambda
 * configurations with CodeDeploy's exact weights and times.
 */
export enum DeploymentStrategy {
  /** The increment, held for the interval, then everything. */
  CANARY = 'canary',
  /** The increment added every interval until everything. */
  LINEAR = 'linear',
  /** Everything at once, then held for the interval while the alarms are watched. */
  ALL_AT_ONCE = 'allAtOnce',
  /** `CodeDeployDefault.LambdaCanary10Percent5Minutes`. */
  CANARY_10_PERCENT_5_MINUTES = 'Canary10Percent5Minutes',
  /** `CodeDeployDefault.LambdaCanary10Percent10Minutes`. */
  CANARY_10_PERCENT_10_MINUTES = 'Canary10Percent10Minutes',
  /** `CodeDeployDefault.LambdaCanary10Percent15Minutes`. */
  CANARY_10_PERCENT_15_MINUTES = 'Canary10Percent15Minutes',
  /** `CodeDeployDefault.LambdaCanary10Percent30Minutes`. */
  CANARY_10_PERCENT_30_MINUTES = 'Canary10Percent30Minutes',
  /** `CodeDeployDefault.LambdaLinear10PercentEvery1Minute`. */
  LINEAR_10_PERCENT_EVERY_1_MINUTE = 'Linear10PercentEvery1Minute',
  /** `CodeDeployDefault.LambdaLinear10PercentEvery2Minutes`. */
  LINEAR_10_PERCENT_EVERY_2_MINUTES = 'Linear10PercentEvery2Minutes',
  /** `CodeDeployDefault.LambdaLinear10PercentEvery3Minutes`. */
  LINEAR_10_PERCENT_EVERY_3_MINUTES = 'Linear10PercentEvery3Minutes',
  /** `CodeDeployDefault.LambdaLinear10PercentEvery10Minutes`. */
  LINEAR_10_PERCENT_EVERY_10_MINUTES = 'Linear10PercentEvery10Minutes',
  /** `CodeDeployDefault.LambdaAllAtOnce`: everything at once, checked once, not held. */
  CODE_DEPLOY_ALL_AT_ONCE = 'AllAtOnce',
}

/** What a deployment does when its new version saw too few executions to judge by the deadline. */
export enum InsufficientTrafficAction {
  /** Roll back and fail with `InsufficientTraffic`. */
  ROLL_BACK = 'rollBack',
  /** Promote as if the analysis had passed. */
  PROMOTE = 'promote',
}

/** What a pause step does when nobody resumes or promotes it in time. */
export enum PauseTimeoutAction {
  /** Roll back and fail. */
  ROLL_BACK = 'rollBack',
  /** Go on to the next step. */
  CONTINUE = 'continue',
}

/** Options of {@link DeploymentStep.pause}. */
export interface PauseOptions {
  /**
   * How long the pause waits for an operator (`sfn-deploy resume` or `promote`).
   * @default - until the deployment's one-year limit
   */
  readonly timeout?: Duration;
  /**
   * What happens when the timeout passes; only with a `timeout`.
   * @default PauseTimeoutAction.ROLL_BACK
   */
  readonly onTimeout?: PauseTimeoutAction;
}

/**
 * One step of a custom deployment: route a weight to the new version and hold
 * it, or pause until an operator resumes. A final 100% is added when the last
 * weight is lower.
 */
export class DeploymentStep {
  /** Route `weight` percent (1–100) to the new version, then hold it for `hold` while the alarms are watched. */
  static shift(weight: number, hold: Duration): DeploymentStep {
    return new DeploymentStep({ weight, holdSeconds: hold.toSeconds() });
  }

  /** Hold the weight before it until an operator resumes or promotes the deployment. */
  static pause(options: PauseOptions = {}): DeploymentStep {
    if (options.onTimeout !== undefined && options.timeout === undefined) {
      throw new Error('DeploymentStep.pause: onTimeout needs a timeout, got: onTimeout without timeout');
    }
    return new DeploymentStep({
      pause: true,
      ...(options.timeout !== undefined && { timeoutSeconds: options.timeout.toSeconds() }),
      ...(options.onTimeout !== undefined && { onTimeout: options.onTimeout }),
    });
  }

  /**
   * A step as a deploy request's `steps` gives it (`{"weight": 10, "holdSeconds": 300}` or
   * `{"pause": true}`); it is checked with the rest of the request.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- jsii: JSON crosses to other languages as `any`
  static fromJson(json: any): DeploymentStep {
    return new DeploymentStep(json as RequestStep);
  }

  private readonly step: RequestStep;

  private constructor(step: RequestStep) {
    this.step = step;
  }

  /** The step as the deploy request's `steps` gives it (JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- jsii: JSON crosses to other languages as `any`
  toJson(): any {
    return { ...this.step };
  }
}

/**
 * A Lambda function or a state machine that a deploy request may name as its
 * `preTraffic` or `postTraffic` hook. Only declared hooks are invocable.
 */
export class TrafficTestHook {
  /** A Lambda function, invoked with the deployment's versions; it throws to fail. */
  static fromFunction(fn: lambda.IFunction): TrafficTestHook {
    return new TrafficTestHook(fn.functionArn, fn, undefined);
  }

  /** A state machine, started with the deployment's versions; a failed execution fails the check. */
  static fromStateMachine(stateMachine: sfn.IStateMachine): TrafficTestHook {
    return new TrafficTestHook(stateMachine.stateMachineArn, undefined, stateMachine);
  }

  /** The ARN a deploy request names the hook by. */
  readonly arn: string;
  /** The hook, when it is a Lambda function. */
  readonly lambdaFunction?: lambda.IFunction;
  /** The hook, when it is a state machine. */
  readonly stateMachine?: sfn.IStateMachine;

  private constructor(arn: string, lambdaFunction?: lambda.IFunction, stateMachine?: sfn.IStateMachine) {
    this.arn = arn;
    this.lambdaFunction = lambdaFunction;
    this.stateMachine = stateMachine;
  }
}
