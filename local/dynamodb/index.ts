/**
 * DynamoDB for the local cloud: dynalite, a Node implementation of DynamoDB,
 * in memory on its own loopback port; the local cloud forwards the
 * `DynamoDB_20120810` target prefix to it, so one endpoint serves all.
 */
import type { AddressInfo } from 'node:net';

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
