/**
 * STS for the local account, in STS's own wire protocol: the AWS query
 * protocol (a form-encoded POST with `Action` and `Version`) answered in XML
 * (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
 * Only `GetCallerIdentity` is served: the call AWS's deployment scripts make
 * first to learn which account they are in. The local cloud takes any
 * credentials as the account's root user, as AWS answers for root credentials.
 */
import { randomUUID } from 'node:crypto';

export const STS_VERSION = '2011-06-15';
const NAMESPACE = `https://sts.amazonaws.com/doc/${STS_VERSION}/`;

/** An XML answer and its HTTP status. */
export interface QueryResponse {
  readonly status: number;
  readonly xml: string;
}

export interface StsCaller {
  readonly accountId: string;
  readonly partition?: string;
}

/** Answers one STS query request, given its form-encoded body. */
export function serveStsQuery(body: string, caller: StsCaller): QueryResponse {
  const params = new URLSearchParams(body);
  const action = params.get('Action');
  const version = params.get('Version');
  if (!action) return queryError('MissingAction', 'Missing Action');
  if (version !== STS_VERSION) {
    return queryError(
      'InvalidAction',
      `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`,
    );
  }
  if (action !== 'GetCallerIdentity') {
    return queryError('InvalidAction', `Could not find operation ${action} for version ${version}`);
  }
  const partition = caller.partition ?? 'aws';
  return {
    status: 200,
    xml:
      `<GetCallerIdentityResponse xmlns="${NAMESPACE}">` +
      '<GetCallerIdentityResult>' +
      `<Arn>arn:${partition}:iam::${caller.accountId}:root</Arn>` +
      `<UserId>${caller.accountId}</UserId>` +
      `<Account>${caller.accountId}</Account>` +
      '</GetCallerIdentityResult>' +
      `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
      '</GetCallerIdentityResponse>',
  };
}

/** A query-protocol error, as STS sends it: HTTP 400, `ErrorResponse` with Type, Code and Message. */
export function queryError(code: string, message: string): QueryResponse {
  return {
    status: 400,
    xml:
      `<ErrorResponse xmlns="${NAMESPACE}">` +
      `<Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>` +
      `<RequestId>${randomUUID()}</RequestId>` +
      '</ErrorResponse>',
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
