/**
 * The CloudTrail record of an API call, as EventBridge delivers it to the
 * default bus (`detail-type: AWS API Call via CloudTrail`). AWS needs a trail
 * for these; the local cloud behaves as if one logs every management event.
 * Shapes follow the fixtures in `test/triggers/fixtures/` and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event.html.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Caller } from '../wire/caller';
import type { ApiCall } from '../wire/service';
import { partitionOf } from '../stepfunctions/arns';

/** Write calls CloudTrail records as management events, per service; reads are not delivered by default. */
const RECORDED: Record<string, { source: string; eventSource: string; operations: ReadonlySet<string> }> = {
  AWSStepFunctions: {
    source: 'aws.states',
    eventSource: 'states.amazonaws.com',
    operations: new Set([
      'CreateStateMachine',
      'UpdateStateMachine',
      'DeleteStateMachine',
      'PublishStateMachineVersion',
      'DeleteStateMachineVersion',
      'CreateStateMachineAlias',
      'UpdateStateMachineAlias',
      'DeleteStateMachineAlias',
    ]),
  },
};

/** Request fields CloudTrail never shows. */
const HIDDEN_FIELDS = ['definition'];
/** Response timestamps CloudTrail renders as text rather than epoch seconds. */
const DATE_FIELDS = ['creationDate', 'updateDate'];

/** The IAM user that callers without a local function identity are (the CLI, tests, the demo). */
export const LOCAL_USER = 'local';

export type CloudTrailEvent = Record<string, unknown> & {
  readonly id: string;
  readonly detail: Record<string, unknown>;
};

/** The event for `call`, or `undefined` when CloudTrail would not deliver one (a read, an unknown service). */
export function cloudTrailEvent(
  call: ApiCall,
  userIdentity: Record<string, unknown>,
): CloudTrailEvent | undefined {
  const service = RECORDED[call.targetPrefix];
  if (!service?.operations.has(call.operation)) return undefined;
  const time = isoSeconds(call.timeMs);
  const { region, accountId } = call.context;
  const detail: Record<string, unknown> = {
    eventVersion: '1.11',
    userIdentity,
    eventTime: time,
    eventSource: service.eventSource,
    eventName: call.operation,
    awsRegion: region,
    sourceIPAddress: call.context.caller?.sourceIPAddress ?? '127.0.0.1',
    userAgent: call.context.caller?.userAgent ?? 'local',
    requestParameters: requestParameters(call.input),
    responseElements: call.error ? null : responseElements(call.output),
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: accountId,
    eventCategory: 'Management',
  };
  if (call.error) Object.assign(detail, { errorCode: call.error.code, errorMessage: call.error.message });
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS API Call via CloudTrail',
    source: service.source,
    account: accountId,
    time,
    region,
    resources: [],
    detail,
  };
}

/**
 * `userIdentity` for a caller: a local function is its execution role's
 * session (`AssumedRole`, the role as `sessionContext.sessionIssuer`, the
 * function name as session name, as Lambda does); anyone else is the IAM
 * user {@link LOCAL_USER}, which has no session issuer.
 */
export function userIdentity(
  caller: Caller | undefined,
  accountId: string,
  region: string,
  roleOf: (functionArn: string) => string | undefined,
  timeMs: number,
): Record<string, unknown> {
  const roleArn = caller?.functionArn ? roleOf(caller.functionArn) : undefined;
  const accessKeyId = caller?.accessKeyId ?? 'AKIALOCAL';
  if (!caller?.functionArn || !roleArn) {
    const arn = `arn:${partitionOf(region)}:iam::${accountId}:user/${LOCAL_USER}`;
    return {
      type: 'IAMUser',
      principalId: uniqueId('AIDA', arn),
      arn,
      accountId,
      accessKeyId,
      userName: LOCAL_USER,
    };
  }
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  const sessionName = caller.functionArn.slice(caller.functionArn.lastIndexOf(':') + 1);
  const roleId = uniqueId('AROA', roleArn);
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${sessionName}`,
    arn: `arn:${partitionOf(region)}:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
    accountId,
    accessKeyId,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: roleId, arn: roleArn, accountId, userName: roleName },
      attributes: { creationDate: isoSeconds(timeMs), mfaAuthenticated: 'false' },
    },
  };
}

/** CloudTrail's rendering of a response timestamp, in UTC: `Nov 20, 2026, 10:00:00 AM`. */
export function cloudTrailDate(epochMs: number): string {
  const date = new Date(epochMs);
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const hours = date.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  const clock = `${hours % 12 === 0 ? 12 : hours % 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${month} ${date.getUTCDate()}, ${date.getUTCFullYear()}, ${clock} ${hours < 12 ? 'AM' : 'PM'}`;
}

function requestParameters(input: Record<string, unknown>): Record<string, unknown> {
  const shown = JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
  for (const field of HIDDEN_FIELDS) if (field in shown) shown[field] = 'HIDDEN_DUE_TO_SECURITY_REASONS';
  return shown;
}

function responseElements(output: unknown): Record<string, unknown> | null {
  if (output === undefined || output === null) return null;
  const shown = JSON.parse(JSON.stringify(output)) as Record<string, unknown>;
  for (const field of DATE_FIELDS) {
    if (typeof shown[field] === 'number') shown[field] = cloudTrailDate(shown[field] * 1000);
  }
  return Object.keys(shown).length === 0 ? null : shown;
}

/** `2026-11-20T10:01:00Z`: CloudTrail's times have no fraction. */
function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A stable IAM-style unique id (`AROA…`, `AIDA…`) for a role or user ARN. */
function uniqueId(prefix: string, arn: string): string {
  const digest = createHash('sha256').update(arn).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return prefix + Array.from(digest.subarray(0, 17), (byte) => alphabet[byte % 32]).join('');
}
