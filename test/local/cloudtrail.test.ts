/**
 * The CloudTrail events the local cloud emits have the shape of the recorded
 * fixtures the deploy-on-publish patterns were written against, and a local
 * Lambda's calls carry its identity.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CALLER_HEADER, runAsFunction } from '../../local/wire/caller';
import { cloudTrailDate, cloudTrailEvent, userIdentity } from '../../local/events/cloudtrail';
import type { ApiCall } from '../../local/wire/service';
import { loadFixtures } from '../triggers/support';

const fixtures = loadFixtures();
const ACCOUNT = '123456789012';
const ORDERS_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:orders`;
const PUBLISHER = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:sfn-deployer-publish-version`;
const PUBLISHER_ROLE = `arn:aws:iam::${ACCOUNT}:role/SfnDeployer-PublisherRole`;
const TIME = Date.parse('2026-11-20T10:00:00Z');

const roleOf = (functionArn: string) => (functionArn === PUBLISHER ? PUBLISHER_ROLE : undefined);

function call(overrides: Partial<ApiCall> & { caller?: { functionArn?: string } } = {}): ApiCall {
  return {
    targetPrefix: 'AWSStepFunctions',
    operation: 'PublishStateMachineVersion',
    input: { stateMachineArn: ORDERS_ARN, description: 'orders 2026-11-20' },
    output: { stateMachineVersionArn: `${ORDERS_ARN}:8`, creationDate: TIME / 1000 },
    context: {
      region: 'us-east-1',
      accountId: ACCOUNT,
      caller: { accessKeyId: 'AKIAEXAMPLEKEY000001', ...overrides.caller },
    },
    timeMs: TIME,
    ...overrides,
  };
}

function emit(apiCall: ApiCall) {
  const identity = userIdentity(apiCall.context.caller, ACCOUNT, 'us-east-1', roleOf, apiCall.timeMs);
  return cloudTrailEvent(apiCall, identity);
}

/** Every key path of a JSON value, so two events can be compared by shape. */
function shape(value: unknown, at = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [at];
  return Object.entries(value)
    .flatMap(([key, child]) => shape(child, `${at}.${key}`))
    .sort();
}

describe('CloudTrail events of the local cloud', () => {
  it('renders a publish by a person as the fixture of an IAM user does', () => {
    const event = emit(call())!;

    expect(shape(event)).toEqual(shape(fixtures['publish-by-iam-user']));
    expect(event).toMatchObject({
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.states',
      time: '2026-11-20T10:00:00Z',
      detail: {
        eventSource: 'states.amazonaws.com',
        eventName: 'PublishStateMachineVersion',
        userIdentity: { type: 'IAMUser', accessKeyId: 'AKIAEXAMPLEKEY000001' },
        responseElements: {
          stateMachineVersionArn: `${ORDERS_ARN}:8`,
          creationDate: 'Nov 20, 2026, 10:00:00 AM',
        },
        readOnly: false,
        eventType: 'AwsApiCall',
        managementEvent: true,
      },
    });
  });

  it("renders the deployer's publish as its role's session, as the deployer fixture does", () => {
    const event = emit(
      call({
        operation: 'UpdateStateMachine',
        input: {
          stateMachineArn: ORDERS_ARN,
          definition: '{}',
          publish: true,
          versionDescription: 'build 1842',
        },
        output: { updateDate: TIME / 1000, revisionId: 'r-2', stateMachineVersionArn: `${ORDERS_ARN}:11` },
        caller: { functionArn: PUBLISHER },
      }),
    )!;

    expect(shape(event)).toEqual(shape(fixtures['update-with-publish-by-deployer']));
    expect(event.detail).toMatchObject({
      requestParameters: { definition: 'HIDDEN_DUE_TO_SECURITY_REASONS', publish: true },
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/SfnDeployer-PublisherRole/sfn-deployer-publish-version`,
        sessionContext: {
          sessionIssuer: { type: 'Role', arn: PUBLISHER_ROLE, userName: 'SfnDeployer-PublisherRole' },
        },
      },
    });
  });

  it('renders a failed call with its error and no response, as the failed fixture does', () => {
    const event = emit(
      call({
        input: { stateMachineArn: ORDERS_ARN, revisionId: 'r-1' },
        output: undefined,
        error: { code: 'ConflictException', message: 'Failed to publish' },
        caller: { functionArn: PUBLISHER },
      }),
    )!;

    expect(shape(event)).toEqual(shape(fixtures['publish-failed']));
    expect(event.detail).toMatchObject({ errorCode: 'ConflictException', responseElements: null });
  });

  it('records no read calls', () => {
    expect(emit(call({ operation: 'DescribeStateMachine' }))).toBeUndefined();
  });

  it.each([
    [Date.parse('2024-05-01T01:23:45Z'), 'May 1, 2024, 1:23:45 AM'],
    [Date.parse('2026-11-20T00:05:00Z'), 'Nov 20, 2026, 12:05:00 AM'],
    [Date.parse('2026-11-20T12:00:09Z'), 'Nov 20, 2026, 12:00:09 PM'],
    [Date.parse('2026-11-20T23:59:59.900Z'), 'Nov 20, 2026, 11:59:59 PM'],
  ])('renders %d as %s', (ms, text) => {
    expect(cloudTrailDate(ms)).toBe(text);
  });
});

describe('the caller of a local Lambda', () => {
  it('is named by a header on requests made inside its invocation only', async () => {
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers[CALLER_HEADER] as string | undefined);
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new http.Agent({ keepAlive: true });
    const get = () =>
      new Promise<void>((resolve, reject) => {
        const { port } = server.address() as AddressInfo;
        http
          .get({ host: '127.0.0.1', port, agent }, (res) => res.resume().on('end', resolve))
          .on('error', reject);
      });
    try {
      await Promise.all([runAsFunction(PUBLISHER, get), get(), runAsFunction('other', async () => get())]);
      await runAsFunction(PUBLISHER, async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        await get();
      });
    } finally {
      agent.destroy();
      server.close();
    }
    expect(seen.sort()).toEqual([PUBLISHER, PUBLISHER, 'other', undefined].sort());
  });
});
