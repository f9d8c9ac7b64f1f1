/**
 * The local event bus and the resolver that loads the synthesized
 * deploy-on-publish rules into it (from cdk.out.triggers, which the global
 * setup synthesizes).
 */
import { type AwsScope, deployerFromTemplate, readTemplate } from '../../local/deployer/assembly';
import { TRIGGERS_ASSEMBLY } from '../../local/deployer/synth';
import { functionRoleArn, localResolver, localRoleArn } from '../../local/deployer/triggers';
import { EventBus } from '../../local/eventbridge/bus';
import { ratePeriodMs, rulesFromTemplate, type TemplateRule } from '../../local/eventbridge/rules';
import { VirtualClock } from '../../local/clock/virtual-clock';
import { loadFixtures } from '../triggers/support';

const SCOPE: AwsScope = { partition: 'aws', region: 'us-east-1', account: '123456789012' };
const DEPLOYER_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:sfn-deployer';
const ORDERS_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
const fixtures = loadFixtures();

describe('the local resolver of the synthesized rules', () => {
  const template = readTemplate(TRIGGERS_ASSEMBLY.outDir);
  const rules = rulesFromTemplate(template as never, localResolver(template, SCOPE, DEPLOYER_ARN));
  const publishRules = rules.filter((rule) =>
    JSON.stringify(rule.eventPattern ?? {}).includes('AWS API Call via CloudTrail'),
  );
  const publisher = deployerFromTemplate(template, SCOPE).functions.find(
    (fn) => fn.step === 'publish-version',
  )!;

  it('points every deploy-on-publish rule at the local deployer with the orders request', () => {
    expect(publishRules).toHaveLength(2);
    for (const rule of publishRules) {
      expect(rule.enabled).toBe(true);
      expect(rule.targets).toEqual([expect.objectContaining({ Arn: DEPLOYER_ARN })]);
      expect(rule.targets[0]!.InputTransformer!.InputTemplate).toContain(`"stateMachine":"${ORDERS_ARN}"`);
    }
  });

  it("excludes the role the deployer's publish-version Lambda calls with", () => {
    const roleArn = functionRoleArn(template, publisher.logicalId, SCOPE)!;
    expect(roleArn).toMatch(
      /^arn:aws:iam::123456789012:role\/SfnDeployer-DeployerFunctionspublishversionServiceRole/,
    );
    for (const rule of publishRules)
      expect(JSON.stringify(rule.eventPattern)).toContain(`{"anything-but":"${roleArn}"}`);
  });

  it('names what it cannot resolve', () => {
    const resolve = localResolver(template, SCOPE, DEPLOYER_ARN);
    expect(resolve('AWS::Region')).toBe('us-east-1');
    expect(localRoleArn(SCOPE, 'X'.repeat(80))).toHaveLength('arn:aws:iam::123456789012:role/'.length + 64);
    expect(() => resolve('Missing', 'Arn')).toThrow(
      'The local cloud cannot resolve Missing.Arn (not in the template) in the stack',
    );
  });
});

