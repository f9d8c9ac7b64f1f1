/**
 * The deployer's state graph. A Standard workflow, so a deployment can run
 * for up to a year with nothing outside waiting for it:
 *
 *   Publish version → Anything to deploy? → [Run pre-traffic tests] → Shift weight
 *   → Wait for next poll → Check alarms → Alarms OK?
 *   → (Wait | Shift weight | Roll back | [Run post-traffic checks] → Prune versions)
 *
 * Every Lambda returns the whole next loop state, so each task keeps only
 * its `Payload`. A failure before the first shift fails the execution with
 * the Lambda's own error; after it, any failure rolls back first. Every
 * Choice matches each value of `next` it routes on and fails closed on
 * anything else: rolling back when traffic may have moved, never promoting.
 *
 * Every execution starts at Publish version: a deploy request is validated
 * and locked there, and loop state in the input is refused, so nobody who
 * may start the deployer can skip its checks.
 *
 * Long deployments: an execution's history holds 25,000 events, so when
 * Check alarms sees the budget spent (lambda/shared/budget.ts) the loop
 * goes on in a child execution of this same state machine, started with
 * `startExecution.sync:2` under the name Check alarms recorded on the lock
 * along with the loop state. The child's input only says which alias: it
 * takes the state from the lock, once, under that name. The parent waits
 * for the child and ends with its outcome, so the execution a person, a
 * rule or a pipeline started stays RUNNING until the deployment is over
 * and ends as it ends; stopping it stops the chain below it.
 */
