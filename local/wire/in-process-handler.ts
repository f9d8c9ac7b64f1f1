/**
 * An SDK request handler that reaches the local cloud's server in this process: no TCP, no HTTP
 * parsing. The cloud lends it to the SDK clients of the Lambdas it runs in its own process (the
 * deployer's, see `lambda/shared/clients.ts`); every other client, in or out of the process, still
 * speaks the wire protocol to the server's port. With `transport: 'wire'` it sends them over
 * loopback HTTP too, for comparison (`npm run bench`).
 *
 * What the server sees is what it would see on the wire: the request's method, path, signed
 * headers and body, and the calling function in {@link CALLER_HEADER} (from the invocation's
 * context, as `caller.ts` adds it to HTTP requests). The invocation counts the request as in flight,
 * as it counts its HTTP requests (`stepfunctions/lambda-time.ts`).
 */
import { HttpResponse, type HttpRequest } from '@smithy/core/transport';
import type { HttpHandlerOptions } from '@smithy/types';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Readable } from 'node:stream';
import { CONNECTION_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../lambda/shared/clients';
import { requestInFlight } from '../stepfunctions/lambda-time';
import { CALLER_HEADER, currentFunction } from './caller';
import type { LocalServer } from './server';

/** Where {@link installInProcessHandler} puts the handler for `lambda/shared/clients.ts` to find. */
export const LOCAL_REQUEST_HANDLER = Symbol.for('sfn-deployer.local-request-handler');

export class InProcessHandler {
  /** The server requests go to; the latest local cloud to install the deployer (one per process at a time). */
  server: LocalServer | undefined;
  /** `wire` sends the requests over loopback HTTP instead, as any client does (the bench compares both). */
  transport: 'in-process' | 'wire' = 'in-process';
  private wire: NodeHttpHandler | undefined;

  readonly metadata = { handlerProtocol: 'in-process' };

  async handle(request: HttpRequest, options: HttpHandlerOptions = {}): Promise<{ response: HttpResponse }> {
    const server = this.server;
    if (!server) throw new Error('No local cloud is serving: the in-process request handler has no server');
    if (this.transport === 'wire') {
      // To this cloud's port, whichever the client was created for: clients live as long as the process.
      const endpoint = new URL(server.endpoint);
      request.hostname = endpoint.hostname;
      request.port = Number(endpoint.port);
      this.wire ??= new NodeHttpHandler({
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
      });
      return this.wire.handle(request, options);
    }
    if (options.abortSignal?.aborted) {
      throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    const caller = currentFunction();
    if (caller !== undefined && headers[CALLER_HEADER] === undefined) headers[CALLER_HEADER] = caller;
    const query = queryString(request.query);
    const done = requestInFlight();
    try {
      const answer = await server.dispatch(
        {
          method: request.method,
          url: query ? `${request.path}?${query}` : request.path,
          headers,
          socket: { remoteAddress: '127.0.0.1' },
        },
        await bodyOf(request.body),
      );
      return {
        response: new HttpResponse({
          statusCode: answer.status,
          headers: answer.headers,
          body: new Uint8Array(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength),
        }),
      };
    } finally {
      done();
    }
  }

  updateHttpClientConfig(): void {}

  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  destroy(): void {}
}

/** The one handler of this process; `installInProcessHandler` points it at a server. */
const handler = new InProcessHandler();

/**
 * Lends the handler to the local Lambdas' SDK clients (they take it when they are created, so before
 * their bundles load) and points it at `server`.
 */
export function installInProcessHandler(
  server: LocalServer,
  transport: InProcessHandler['transport'] = 'in-process',
): void {
  handler.server = server;
  handler.transport = transport;
  (globalThis as Record<symbol, unknown>)[LOCAL_REQUEST_HANDLER] = handler;
}

function queryString(query: HttpRequest['query']): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === null || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) params.append(name, one);
  }
  return params.toString();
}

async function bodyOf(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof Readable) {
    const chunks: Buffer[] = [];
    for await (const chunk of body)
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    return Buffer.concat(chunks);
  }
  throw new Error(
    `The in-process request handler takes a string, bytes or a stream as body, got: ${typeof body}`,
  );
}
