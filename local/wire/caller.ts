/**
 * Who is calling the local cloud, for CloudTrail's `userIdentity`.
 *
 * On AWS a Lambda calls with its execution role's session credentials, so
 * CloudTrail names that role as the session issuer; the deploy-on-publish
 * rules rely on it to ignore the deployer's own publishes. Locally the
 * Lambdas run in this process, share `process.env` (so one set of
 * credentials), and call the server over loopback HTTP with the SDK, so
 * neither the socket nor the signature says which function called.
 *
 * The mechanism: each local Lambda invocation runs inside an
 * `AsyncLocalStorage` context holding the function's ARN, and every
 * outgoing HTTP request made from that context gets an `x-local-caller`
 * header naming the function. The header is added in
 * `http.Agent.prototype.addRequest`, which Node calls synchronously from the
 * `ClientRequest` constructor for every request that uses an agent (the
 * SDK's node-http-handler always does), before any header is sent. Hooking
 * the agent rather than `http.request` does not depend on how the SDK got
 * hold of `request` (it caches its own reference) nor on load order. The
 * header is unsigned and only ever added inside a local Lambda invocation,
 * so callers outside the process (the AWS CLI) and the process's own
 * clients (tests, the demo) carry none. This lives in the local cloud only;
 * the deployer's code is unchanged.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';

export const CALLER_HEADER = 'x-local-caller';

const invocation = new AsyncLocalStorage<string>();
let hooked = false;

/** Runs `fn` as the function `functionArn`: HTTP requests it makes carry {@link CALLER_HEADER}. */
export function runAsFunction<T>(functionArn: string, fn: () => T): T {
  installCallerHeader();
  return invocation.run(functionArn, fn);
}

/** The local Lambda whose invocation is running here, if any. */
export function currentFunction(): string | undefined {
  return invocation.getStore();
}

/** Idempotent, process-wide; a no-op for requests made outside {@link runAsFunction}. */
export function installCallerHeader(): void {
  if (hooked) return;
  hooked = true;
  // `addRequest` is public in Node but missing from @types/node.
  const agent = http.Agent.prototype as unknown as {
    addRequest(req: http.ClientRequest, ...rest: unknown[]): void;
  };
  const addRequest = agent.addRequest;
  agent.addRequest = function (this: http.Agent, req: http.ClientRequest, ...rest: unknown[]) {
    const caller = invocation.getStore();
    if (caller !== undefined && !req.headersSent && !req.hasHeader(CALLER_HEADER))
      req.setHeader(CALLER_HEADER, caller);
    return addRequest.call(this, req, ...rest);
  };
}

/** What the server knows of a request's caller. */
export interface Caller {
  /** The local Lambda that made the call, from {@link CALLER_HEADER}. */
  readonly functionArn?: string;
  /** From the SigV4 `Authorization` header. */
  readonly accessKeyId?: string;
  readonly userAgent?: string;
  readonly sourceIPAddress?: string;
}