import { Aws, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { REJECTION_ERRORS } from '../lambda/shared/errors';
import { LOCK_KEY, TOKEN_ATTRIBUTE, WAKE_ATTRIBUTE } from '../lambda/shared/table';
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

/**
 * Lambda's own service errors, and a function that timed out or crashed: routine over the
 * ~500,000 invocations of a year-long deployment, so retried rather than rolled back.
 * https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
  'Sandbox.Timedout',
];

/** How the Step Functions integration names a failed or throttled `StartExecution` of the child. */
export const CONTINUATION_START_ERRORS = [
  'StepFunctions.ExecutionLimitExceededException',
  'StepFunctions.SdkClientException',
  'StepFunctions.AWSStepFunctionsException',
  'StepFunctions.ThrottlingException',
];

/** The loop's steps retry transient errors for about two minutes. */
const STEP_RETRY: sfn.RetryProps = {
  errors: [...TRANSIENT_ERRORS, ...LAMBDA_SERVICE_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.minutes(1),
  jitterStrategy: sfn.JitterType.FULL,
};

/** Check alarms, which runs most often and changes nothing but the lock, retries for about twenty minutes. */
const CHECK_RETRY: sfn.RetryProps = { ...STEP_RETRY, maxAttempts: 10, maxDelay: Duration.minutes(5) };

/** The rollback is the safety net: it retries every error longer than the other steps. */
const ROLLBACK_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(5),
  maxAttempts: 10,
  backoffRate: 2,
  maxDelay: Duration.minutes(5),
  jitterStrategy: sfn.JitterType.FULL,
};

/** The error an execution fails with when a step returns something no Choice has a rule for. */
export const UNEXPECTED_LOOP_STATE = 'UnexpectedLoopState';

export function buildDeployerWorkflow(
  scope: Construct,
  functions: Record<DeployerFunctionName, lambda.IFunction>,
  deployments: dynamodb.ITable,
): sfn.IChainable {
  const invoke = (
    id: string,
    name: DeployerFunctionName,
    payload: Record<string, unknown>,
    retry?: sfn.RetryProps,
  ) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: functions[name],
      payload: sfn.TaskInput.fromObject({
        ...payload,
        now: sfn.JsonPath.stringAt('$$.State.EnteredTime'),
        executionArn: sfn.JsonPath.stringAt('$$.Execution.Id'),
        retries: sfn.JsonPath.numberAt('$$.State.RetryCount'),
      }),
      outputPath: '$.Payload',
    });
    if (retry) task.addRetry(retry);
    return task;
  };
  const loopTask = (id: string, name: DeployerFunctionName, retry?: sfn.RetryProps) =>
    invoke(id, name, { state: sfn.JsonPath.entirePayload }, retry);

  // Terminal states.
  const done = new sfn.Succeed(scope, 'Deployment done', { outputPath: '$.result' });
  const failed = new sfn.Fail(scope, 'Deployment failed', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  // A Lambda error's cause is JSON with errorType/errorMessage/trace: keep only the message.
  const stopped = new sfn.Fail(scope, 'Deployment stopped', {
    errorPath: '$.Error',
    causePath: '$.Cause.errorMessage',
  });
  const readError = new sfn.Pass(scope, 'Read error message', {
    parameters: {
      Error: sfn.JsonPath.stringAt('$.failure.Error'),
      Cause: sfn.JsonPath.stringToJson(sfn.JsonPath.stringAt('$.failure.Cause')),
    },
  }).next(stopped);
  // DeploymentRolledBack, or DeploymentAborted when an operator aborted it.
  const rolledBack = new sfn.Fail(scope, 'Deployment rolled back', {
    errorPath: '$.deployment.rollbackError',
    causePath: '$.deployment.rollbackCause',
  });
  const endedElsewhere = new sfn.Fail(scope, 'Deployment ended elsewhere', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const rollbackFailed = new sfn.Fail(scope, 'Rollback failed', {
    errorPath: '$.failure.Error',
    causePath: '$.failure.Cause',
  });
  const unexpected = (id: string, cause: string) =>
    new sfn.Fail(scope, id, { error: UNEXPECTED_LOOP_STATE, cause });

  // Steps.
  const publish = invoke(
    'Publish version',
    'publish-version',
    { request: sfn.JsonPath.entirePayload },
    STEP_RETRY,
  );
  const shift = loopTask('Shift weight', 'shift-weight', STEP_RETRY);
  const wait = wakeableWait(scope, deployments);
  const check = loopTask('Check alarms', 'check-alarms', CHECK_RETRY);
  // The wait ends at its timeout (the poll), when woken, or at once when a wake-up is already
  // pending (its condition fails). Any other failure falls back to a plain Wait: still a poll, never
  // a loop that checks without pausing.
  const fallbackWait = new sfn.Wait(scope, 'Wait without wake-ups', {
    time: sfn.WaitTime.secondsPath('$.deployment.waitSeconds'),
  }).next(check);
  wait.addCatch(check, { errors: [sfn.Errors.TIMEOUT, WAKE_PENDING], resultPath: sfn.JsonPath.DISCARD });
  wait.addCatch(fallbackWait, { resultPath: '$.waitFailure' });
  const continueInNewExecution = continuation(scope);
  const rollback = loopTask('Roll back', 'rollback', ROLLBACK_RETRY);
  const prune = loopTask('Prune versions', 'prune-versions', STEP_RETRY);
  // Traffic may have moved: an unknown verdict rolls back, naming itself as the error.
  const rollBackUnexpected = new sfn.Pass(scope, 'Unexpected loop state', {
    result: sfn.Result.fromObject({
      Error: UNEXPECTED_LOOP_STATE,
      Cause: 'A step returned a next move the state machine has no rule for: rolled back rather than guess',
    }),
    resultPath: '$.failure',
  }).next(rollback);

  rollback.addCatch(rollbackFailed, { resultPath: '$.failure' });
  rollback.next(
    new sfn.Choice(scope, 'Rolled back?')
      .when(sfn.Condition.stringEquals('$.deployment.next', 'ROLLED_BACK'), rolledBack)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'ENDED'), endedElsewhere)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'PROMOTED'), done)
      .otherwise(
        unexpected(
          'Unexpected rollback state',
          'Roll back returned a verdict the state machine has no rule for',
        ),
      ),
  );

  publish.addCatch(readError, { errors: [...REJECTION_ERRORS], resultPath: '$.failure' });
  publish.addCatch(failed, { resultPath: '$.failure' });
  for (const task of [shift, check]) {
    // Someone else's routing, or a lock someone else holds now, is left alone: no rollback over it.
    task.addCatch(readError, { errors: ['AliasDrift', 'DeploymentLockLost'], resultPath: '$.failure' });
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
  // The promotion is recorded before pruning starts: a pruning failure never touches routing.
  prune.addCatch(
    new sfn.Choice(scope, 'Pruned any versions?')
      .when(sfn.Condition.isPresent('$.result'), keepPruned)
      .otherwise(promotedWithoutPruning),
    { resultPath: '$.failure' },
  );
  prune.next(
    new sfn.Choice(scope, 'Pruning finished?')
      .when(sfn.Condition.stringEquals('$.deployment.next', 'PRUNE'), prune)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'FINISH'), done)
      .otherwise(
        unexpected(
          'Unexpected pruning state',
          'Prune versions returned a next move the state machine has no rule for; the promotion stands',
        ),
      ),
  );

  // A step held for no time (the final 100% of a canary or linear plan) is checked at once: a
  // token wait cannot time out in 0 seconds.
  shift.next(
    new sfn.Choice(scope, 'Hold this step?')
      .when(sfn.Condition.numberEquals('$.deployment.waitSeconds', 0), check)
      .otherwise(wait),
  );
  wait.next(check);
  // Starting the child can be throttled like any call; the child's own failure is not retried.
  continueInNewExecution.addRetry({
    errors: [...TRANSIENT_ERRORS, ...CONTINUATION_START_ERRORS],
    interval: Duration.seconds(2),
    maxAttempts: 6,
    backoffRate: 2,
    maxDelay: Duration.minutes(1),
    jitterStrategy: sfn.JitterType.FULL,
  });
  // However the child ended, Roll back reads the outcome from the lock and the record: it rolls back
  // only if the deployment still holds its lock (the child was stopped or timed out), and otherwise
  // ends with the child's own outcome. No cause is parsed here, so a truncated one cannot break it.
  continueInNewExecution.addCatch(rollback, { resultPath: '$.failure' });
  continueInNewExecution.next(done);

  // Traffic tests: on the new version before the first shift, and at 100% before the promotion is
  // recorded. Each run starts or describes them; a Wait apart, until they pass, fail or time out.
  const preTraffic = loopTask('Run pre-traffic tests', 'traffic-tests', STEP_RETRY);
  const postTraffic = loopTask('Run post-traffic checks', 'traffic-tests', STEP_RETRY);
  const waitForTests = (id: string, next: sfn.IChainable) =>
    new sfn.Wait(scope, id, { time: sfn.WaitTime.secondsPath('$.deployment.waitSeconds') }).next(next);
  // A failed test has freed the alias already; nothing was shifted, so any other error rolls back
  // only to release it (the alias still routes as it did).
  preTraffic.addCatch(readError, {
    errors: ['PreTrafficTestFailed', 'DeploymentLockLost'],
    resultPath: '$.failure',
  });
  preTraffic.addCatch(rollback, { resultPath: '$.failure' });
  postTraffic.addCatch(readError, { errors: ['AliasDrift', 'DeploymentLockLost'], resultPath: '$.failure' });
  postTraffic.addCatch(rollback, { resultPath: '$.failure' });
  preTraffic.next(
    new sfn.Choice(scope, 'Pre-traffic tests passed?')
      .when(sfn.Condition.stringEquals('$.deployment.next', 'SHIFT'), shift)
      .when(
        sfn.Condition.stringEquals('$.deployment.next', 'PRE_TRAFFIC'),
        waitForTests('Wait for pre-traffic tests', preTraffic),
      )
      .otherwise(rollBackUnexpected),
  );
  postTraffic.next(
    new sfn.Choice(scope, 'Post-traffic checks passed?')
      .when(sfn.Condition.stringEquals('$.deployment.next', 'FINISH'), prune)
      .when(
        sfn.Condition.stringEquals('$.deployment.next', 'VERIFY'),
        waitForTests('Wait for post-traffic checks', postTraffic),
      )
      .when(sfn.Condition.stringEquals('$.deployment.next', 'ROLL_BACK'), rollback)
      .otherwise(rollBackUnexpected),
  );

  check.next(
    new sfn.Choice(scope, 'Alarms OK?')
      .when(sfn.Condition.stringEquals('$.deployment.next', 'ROLL_BACK'), rollback)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'CONTINUE'), continueInNewExecution)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'POLL'), wait)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'SHIFT'), shift)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'FINISH'), prune)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'VERIFY'), postTraffic)
      .otherwise(rollBackUnexpected),
  );

  publish.next(
    new sfn.Choice(scope, 'Anything to deploy?')
      .when(sfn.Condition.isPresent('$.result'), done)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'SHIFT'), shift)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'POLL'), wait)
      .when(sfn.Condition.stringEquals('$.deployment.next', 'PRE_TRAFFIC'), preTraffic)
      .otherwise(
        new sfn.Choice(scope, 'Traffic may have moved?')
          .when(sfn.Condition.isPresent('$.deployment.aliasArn'), rollBackUnexpected)
          .otherwise(
            unexpected(
              'Unexpected start state',
              'Publish version returned a state the state machine has no rule for; nothing was shifted',
            ),
          ),
      ),
  );
  return publish;
}

