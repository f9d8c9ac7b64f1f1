import { parseDeployRequest } from '../../lambda/shared/request';
import { targetInput } from '../../local/eventbridge/input';
import { matchesPattern } from '../../local/eventbridge/pattern';
import { loadFixtures, ORDERS_ARN, resolvedRules, synthDeployOnPublish } from './support';

// The rules exactly as synthesized, references resolved as in the fixtures' account.
const { stack, template } = synthDeployOnPublish();
const rules = resolvedRules(stack, template, stack.deployer.functions.publishVersion.role!);
const ruleOn = (eventName: string) =>
  rules.find((rule) => JSON.stringify(rule.eventPattern).includes(`"${eventName}"`))!;
const fixtures = loadFixtures();

/** Which rule each CloudTrail event should start a deployment through, if any. */
const EXPECTED: Record<string, string | undefined> = {
  'publish-by-person': 'PublishStateMachineVersion',
  'publish-by-iam-user': 'PublishStateMachineVersion',
  'publish-by-deployer': undefined,
  'publish-other-state-machine': undefined,
  'publish-failed': undefined,
  'update-with-publish': 'UpdateStateMachine',
  'update-without-publish': undefined,
  'update-with-publish-by-deployer': undefined,
  'describe-state-machine': undefined,
};

describe('deploy-on-publish rules against CloudTrail events', () => {
  it('has an expectation for every fixture', () => {
    expect(Object.keys(fixtures).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(rules).toHaveLength(2);
  });

  const cases = Object.entries(EXPECTED).map(
    ([name, eventName]) => [name, eventName ? `the ${eventName} rule` : 'no rule', eventName] as const,
  );
  it.each(cases)('%s matches %s', (name, _label, eventName) => {
    const matched = rules.filter(
      (rule) => rule.eventPattern !== undefined && matchesPattern(rule.eventPattern, fixtures[name]),
    );
    expect(matched.map((rule) => rule.logicalId)).toEqual(eventName ? [ruleOn(eventName).logicalId] : []);
  });

  it.each([
    ['publish-by-person', `${ORDERS_ARN}:7`],
    ['publish-by-iam-user', `${ORDERS_ARN}:8`],
    ['update-with-publish', `${ORDERS_ARN}:10`],
  ])('%s becomes a valid deploy request for the published version', (name, versionArn) => {
    const event = fixtures[name]!;
    const rule = ruleOn(String((event.detail as { eventName: string }).eventName));
    const input = targetInput(rule.targets[0]!, event, {
      ruleArn: `arn:aws:events:us-east-1:123456789012:rule/${rule.logicalId}`,
      ruleName: rule.logicalId,
      ingestionTime: String(event.time),
    });
    const request = parseDeployRequest(JSON.parse(input));
    expect(request).toMatchObject({
      stateMachine: ORDERS_ARN,
      version: versionArn,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
      intervalSeconds: 300,
      alarms: ['orders-failures'],
      historyMax: 5,
    });
    expect(request.definition).toBeUndefined();
    expect(request.publishRevision).toBe(false);
  });
});
