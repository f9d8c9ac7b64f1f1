/**
 * `sfn-deploy promote|pause|resume|abort <alias ARN or execution ARN>`:
 * sends a signal to a running deployment through the deployer's signal
 * function (`<deployer name>-signal`, see lambda/signal-deployment), with
 * the caller's IAM identity as sender and `--reason` as why. Prints what the
 * deployment will do; exit 1 when no deployment of that alias is running.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { isAliasArn, isExecutionArn, signalFunctionName } from '../../lambda/shared/arns';
import type { SignalAction } from '../../lambda/shared/lock';
import type { SignalResult } from '../../lambda/signal-deployment';
import { checkAwsSetup } from '../aws';
import { deployerFromOptions } from '../deployer';
import { EXIT, UsageError } from '../errors';
import type { AwsClients, AwsOptions, Io } from '../io';

export interface SignalOptions extends AwsOptions {
  deployer?: string;
  stackName?: string;
  reason?: string;
  full?: boolean;
  json?: boolean;
}

export interface SignalDeps {
  clients: AwsClients;
  io: Io;
  env: Record<string, string | undefined>;
}

/** What each signal makes the deployment do, as printed. */
const EFFECT: Record<SignalAction, (full: boolean) => string> = {
  promote: (full) =>
    full
      ? 'checks its alarms once more, then goes to 100% and finishes'
      : 'checks its alarms once more, then goes to 100% and bakes there',
  pause: () => 'holds its current weight past the step’s end until resumed; alarms are still watched',
  resume: () => 'goes on with its plan',
  abort: () => 'rolls back now and fails DeploymentAborted',
};

export async function sendSignal(
  action: SignalAction,
  target: string,
  options: SignalOptions,
  deps: SignalDeps,
): Promise<number> {
  if (!isAliasArn(target) && !isExecutionArn(target)) {
    throw new UsageError(
      `${action} needs the alias ARN of the deployment (arn:aws:states:<region>:<account>:stateMachine:<name>:<alias>) ` +
        `or the ARN of the deployer execution that started it, got: ${JSON.stringify(target)}`,
    );
  }
  if (options.full && action !== 'promote') throw new UsageError('--full applies only to promote');
  await checkAwsSetup(deps.clients.sfn);
  const deployerArn = await deployerFromOptions(options, deps.clients, deps.env);
  const [, partition, , region, account, , deployerName] = deployerArn.split(':');
  const functionArn = `arn:${partition}:lambda:${region}:${account}:function:${signalFunctionName(deployerName!)}`;
  const sender = await callerArn(deps.clients);

  const out = await deps.clients.lambda.send(
    new InvokeCommand({
      FunctionName: functionArn,
      Payload: Buffer.from(
        JSON.stringify({
          action,
          target,
          sender,
          ...(options.reason ? { reason: options.reason } : {}),
          ...(options.full ? { full: true } : {}),
        }),
      ),
    }),
  );
  const payload = JSON.parse(Buffer.from(out.Payload ?? []).toString('utf8') || 'null') as unknown;
  if (out.FunctionError) {
    const { errorType, errorMessage } = (payload ?? {}) as { errorType?: string; errorMessage?: string };
    deps.io.stderr.write(
      `error: ${errorType ?? 'SignalFailed'}: ${errorMessage ?? JSON.stringify(payload)}\n`,
    );
    return errorType === 'InvalidSignal' ? EXIT.USAGE : EXIT.FAILED;
  }
  const result = payload as SignalResult;
  if (options.json) {
    deps.io.stdout.write(`${JSON.stringify({ type: 'signal', ...result })}\n`);
    return EXIT.OK;
  }
  const alias = result.aliasArn.split(':').slice(-2).join(':');
  const when = result.woken ? 'now' : 'at its next check';
  deps.io.stdout.write(
    `${action} sent to the deployment of ${alias} (${result.deployment.split(':').at(-1)}) by ${result.signal.sender}: ` +
      `${result.signal.reason}\nIt ${EFFECT[action](Boolean(options.full))}, ${when}.\n`,
  );
  return EXIT.OK;
}

/** The caller's IAM identity; a signal is still sent, marked as such, when STS cannot say. */
async function callerArn(clients: AwsClients): Promise<string> {
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    return identity.Arn ?? 'unknown caller';
  } catch (error) {
    return `unknown caller (${(error as Error).name})`;
  }
}
