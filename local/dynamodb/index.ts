/**
 * DynamoDB for the local cloud: dynalite, a Node implementation of DynamoDB,
 * in memory; the local cloud hands the `DynamoDB_20120810` target prefix to
 * its request handler in this process, so one endpoint serves all. It also
 * listens on its own loopback port, for tests that use it alone.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { AwsServiceError } from '../wire/aws-error';

interface DynaliteServer {
  listen(port: number, host: string, callback: (error?: Error) => void): void;
  close(callback: (error?: Error) => void): void;
  address(): AddressInfo | string | null;
  listeners(event: 'request'): Array<(req: unknown, res: unknown) => void>;
}

/** A request as the local server hands it on, and dynalite's answer, read whole. */
export type Upstream = (
  request: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> },
  body: Buffer,
) => Promise<{ status: number; headers: Record<string, string>; body: Buffer }>;

export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810';

export interface LocalDynamoDb {
  readonly url: string;
  /** Serves a request in this process, through dynalite's own request handler: no TCP, no HTTP parsing. */
  readonly serve: Upstream;
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
  const [handle] = server.listeners('request');
  if (!handle) throw new Error('dynalite serves no requests: its server has no request listener');
  return {
    url: `http://127.0.0.1:${address.port}`,
    serve: (request, body) => serveInProcess(handle, request, body),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Hands a request to dynalite's request handler as an HTTP server would: a request that emits its
 * body, a response whose headers and body are collected. dynalite reads `method`, `url`, `headers`
 * and the body's events, and writes `statusCode`, `setHeader` and `end`.
 */
function serveInProcess(
  handle: (req: unknown, res: unknown) => void,
  request: Parameters<Upstream>[0],
  body: Buffer,
): ReturnType<Upstream> {
  return new Promise((resolve, reject) => {
    const req = Object.assign(new EventEmitter(), {
      method: request.method ?? 'POST',
      url: request.url ?? '/',
      headers: request.headers,
    });
    const headers: Record<string, string> = {};
    const res = {
      statusCode: 200,
      contentType: undefined as string | undefined,
      setHeader: (name: string, value: string | number) => (headers[name.toLowerCase()] = String(value)),
      end: (text?: string | Buffer) =>
        resolve({ status: res.statusCode, headers, body: Buffer.from(text ?? '') }),
    };
    try {
      handle(req, res);
    } catch (error) {
      return reject(error);
    }
    if (body.length > 0) req.emit('data', body);
    req.emit('end');
  });
}

/**
 * One call of an AWS JSON 1.0 service (dynalite) from inside the local cloud, as an `aws-sdk`
 * Task makes it: the API's own input and output, its error as an `AwsServiceError` named by
 * the `__type` it answers (`…#ConditionalCheckFailedException` → `ConditionalCheckFailedException`).
 */
export async function callJsonService(
  upstream: Upstream,
  targetPrefix: string,
  operation: string,
  input: unknown,
): Promise<unknown> {
  const response = await upstream(
    {
      method: 'POST',
      url: '/',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `${targetPrefix}.${operation}`,
        // dynalite wants a SigV4-shaped header; it does not check the signature.
        'x-amz-date': '20260101T000000Z',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
      },
    },
    Buffer.from(JSON.stringify(input ?? {}), 'utf8'),
  );
  const text = response.body.toString('utf8');
  const body = (text ? JSON.parse(text) : {}) as { __type?: string; message?: string; Message?: string };
  if (response.status < 300) return body;
  const code = (body.__type ?? 'InternalServerError').split('#').at(-1)!;
  throw new AwsServiceError(code, body.message ?? body.Message ?? code, response.status);
}
