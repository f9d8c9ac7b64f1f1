/**
 * Best effort on demand. Step Functions' status-change events and the
 * CloudTrail events EventBridge receives are delivered on a best effort
 * basis (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html,
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html);
 * the local cloud delivers every one unless `POST /_local/events/drop` asks
 * it to lose some, and `DELETE` turns that off.
 */
import {
  CreateStateMachineCommand,
  PublishStateMachineVersionCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DropSwitch } from '../../local/events/drops';
import { EXECUTION_STATUS_CHANGE } from '../../local/events/execution-status';
import { passDefinition, ROLE_ARN, startCloud, type Fixture } from './cloud-fixture';

const CLOUDTRAIL = 'AWS API Call via CloudTrail';

describe('the drop switch for best-effort deliveries', () => {
  let f: Fixture;
  afterEach(() => f.stop());

  const admin = async (method: string, body?: object) => {
    const response = await fetch(`${f.cloud.endpoint}/_local/events/drop`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const statusEventsOf = (executionArn: string) =>
    f.cloud.events.events.filter(
      (event) =>
        event['detail-type'] === EXECUTION_STATUS_CHANGE &&
        (event.detail as { executionArn: string }).executionArn === executionArn,
    );
  const runOnce = async (stateMachineArn: string) => {
    const { executionArn } = await f.sfn.send(new StartExecutionCommand({ stateMachineArn }));
    await f.cloud.stepFunctions.waitForExecution(executionArn!);
    await f.cloud.events.idle();
    return executionArn!;
  };

  describe('by count', () => {
    beforeEach(async () => (f = await startCloud()));

    it('loses the next status-change event before it reaches the bus and its rules, then delivers again', async () => {
      // Arrange
      const heard: unknown[] = [];
      const functionArn = f.cloud.registerLambda('listener', (event) => void heard.push(event));
      f.cloud.events.putRules([
        {
          logicalId: 'OnStatus',
          eventBusName: 'default',
          enabled: true,
          eventPattern: { 'detail-type': [EXECUTION_STATUS_CHANGE] },
          targets: [{ Id: 'Target0', Arn: functionArn }],
        },
      ]);
      const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('v1'));

      // Act: the RUNNING event of the first execution is lost; its SUCCEEDED event is not.
      const set = await admin('POST', { detailType: EXECUTION_STATUS_CHANGE, count: 1 });
      const first = await runOnce(stateMachineArn!);
      const second = await runOnce(stateMachineArn!);

      // Assert
      expect(set).toEqual({
        status: 200,
        body: { drops: [{ detailType: EXECUTION_STATUS_CHANGE, count: 1 }], dropped: [] },
      });
      expect(statusEventsOf(first).map((event) => (event.detail as { status: string }).status)).toEqual([
        'SUCCEEDED',
      ]);
      expect(statusEventsOf(second)).toHaveLength(2);
      expect(heard).toHaveLength(3);
      const after = await admin('GET');
      expect(after.body.drops).toEqual([]);
      expect(after.body.dropped).toEqual([
        { detailType: EXECUTION_STATUS_CHANGE, id: expect.any(String), timeMs: expect.any(Number) },
      ]);
    });

    it('loses CloudTrail events of write calls, and DELETE turns the switch off', async () => {
      await admin('POST', { detailType: CLOUDTRAIL, count: 5 });
      const cloudTrail = () => f.cloud.events.events.filter((event) => event['detail-type'] === CLOUDTRAIL);

      const created = await f.sfn.send(
        new CreateStateMachineCommand({
          name: 'orders',
          definition: JSON.stringify(passDefinition('v1')),
          roleArn: ROLE_ARN,
        }),
      );
      expect(cloudTrail()).toEqual([]);
      expect((await admin('DELETE')).body.drops).toEqual([]);
      await f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn: created.stateMachineArn }));

      expect(cloudTrail().map((event) => (event.detail as { eventName: string }).eventName)).toEqual([
        'PublishStateMachineVersion',
      ]);
    });

    it('loses asynchronous invocations of a function, by name: the handler never runs', async () => {
      let calls = 0;
      const functionArn = f.cloud.registerLambda('recover', () => void calls++);
      f.cloud.events.putRules([
        {
          logicalId: 'OnStatus',
          eventBusName: 'default',
          enabled: true,
          eventPattern: { 'detail-type': [EXECUTION_STATUS_CHANGE], detail: { status: ['SUCCEEDED'] } },
          targets: [{ Id: 'Target0', Arn: functionArn }],
        },
      ]);
      const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('v1'));
      await admin('POST', { functionName: 'recover', count: 1 });

      const first = await runOnce(stateMachineArn!);
      await runOnce(stateMachineArn!);

      expect(statusEventsOf(first)).toHaveLength(2);
      expect(calls).toBe(1);
      expect(f.cloud.drops.dropped).toEqual([{ functionArn, timeMs: expect.any(Number) }]);
    });

    it('fails with 400 on a spec it cannot use, naming what was wrong', async () => {
      expect(await admin('POST', { count: 1 })).toEqual({
        status: 400,
        body: { message: 'give exactly one of detailType or functionName, got: {"count":1}' },
      });
      expect((await admin('POST', { detailType: CLOUDTRAIL, probability: 2 })).body).toEqual({
        message: 'probability must be a number from 0 to 1, got: 2',
      });
      expect((await admin('POST', { detailType: CLOUDTRAIL, count: 0 })).body).toEqual({
        message: 'count must be an integer >= 1, got: 0',
      });
      expect((await admin('POST', { detailType: CLOUDTRAIL, count: 1, probability: 0.5 })).status).toBe(400);
    });
  });

  describe('by probability', () => {
    /** Which of 20 executions lost their RUNNING or SUCCEEDED event, on a cloud with `seed`. */
    async function lossesWithSeed(seed: number): Promise<number[]> {
      f = await startCloud({ seed });
      await admin('POST', { detailType: EXECUTION_STATUS_CHANGE, probability: 0.3 });
      const { stateMachineArn } = await f.createStateMachine('orders', passDefinition('v1'));
      const lost: number[] = [];
      for (let n = 0; n < 20; n++) lost.push(2 - statusEventsOf(await runOnce(stateMachineArn!)).length);
      await f.stop();
      return lost;
    }

    it('loses events at random, the same ones again with the same seed, and stays on until cleared', async () => {
      const first = await lossesWithSeed(11);
      const again = await lossesWithSeed(11);
      f = await startCloud();

      const total = first.reduce((sum, n) => sum + n, 0);
      expect(again).toEqual(first);
      expect(total).toBeGreaterThan(0);
      expect(total).toBeLessThan(40);
    });
  });
});

