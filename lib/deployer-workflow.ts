/**
 * The deployer's state graph. A Standard workflow, so a deployment can run
 * for up to a year with nothing outside waiting for it:
 *
 *   Publish version → Anything to deploy? → Shift weight → Wait for next poll
 *   → Check alarms → Alarms OK? → (Wait | Shift weight | Roll back | Prune versions)
 *
 * Every Lambda returns the whole next loop state, so each task keeps only
 * its `Payload`. A failure before the first shift fails the execution with
 * the Lambda's own error; after it, any failure rolls back first.
 *
 * Long deployments: an execution's history holds 25,000 events, so when
 * Check alarms sees the budget spent (lambda/shared/budget.ts) the loop
 * goes on in a child execution of this same state machine, started with
 * `startExecution.sync:2` and resumed where it left off. The parent waits
 * for the child and ends with its outcome, so the execution a person, a
 * rule or a pipeline started stays RUNNING until the deployment is over
 * and ends as it ends; stopping it stops the chain below it. A chain keeps
 * each history small without a second state machine, and a deployment that
 * fits in one execution (most do) looks exactly as it would without it.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { REJECTION_ERRORS } from '../lambda/shared/errors';
import type { DeployerFunctionName } from './deployer-functions';

/** Errors worth retrying: throttling and transient faults of the AWS APIs the Lambdas call. */
export const TRANSIENT_ERRORS = [
  'Lambda.TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'TimeoutError',
];

/** How the Step Functions integration names a failed or throttled `StartExecution` of the child. */
export const CONTINUATION_START_ERRORS = [
  'StepFunctions.ExecutionLimitExceededException',
  'StepFunctions.SdkClientException',
  'StepFunctions.AWSStepFunctionsException',
  'StepFunctions.ThrottlingException',
];

/** The rollback is the safety net: it retries every error longer than the other steps. */
const ROLLBACK_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(5),
  maxAttempts: 10,
  backoffRate: 2,
  maxDelay: Duration.minutes(5),
  jitterStrategy: sfn.JitterType.FULL,
};

