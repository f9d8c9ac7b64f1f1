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
 */
import { Duration } from 'aws-cdk-lib';
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
  check.next(
    new sfn.Choice(scope, 'Alarms OK?')
      .when(sfn.Condition.stringEquals('$.deployment.next', 'ROLL_BACK'), rollback)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'POLL'), wait)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'SHIFT'), shift)
      .otherwise(prune),
  );

  return publish.next(
    new sfn.Choice(scope, 'Anything to deploy?')
      .when(sfn.Condition.isPresent('$.result'), done)
      .otherwise(shift),
  );
}