describe('DropSwitch', () => {
  const event = (n: number) => ({ id: `e${n}`, 'detail-type': CLOUDTRAIL });

  it('uses up a counted drop before a random one rolls, and never drops with probability 0', () => {
    const rolls: number[] = [];
    const drops = new DropSwitch(() => (rolls.push(1), 0.5));
    drops.add({ detailType: CLOUDTRAIL, probability: 0 });
    drops.add({ detailType: CLOUDTRAIL, count: 2 });

    const lost = [1, 2, 3, 4].map((n) => drops.dropEvent(event(n), n));

    expect(lost).toEqual([true, true, false, false]);
    expect(rolls).toHaveLength(2);
    expect(drops.pending()).toEqual([{ detailType: CLOUDTRAIL, probability: 0 }]);
    expect(drops.dropped.map((d) => d.id)).toEqual(['e1', 'e2']);
  });

  it('matches a function by name or by ARN', () => {
    const drops = new DropSwitch(() => 0);
    drops.add({ functionName: 'recover', count: 1 });
    drops.add({ functionName: 'arn:aws:lambda:us-east-1:123456789012:function:sweep', count: 1 });

    expect(drops.dropInvocation('arn:aws:lambda:us-east-1:123456789012:function:other', 0)).toBe(false);
    expect(drops.dropInvocation('arn:aws:lambda:us-east-1:123456789012:function:recover', 0)).toBe(true);
    expect(drops.dropInvocation('arn:aws:lambda:us-east-1:123456789012:function:sweep', 0)).toBe(true);
    expect(drops.pending()).toEqual([]);
  });
});