export function buildDeployerWorkflow(
  scope: Construct,
  functions: Record<DeployerFunctionName, lambda.IFunction>,
): sfn.IChainable {
  const invoke = (id: string, name: DeployerFunctionName, payload: Record<string, unknown>) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: functions[name],
      payload: sfn.TaskInput.fromObject({
        ...payload,
        now: sfn.JsonPath.stringAt('$$.State.EnteredTime'),
        executionArn: sfn.JsonPath.stringAt('$$.Execution.Id'),
      }),
      outputPath: '$.Payload',
    });
    if (name !== 'rollback') {
      task.addRetry({
        errors: TRANSIENT_ERRORS,
        interval: Duration.seconds(2),
        maxAttempts: 6,
        backoffRate: 2,
        maxDelay: Duration.minutes(1),
        jitterStrategy: sfn.JitterType.FULL,
      });
    }
    return task;
  };
  const loopTask = (id: string, name: DeployerFunctionName) => invoke(id, name, { state: sfn.JsonPath.entirePayload });

  // Terminal states.
  const done = new sfn.Succeed(scope, 'Deployment done', { outputPath: '$.result' });
  const failed = new sfn.Fail(scope, 'Deployment failed', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  // A Lambda error's cause is JSON with errorType/errorMessage/trace: keep only the message.
  const stopped = new sfn.Fail(scope, 'Deployment stopped', { errorPath: '$.Error', causePath: '$.Cause.errorMessage' });
  const readError = new sfn.Pass(scope, 'Read error message', {
    parameters: {
      Error: sfn.JsonPath.stringAt('$.failure.Error'),
      Cause: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.failure.Cause')),
    },
  }).next(stopped);
  const rolledBack = new sfn.Fail(scope, 'Deployment rolled back', {
    error: 'DeploymentRolledBack',
    causePath: '$.deployment.rollbackCause',
  });
  const rollbackFailed = new sfn.Fail(scope, 'Rollback failed', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });

  // Steps.
  const publish = invoke('Publish version', 'publish-version', { request: sfn.JsonPath.entirePayload });
  const shift = loopTask('Shift weight', 'shift-weight');
  const wait = new sfn.Wait(scope, 'Wait for next poll', {
    time: sfn.WaitTime.secondsPath('$.deployment.waitSeconds'),
  });
  const check = loopTask('Check alarms', 'check-alarms');
  const continueInNewExecution = continuation(scope);
  const rollback = loopTask('Roll back', 'rollback');
  const prune = loopTask('Prune versions', 'prune-versions');

  rollback.addRetry(ROLLBACK_RETRY);
  rollback.addCatch(rollbackFailed, { resultPath: '$.failure' }).next(rolledBack);

  publish.addCatch(readError, { errors: [...REJECTION_ERRORS], resultPath: '$.failure' });
  publish.addCatch(failed, { resultPath: '$.failure' });
  for (const task of [shift, check]) {
    // Someone else's routing is left alone: no rollback over it.
    task.addCatch(readError, { errors: ['AliasDrift'], resultPath: '$.failure' });
    task.addCatch(rollback, { resultPath: '$.failure' });
  }

  const promotedWithoutPruning = new sfn.Pass(scope, 'Promoted without pruning', {
    parameters: {
      outcome: 'PROMOTED',
      stateMachineArn: sfn.JsonPath.stringAt('$.deployment.stateMachineArn'),
      aliasArn: sfn.JsonPath.stringAt('$.deployment.aliasArn'),
      fromVersionArn: sfn.JsonPath.stringAt('$.deployment.originVersionArn'),
      toVersionArn: sfn.JsonPath.stringAt('$.deployment.targetVersionArn'),
      timeline: sfn.JsonPath.objectAt('$.deployment.timeline'),
      prunedVersionArns: [],
      pruneError: sfn.JsonPath.objectAt('$.failure'),
    },
    resultPath: '$.result',
  }).next(done);
  // After an earlier invocation returned PRUNE, the result lists what it deleted: keep it, add the error.
  const keepPruned = new sfn.Pass(scope, 'Promoted with partial pruning', {
    inputPath: '$.failure',
    resultPath: '$.result.pruneError',
  }).next(done);
  prune.addCatch(
    new sfn.Choice(scope, 'Pruned any versions?')
      .when(sfn.Condition.isPresent('$.result'), keepPruned)
      .otherwise(promotedWithoutPruning),
    { resultPath: '$.failure' },
  );
  prune.next(
    new sfn.Choice(scope, 'Pruning finished?')
      .when(sfn.Condition.stringEquals('$.deployment.next', 'PRUNE'), prune)
      .otherwise(done),
  );

  shift.next(wait);
  wait.next(check);
  // The child's outcome is the parent's: its result on success; its error and cause when it
  // failed (it already rolled back or was rejected); a child stopped or timed out is rolled back here.
  const childFailed = new sfn.Fail(scope, 'Deployment failed in a continuation', {
    errorPath: '$.child.Error',
    causePath: '$.child.Cause',
  });
  const readChild = new sfn.Pass(scope, 'Read continuation outcome', {
    parameters: {
      'request.$': '$.request',
      'deployment.$': '$.deployment',
      'failure.$': '$.failure',
      'child.$': 'States.StringToJson($.failure.Cause)',
    },
  }).next(
    new sfn.Choice(scope, 'Continuation failed on its own?')
      .when(sfn.Condition.stringEquals('$.child.Status', 'FAILED'), childFailed)
      .otherwise(rollback),
  );
  // Starting the child can be throttled like any call; the child's own failure is not retried.
  continueInNewExecution.addRetry({
    errors: [...TRANSIENT_ERRORS, ...CONTINUATION_START_ERRORS],
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
    maxDelay: Duration.minutes(1),
    jitterStrategy: sfn.JitterType.FULL,
  });
  continueInNewExecution.addCatch(readChild, { errors: ['States.TaskFailed'], resultPath: '$.failure' });
  continueInNewExecution.addCatch(rollback, { resultPath: '$.failure' });
  continueInNewExecution.next(done);

  check.next(
    new sfn.Choice(scope, 'Alarms OK?')
      .when(sfn.Condition.stringEquals('$.deployment.next', 'ROLL_BACK'), rollback)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'CONTINUE'), continueInNewExecution)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'POLL'), wait)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'SHIFT'), shift)
      .otherwise(prune),
  );

  publish.next(
    new sfn.Choice(scope, 'Anything to deploy?')
      .when(sfn.Condition.isPresent('$.result'), done)
      .otherwise(shift),
  );
  return new sfn.Choice(scope, 'Resuming a deployment?')
    .when(
      sfn.Condition.isPresent('$.deployment'),
      new sfn.Choice(scope, 'Resume where it left off')
        .when(sfn.Condition.stringEquals('$.deployment.resumeWith', 'SHIFT'), shift)
        .otherwise(wait),
    )
    .otherwise(publish);
}

/**
 * Starts this same state machine (`$$.StateMachine.Id`) with the loop state
 * and waits for it. A `CustomState`, because CDK's StepFunctionsStartExecution
 * needs the state machine object, which cannot reference itself.
 */
function continuation(scope: Construct): sfn.CustomState {
  return new sfn.CustomState(scope, 'Continue in a new execution', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::states:startExecution.sync:2`,
      Parameters: {
        'StateMachineArn.$': '$$.StateMachine.Id',
        Input: {
          'request.$': '$.request',
          'deployment.$': '$.deployment',
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
      },
      ResultSelector: { 'result.$': '$.Output' },
    },
  });
}