/** How the wait's DynamoDB call fails when a wake-up is already pending (or the lock is gone). */
export const WAKE_PENDING = 'DynamoDb.ConditionalCheckFailedException';

/**
 * The loop's wait: stores its task token on the deployment's lock and waits
 * for `SendTaskSuccess` with it (an alarm event or an operator's signal, see
 * lambda/shared/lock.ts), or for its timeout, the next poll. The write is
 * conditioned on no wake-up being pending, so one that arrived while the
 * loop was busy ends the wait at once. What wakes it carries no data the
 * loop reads (`ResultPath: null`): the check takes the signals from the lock.
 */
function wakeableWait(scope: Construct, deployments: dynamodb.ITable): sfn.CustomState {
  return new sfn.CustomState(scope, 'Wait for next poll', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken`,
      Parameters: {
        TableName: deployments.tableName,
        Key: { aliasArn: { 'S.$': '$.deployment.aliasArn' }, sk: { S: LOCK_KEY } },
        UpdateExpression: `SET ${TOKEN_ATTRIBUTE} = :token`,
        ConditionExpression: `#owner = :owner AND attribute_not_exists(recovering) AND attribute_not_exists(${WAKE_ATTRIBUTE})`,
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: {
          ':token': { 'S.$': '$$.Task.Token' },
          ':owner': { 'S.$': '$.deployment.owner' },
        },
      },
      TimeoutSecondsPath: '$.deployment.waitSeconds',
      ResultPath: null,
    },
  });
}

/**
 * Starts this same state machine (`$$.StateMachine.Id`) under the name Check
 * alarms handed the loop to, and waits for it. The input names only the
 * alias: the child takes the loop state from the lock. A `CustomState`,
 * because CDK's StepFunctionsStartExecution needs the state machine object,
 * which cannot reference itself.
 */
function continuation(scope: Construct): sfn.CustomState {
  return new sfn.CustomState(scope, 'Continue in a new execution', {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Aws.PARTITION}:states:::states:startExecution.sync:2`,
      Parameters: {
        'StateMachineArn.$': '$$.StateMachine.Id',
        'Name.$': '$.deployment.handoffTo',
        Input: {
          continuation: { 'aliasArn.$': '$.deployment.aliasArn' },
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
      },
      ResultSelector: { 'result.$': '$.Output' },
    },
  });
}
