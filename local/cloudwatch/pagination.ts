import { AwsServiceError } from '../wire/aws-error';

/**
 * Offset-based `NextToken`s. A token is bound to the operation that issued it, so one from
 * DescribeAlarmHistory is rejected by DescribeAlarms with `InvalidNextToken`, as a foreign token is on AWS.
 */
export function paginate<T>(
  items: T[],
  operation: string,
  nextToken: string | undefined,
  maxRecords: number,
): { page: T[]; nextToken?: string } {
  const offset = nextToken === undefined ? 0 : decode(nextToken, operation);
  const page = items.slice(offset, offset + maxRecords);
  const next = offset + page.length;
  return next < items.length ? { page, nextToken: encode(operation, next) } : { page };
}

function encode(operation: string, offset: number): string {
  return encodeToken(operation, offset);
}

function decode(token: string, operation: string): number {
  const offset = decodeToken(token, operation);
  if (Number.isInteger(offset) && offset >= 0) return offset;
  throw invalidToken();
}

/** A token carrying one number (an offset, or a cursor such as a sequence number). */
export function encodeToken(operation: string, value: number): string {
  return Buffer.from(JSON.stringify({ op: operation, v: value })).toString('base64');
}

export function decodeToken(token: string, operation: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      const { op, v } = parsed as { op?: unknown; v?: unknown };
      if (op === operation && typeof v === 'number') return v;
    }
  } catch {
    // fall through to the error below
  }
  throw invalidToken();
}

function invalidToken(): AwsServiceError {
  return new AwsServiceError('InvalidNextToken', 'The next token specified is invalid.', 400);
}
