/**
 * `npm run local -- --verbose`: each request the local cloud answers, with
 * the virtual time, the operation, who called and the HTTP status.
 */
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { servedLine } from '../../local/main';
import type { ServedLogEntry } from '../../local/wire/server';
import { type Fixture, passDefinition, START, startCloud } from './cloud-fixture';

describe('the served-request log', () => {
  let fx: Fixture;

  beforeEach(async () => {
    fx = await startCloud();
  });

  afterEach(async () => {
    await fx.stop();
  });

  it('tells each answered request with its virtual time, operation and status, failures included', async () => {
    // Arrange
    const served: ServedLogEntry[] = [];
    fx.cloud.server.onServed = (request) => served.push(request);

    // Act
    await fx.createStateMachine('logged', passDefinition('one'));
    await fx.cloud.clock.advance(60_000);
    const missing = fx.sfn.send(
      new DescribeStateMachineCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:nowhere',
      }),
    );
    await expect(missing).rejects.toThrow();

    // Assert
    expect(served.map(servedLine)).toEqual([
      `${new Date(START).toISOString()}  AWSStepFunctions.CreateStateMachine  200  by client`,
      `${new Date(START + 60_000).toISOString()}  AWSStepFunctions.DescribeStateMachine  400  by client`,
    ]);
  });

  it('names the local Lambda that made a request', () => {
    const line = servedLine({
      atMs: START,
      operation: 'GraniteServiceVersion20100801.DescribeAlarms',
      caller: 'arn:aws:lambda:us-east-1:123456789012:function:sfn-deployer-check-alarms',
      status: 200,
    });

    expect(line).toBe(
      `${new Date(START).toISOString()}  GraniteServiceVersion20100801.DescribeAlarms  200  by arn:aws:lambda:us-east-1:123456789012:function:sfn-deployer-check-alarms`,
    );
  });
});
