/**
 * DynamoDB for the local cloud: dynalite, a Node implementation of DynamoDB,
 * in memory on its own loopback port; the local cloud forwards the
 * `DynamoDB_20120810` target prefix to it, so one endpoint serves all.
 */
import type { AddressInfo } from 'node:net';
import { AwsServiceError } from '../wire/aws-error';

interface DynaliteServer {
  listen(port: number, host: string, callback: (error?: Error) => void): void;
  close(callback: (error?: Error) => void): void;
  address(): AddressInfo | string | null;
}

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810';

export interface LocalDynamoDb {
  readonly url: string;
  close(): Promise<void>;
}

export async function startDynamoDb(): Promise<LocalDynamoDb> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (options: Record<string, number>) => DynaliteServer;
  // Tables become ACTIVE at once, as tests and the demo expect of a table created at startup.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) =>
    server.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
  );
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * One call of an AWS JSON 1.0 service (dynalite) from inside the local cloud, as an `aws-sdk`
 * Task makes it: the API's own input and output, its error as an `AwsServiceError` named by
 * the `__type` it answers (`…#ConditionalCheckFailedException` → `ConditionalCheckFailedException`).
 */
export async function callJsonService(
  baseUrl: string,
  targetPrefix: string,
  operation: string,
  input: unknown,
): Promise<unknown> {
  const response = await fetch(baseUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `${targetPrefix}.${operation}`,
      // dynalite wants a SigV4-shaped header; it does not check the signature.
      'x-amz-date': '20260101T000000Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
    },
    body: JSON.stringify(input ?? {}),
  });
  const text = await response.text();
  const body = (text ? JSON.parse(text) : {}) as { __type?: string; message?: string; Message?: string };
  if (response.ok) return body;
  const code = (body.__type ?? 'InternalServerError').split('#').at(-1)!;
  throw new AwsServiceError(code, body.message ?? body.Message ?? code, response.status);
}
