/**
 * `sfn-deploy history <alias ARN>`: the alias's deployments from the
 * deployments table (named in the deployer's own definition), newest first,
 * with the outcome and its cause, who steered it and the verdicts.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYER_ARN, run, TARGET_ARN } from './harness';

const sfn = mockClient(SFNClient);
const dynamo = mockClient(DynamoDBClient);
const ALIAS = `${TARGET_ARN}:live`;
const OWNER = 'arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:orders-live-1';

beforeEach(() => {
  sfn.reset();
  dynamo.reset();
  sfn.on(DescribeStateMachineCommand).resolves({
    definition: JSON.stringify({
      StartAt: 'Publish version',
      States: {
        'Wait for next poll': {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken',
          Parameters: { TableName: 'SfnDeployer-DeployerDeployments-1X2Y3Z' },
        },
      },
    }),
  });
});

describe('sfn-deploy history', () => {
  it('prints each deployment with its outcome, cause, signals and verdicts, newest first', async () => {
    dynamo.on(QueryCommand).resolves({
      Items: [
        {
          executionArn: { S: OWNER },
          startedAt: { S: '2026-03-02T10:00:00.000Z' },
          status: { S: 'ROLLED_BACK' },
          originVersionArn: { S: `${TARGET_ARN}:1` },
          targetVersionArn: { S: `${TARGET_ARN}:2` },
          error: { S: 'DeploymentAborted' },
          cause: { S: 'Rolled back alias live to orders:1 (100%) from orders:2 at 10%: aborted by ana' },
          timeline: {
            S: JSON.stringify([
              { at: '2026-03-02T10:00:00.000Z', weight: 10 },
              { at: '2026-03-02T10:02:00.000Z', weight: 0 },
            ]),
          },
          signalsActedOn: {
            S: JSON.stringify([
              { action: 'abort', sender: 'ana', reason: 'wrong build', at: '2026-03-02T10:01:59.000Z' },
            ]),
          },
          verdicts: {
            S: JSON.stringify([{ step: 1, summary: 'new 0/10 failed · old 0/90 · p=1.00 → healthy' }]),
          },
        },
      ],
    });

    const { code, stdout } = await run(['history', ALIAS, '--deployer', DEPLOYER_ARN, '--limit', '5']);

    expect(code).toBe(0);
    expect(stdout.text).toBe(
      `2026-03-02T10:00:00.000Z  ROLLED_BACK  orders:1 → orders:2  10% 0%  ${OWNER}\n` +
        '    DeploymentAborted: Rolled back alias live to orders:1 (100%) from orders:2 at 10%: aborted by ana\n' +
        '    abort by ana at 2026-03-02T10:01:59.000Z: wrong build\n' +
        '    step 1: new 0/10 failed · old 0/90 · p=1.00 → healthy\n',
    );
    expect(dynamo.commandCalls(QueryCommand)[0]!.args[0].input).toEqual({
      TableName: 'SfnDeployer-DeployerDeployments-1X2Y3Z',
      KeyConditionExpression: 'aliasArn = :alias AND begins_with(sk, :records)',
      ExpressionAttributeValues: { ':alias': { S: ALIAS }, ':records': { S: 'DEPLOYMENT#' } },
      ScanIndexForward: false,
      Limit: 5,
    });
  });

  it('refuses what is not an alias ARN, and a bad --limit, with exit code 2 and nothing read', async () => {
    const notAlias = await run(['history', TARGET_ARN, '--deployer', DEPLOYER_ARN]);
    const badLimit = await run(['history', ALIAS, '--deployer', DEPLOYER_ARN, '--limit', '0']);

    expect(notAlias.code).toBe(2);
    expect(notAlias.stderr.text).toContain('history needs an alias ARN');
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr.text).toContain('--limit must be an integer from 1 to 100, got: "0"');
    expect(dynamo.commandCalls(QueryCommand)).toEqual([]);
  });
});
