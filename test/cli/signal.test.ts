/**
 * `sfn-deploy promote|pause|resume|abort`: the signal goes to the deployer's
 * signal function with the caller's identity and reason; what the function
 * answers is printed, and its refusals are exit codes.
 */
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYER_ARN, run } from './harness';

const lambda = mockClient(LambdaClient);
const sts = mockClient(STSClient);

const ALIAS = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders:live';
const OWNER =
  'arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:orders-live-20260302T100000Z-3f9a';
const ANA = 'arn:aws:sts::123456789012:assumed-role/operators/ana';
const SIGNAL_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:sfn-deployer-signal';

const answer = (body: unknown, functionError?: string) => ({
  StatusCode: 200,
  // The command line reads the bytes only; the SDK's blob adapter is a Uint8Array too.
  Payload: Buffer.from(JSON.stringify(body)) as unknown as InvokeCommandOutput['Payload'],
  ...(functionError ? { FunctionError: functionError } : {}),
});
const sent = () =>
  lambda.commandCalls(InvokeCommand).map((call) => ({
    FunctionName: call.args[0].input.FunctionName,
    payload: JSON.parse(Buffer.from(call.args[0].input.Payload as Uint8Array).toString('utf8')),
  }));

beforeEach(() => {
  lambda.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: ANA, Account: '123456789012', UserId: 'AROA:ana' });
});

describe('sfn-deploy signals', () => {
  it('pauses: sends the alias, the caller’s identity and the reason to <deployer>-signal, and says what happens', async () => {
    lambda.on(InvokeCommand).resolves(
      answer({
        action: 'pause',
        aliasArn: ALIAS,
        deployment: OWNER,
        woken: true,
        signal: { action: 'pause', sender: ANA, reason: 'launch at 10:00', at: '2026-03-02T10:00:00.000Z' },
      }),
    );

    const { code, stdout } = await run([
      'pause',
      ALIAS,
      '--reason',
      'launch at 10:00',
      '--deployer',
      DEPLOYER_ARN,
    ]);

    expect(code).toBe(0);
    expect(sent()).toEqual([
      {
        FunctionName: SIGNAL_FUNCTION,
        payload: { action: 'pause', target: ALIAS, sender: ANA, reason: 'launch at 10:00' },
      },
    ]);
    expect(stdout.text).toBe(
      `pause sent to the deployment of orders:live (orders-live-20260302T100000Z-3f9a) by ${ANA}: launch at 10:00\n` +
        'It holds its current weight past the step’s end until resumed; alarms are still watched, now.\n',
    );
  });

  it('promotes with --full, and prints JSON with --json', async () => {
    const result = {
      action: 'promote',
      aliasArn: ALIAS,
      deployment: OWNER,
      woken: false,
      signal: {
        action: 'promote',
        sender: ANA,
        reason: 'no reason given',
        at: '2026-03-02T10:00:00.000Z',
        full: true,
      },
    };
    lambda.on(InvokeCommand).resolves(answer(result));

    const { code, stdout } = await run(['promote', OWNER, '--full', '--json', '--deployer', DEPLOYER_ARN]);

    expect(code).toBe(0);
    expect(sent()[0]!.payload).toEqual({ action: 'promote', target: OWNER, sender: ANA, full: true });
    expect(JSON.parse(stdout.text)).toEqual({ type: 'signal', ...result });
  });

  it('exits 1 with the deployer’s message when no deployment of the alias is running', async () => {
    lambda
      .on(InvokeCommand)
      .resolves(
        answer(
          { errorType: 'NoDeploymentRunning', errorMessage: `No deployment of alias ${ALIAS} is running` },
          'Unhandled',
        ),
      );

    const { code, stderr } = await run(['abort', ALIAS, '--deployer', DEPLOYER_ARN]);

    expect(code).toBe(1);
    expect(stderr.text).toBe(`error: NoDeploymentRunning: No deployment of alias ${ALIAS} is running\n`);
  });

  it.each([
    [['abort', 'live', '--deployer', DEPLOYER_ARN], 'abort needs the alias ARN of the deployment'],
    [['pause', ALIAS, '--full', '--deployer', DEPLOYER_ARN], "error: unknown option '--full'"],
    [
      ['resume', ALIAS, '--deployer', DEPLOYER_ARN, '--reason'],
      "error: option '--reason <text>' argument missing",
    ],
  ])('refuses %j with exit 2, sending nothing', async (args, message) => {
    const { code, stderr } = await run(args);

    expect(code).toBe(2);
    expect(stderr.text).toContain(message);
    expect(lambda.calls()).toHaveLength(0);
  });

  it('still sends the signal, marked, when STS cannot name the caller', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    lambda.on(InvokeCommand).resolves(
      answer({
        action: 'resume',
        aliasArn: ALIAS,
        deployment: OWNER,
        woken: true,
        signal: {
          action: 'resume',
          sender: 'unknown caller (AccessDenied)',
          reason: 'no reason given',
          at: 'x',
        },
      }),
    );

    const { code } = await run(['resume', ALIAS, '--deployer', DEPLOYER_ARN]);

    expect(code).toBe(0);
    expect(sent()[0]!.payload.sender).toBe('unknown caller (AccessDenied)');
  });
});
