/**
 * `sfn-deploy list`: the running deployments, one line each (or JSON lines),
 * read from the deployer's running executions; a continuation shows as the
 * deployment that started it, at the continuation's state.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandOutput,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { DEPLOYER_ARN, run, TARGET_ARN } from './harness';

const sfn = mockClient(SFNClient);
const OWNER = 'arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:orders-live-1';
const CONTINUATION = 'arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:continue-2-abc';

const exited = (deployment: Record<string, unknown>): GetExecutionHistoryCommandOutput => ({
  $metadata: {},
  events: [
    { type: 'WaitStateEntered', id: 9, timestamp: new Date() },
    {
      type: 'TaskStateExited' as const,
      id: 8,
      timestamp: new Date(),
      stateExitedEventDetails: {
        name: 'Check alarms',
        output: JSON.stringify({
          request: {},
          deployment: {
            owner: OWNER,
            aliasArn: `${TARGET_ARN}:live`,
            originVersionArn: `${TARGET_ARN}:1`,
            targetVersionArn: `${TARGET_ARN}:2`,
            steps: [
              { weight: 10, holdSeconds: 300 },
              { weight: 100, holdSeconds: 0 },
            ],
            ...deployment,
          },
        }),
      },
    },
  ],
});

beforeEach(() => {
  sfn.reset();
  sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
});

describe('sfn-deploy list', () => {
  it('lists each running deployment at the state of the execution carrying it now', async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: CONTINUATION,
          name: 'continue-2-abc',
          stateMachineArn: DEPLOYER_ARN,
          status: 'RUNNING',
          startDate: new Date('2026-03-03T10:00:00Z'),
        },
        {
          executionArn: OWNER,
          name: 'orders-live-1',
          stateMachineArn: DEPLOYER_ARN,
          status: 'RUNNING',
          startDate: new Date('2026-03-02T10:00:00Z'),
        },
      ],
    });
    sfn
      .on(DescribeExecutionCommand, { executionArn: OWNER })
      .resolves({ input: '{"stateMachine":"orders","alias":"live"}' });
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: OWNER })
      .resolves(exited({ stepIndex: 0, timeline: [{ at: '2026-03-02T10:00:00Z', weight: 10 }] }))
      .on(GetExecutionHistoryCommand, { executionArn: CONTINUATION })
      .resolves(
        exited({
          stepIndex: 1,
          timeline: [
            { at: '2026-03-02T10:00:00Z', weight: 10 },
            { at: '2026-03-03T10:00:00Z', weight: 100 },
          ],
          paused: { action: 'pause' },
        }),
      );

    const { code, stdout } = await run(['list', '--deployer', DEPLOYER_ARN]);

    expect(code).toBe(0);
    expect(stdout.text).toBe(
      `orders:live  orders:1 → orders:2  100% (step 2/2, paused)  since 2026-03-02T10:00:00.000Z  ${OWNER}\n`,
    );
    expect(sfn.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toMatchObject({
      stateMachineArn: DEPLOYER_ARN,
      statusFilter: 'RUNNING',
    });
  });

  it('prints JSON lines with --json, and says so when nothing runs', async () => {
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });

    const quiet = await run(['list', '--deployer', DEPLOYER_ARN]);
    const json = await run(['list', '--deployer', DEPLOYER_ARN, '--json']);

    expect(quiet.stdout.text).toBe('No deployment is running.\n');
    expect(json.stdout.text).toBe('');
  });
});