describe('the local event bus', () => {
  let clock: VirtualClock;
  let started: { stateMachineArn: string; input: string }[];
  let failStarts: boolean;
  let invoked: { functionArn: string; input: string }[];
  let bus: EventBus;

  const rule = (overrides: Partial<TemplateRule> = {}): TemplateRule => ({
    logicalId: 'OnPublish',
    eventBusName: 'default',
    enabled: true,
    eventPattern: { source: ['aws.states'], detail: { eventName: ['PublishStateMachineVersion'] } },
    targets: [
      {
        Id: 'Target0',
        Arn: DEPLOYER_ARN,
        InputTransformer: {
          InputPathsMap: { version: '$.detail.responseElements.stateMachineVersionArn' },
          InputTemplate: '{"version":<version>,"rule":"<aws.events.rule-arn>"}',
        },
      },
    ],
    ...overrides,
  });
  const publish = () => fixtures['publish-by-iam-user'] as { id: string } & Record<string, unknown>;

  beforeEach(() => {
    clock = new VirtualClock({ fastForward: true, startMs: Date.parse('2026-11-20T10:02:02Z') });
    started = [];
    invoked = [];
    failStarts = false;
    bus = new EventBus({
      clock,
      region: 'us-east-1',
      accountId: '123456789012',
      startExecution: async (stateMachineArn, input) => {
        if (failStarts) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        started.push({ stateMachineArn, input });
        return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:run-${started.length}`;
      },
      invokeFunction: async (functionArn, input) => {
        invoked.push({ functionArn, input });
      },
    });
  });

  afterEach(() => clock.stop());

  it('starts the target with its input after putEvent returns', async () => {
    bus.putRules([rule()]);

    bus.putEvent(publish());
    expect(started).toEqual([]);
    await bus.idle();

    expect(started).toEqual([
      {
        stateMachineArn: DEPLOYER_ARN,
        input: `{"version":"${ORDERS_ARN}:8","rule":"arn:aws:events:us-east-1:123456789012:rule/OnPublish"}`,
      },
    ]);
    expect(bus.deliveries).toEqual([
      expect.objectContaining({
        rule: 'OnPublish',
        executionArn: `${DEPLOYER_ARN.replace(':stateMachine:', ':execution:')}:run-1`,
      }),
    ]);
  });

  it('honours the rule state: a disabled rule starts nothing until enabled', async () => {
    bus.putRules([rule({ enabled: false })]);

    bus.putEvent(publish());
    await bus.idle();
    expect(started).toEqual([]);

    bus.setRuleEnabled('OnPublish', true);
    bus.putEvent(publish());
    await bus.idle();
    expect(started).toHaveLength(1);
  });

  it('reads DISABLED from the template', () => {
    const template = {
      Resources: {
        R: { Type: 'AWS::Events::Rule', Properties: { EventPattern: { source: ['x'] }, State: 'DISABLED' } },
      },
    };
    expect(rulesFromTemplate(template, () => '')[0]!.enabled).toBe(false);
  });

  it('ignores events that do not match, and rules of other buses', async () => {
    bus.putRules([
      rule(),
      rule({ logicalId: 'Custom', eventBusName: 'custom', eventPattern: { source: ['aws.states'] } }),
    ]);

    bus.putEvent(fixtures['update-with-publish'] as { id: string });
    await bus.idle();

    expect(started).toEqual([]);
    expect(bus.events).toHaveLength(1);
  });

  it('records a failed delivery and carries on (best effort)', async () => {
    bus.putRules([rule()]);
    failStarts = true;
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    bus.putEvent(publish());
    await bus.idle();

    expect(bus.deliveries).toEqual([
      expect.objectContaining({ rule: 'OnPublish', error: 'ThrottlingException: Rate exceeded' }),
    ]);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('rule OnPublish could not deliver event'));
    logged.mockRestore();
  });

  it('holds the virtual clock until a delivery is made', async () => {
    bus.putRules([rule()]);

    bus.putEvent(publish());
    await clock.sleep(1);

    expect(started).toHaveLength(1);
  });

  describe('schedule rules', () => {
    const SWEEPER = 'arn:aws:lambda:us-east-1:123456789012:function:sweeper';
    const schedule = (enabled = true): TemplateRule => ({
      logicalId: 'Sweep',
      eventBusName: 'default',
      enabled,
      schedulePeriodMs: 5 * 60_000,
      targets: [{ Id: 'Target0', Arn: SWEEPER }],
    });

    it('invokes the target at each period as virtual time passes, with the Scheduled Event EventBridge sends', async () => {
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
      bus.putRules([schedule()]);

      await clock.sleep(11 * 60_000);
      await bus.idle();

      expect(invoked.map((call) => JSON.parse(call.input).time)).toEqual([
        '2026-11-20T10:05:00Z',
        '2026-11-20T10:10:00Z',
      ]);
      expect(JSON.parse(invoked[0]!.input)).toMatchObject({
        version: '0',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:123456789012:rule/Sweep'],
        detail: {},
      });
      expect(bus.events).toEqual([]);
    });

    it('fires nothing while disabled, and again once enabled', async () => {
      bus.putRules([schedule(false)]);
      await clock.sleep(11 * 60_000);
      await bus.idle();
      expect(invoked).toEqual([]);

      bus.setRuleEnabled('Sweep', true);
      await clock.sleep(5 * 60_000);
      await bus.idle();
      expect(invoked).toHaveLength(1);
    });

    it('reads rate expressions as EventBridge writes them, and refuses the rest', () => {
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html#eb-rate-expressions
      expect(ratePeriodMs('rate(1 minute)')).toBe(60_000);
      expect(ratePeriodMs('rate(5 minutes)')).toBe(300_000);
      expect(ratePeriodMs('rate(2 hours)')).toBe(7_200_000);
      expect(ratePeriodMs('rate(1 day)')).toBe(86_400_000);
      for (const bad of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'cron(0 12 * * ? *)']) {
        expect(() => ratePeriodMs(bad)).toThrow(/rate\(value unit\)/);
      }
    });
  });
});
