import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AwsServiceError } from './aws-error';
import { CALLER_HEADER, type Caller } from './caller';
import type { BusyClock } from '../clock/clock';
import { CallLog, FaultInjector, faultError, type FaultSpec, type JournalRecord } from './faults';
import type { AwsJsonService, RequestContext } from './service';
import { TokenBuckets } from './token-bucket';
import { queryError, serveStsQuery } from '../sts/query';
import { InFlightRequests } from './in-flight';
import type { Upstream } from '../dynamodb';

export interface LocalServerOptions {
  readonly clock: BusyClock;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** Used when a request carries no SigV4 credential scope. @default 'us-east-1' */
  readonly defaultRegion?: string;
  /** Enforce each service's documented token buckets. @default false */
  readonly throttling?: boolean;
}

/**
 * Runs a function for Lambda's `Invoke` API: the payload in, its result out, or the error JSON
 * Lambda writes (`{"errorType","errorMessage",…}`) as `functionError`; undefined when no such function.
 */
export type LambdaInvoker = (
  functionName: string,
  payload: unknown,
  context: RequestContext,
) => Promise<{ payload?: unknown; functionError?: string } | undefined>;

/** What the server reads of a request: an HTTP request on the wire, or one handed over in-process. */
export interface ServedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly socket: { readonly remoteAddress?: string };
}

/** What the server writes an answer to: Node's `ServerResponse`, or a buffer for an in-process caller. */
interface Answer {
  readonly headersSent: boolean;
  setHeader(name: string, value: string): void;
  writeHead(status: number, headers: http.OutgoingHttpHeaders): void;
  end(body?: string | Buffer): void;
}

/** An answer collected whole, for a caller in this process. */
export interface BufferedAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Lambda's Invoke: `POST /2015-03-31/functions/{FunctionName}/invocations` (REST JSON). */
const LAMBDA_INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** An admin route's handler: the request's JSON body in, the JSON answer out. */
export type AdminRoute = (body: unknown) => unknown;

/** Decides whether a request may be served: resolves to the refusal, or `undefined` to serve it. */
export type RequestAuthorizer = (request: {
  readonly targetPrefix: string;
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly context: RequestContext;
}) => Promise<AwsServiceError | undefined>;

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/;
const ACCESS_KEY = /Credential=([^/,\s]+)\//;
const SIGNED_SERVICE = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/;
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** How long an idle connection stays open for the next request. */
export const KEEP_ALIVE_TIMEOUT_MS = 60_000;

/**
 * The local cloud's HTTP endpoint: AWS JSON 1.0 over `POST /`, routed by
 * `X-Amz-Target` to registered services or proxied to another local server,
 * plus a small admin API under `/_local/` for tests.
 */
/** A request the server answered. */
export interface ServedLogEntry {
  /** Virtual ms since the epoch when it was answered. */
  atMs: number;
  /** `AWSStepFunctions.StartExecution`, or the method and path of a REST call (Lambda, admin routes). */
  operation: string;
  /** The local Lambda that made it, if one did. */
  caller?: string;
  status: number;
}

export class LocalServer {
  readonly faults = new FaultInjector();
  readonly calls: CallLog;
  /** A local Lambda's execution role, by function ARN: the journal names it as the caller. */
  callerRole: ((functionArn: string) => string | undefined) | undefined;
  /** Checked before every AWS request, proxied ones included (IAM). */
  authorizer: RequestAuthorizer | undefined;
  /** Serves Lambda's Invoke API when set. */
  lambdaInvoker: LambdaInvoker | undefined;
  /** Told of each request once answered (`npm run local -- --verbose` logs them). */
  onServed: ((served: ServedLogEntry) => void) | undefined;
  private readonly services = new Map<string, AwsJsonService>();
  private readonly proxies = new Map<string, URL | Upstream>();
  private readonly adminRoutes = new Map<string, AdminRoute>();
  private readonly buckets: TokenBuckets;
  private readonly server: http.Server;
  private readonly clock: BusyClock;
  private readonly accountId: string;
  private readonly defaultRegion: string;
  private readonly throttling: boolean;
  private url: string | undefined;
  private readonly inFlight: InFlightRequests;

  constructor(private readonly options: LocalServerOptions) {
    this.clock = options.clock;
    this.accountId = options.accountId ?? '123456789012';
    this.defaultRegion = options.defaultRegion ?? 'us-east-1';
    this.throttling = options.throttling ?? false;
    this.buckets = new TokenBuckets(options.clock);
    this.calls = new CallLog(
      () => this.clock.now(),
      (functionArn) => this.callerRole?.(functionArn),
    );
    // Each request holds the clock while it is served, so no fast-forward jump overtakes it; it lends
    // the hold back only while waiting for work that needs virtual time (RequestContext.whileWaiting).
    this.server = http.createServer((req, res) => {
      this.inFlight.requestStarted(req.socket);
      res.once('finish', () => this.logServed(req, res.statusCode));
      const hold = this.holdClock();
      void this.serve(req, res, hold.whileWaiting).finally(() => {
        this.inFlight.requestEnded(req.socket);
        hold.release();
      });
    });
    // The SDK keeps connections alive and reuses them (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-reusing-connections.html);
    // Node's agent honours the `Keep-Alive: timeout=` hint less a second, so a short one means a new TCP
    // connection per call. A minute, far beyond the gaps between a deployment's calls, as a load balancer's default.
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    this.inFlight = new InFlightRequests(this.clock);
    this.server.on('connection', (socket: Socket) => this.inFlight.watch(socket));
  }

  /** Routes `X-Amz-Target: <service.targetPrefix>.*` to `service`. */
  register(service: AwsJsonService): void {
    this.services.set(service.targetPrefix, service);
  }

  /**
   * Serves another admin route, e.g. `POST /_local/events/drop`: the handler gets the parsed JSON
   * body and returns the JSON answer; an error it throws is answered 400 with its message.
   */
  addAdminRoute(method: string, path: string, handler: AdminRoute): void {
    if (!path.startsWith('/_local/')) throw new Error(`admin routes live under /_local/, got: ${path}`);
    this.adminRoutes.set(`${method} ${path}`, handler);
  }

  /**
   * Forwards `X-Amz-Target: <targetPrefix>.*` requests unchanged to another HTTP server, or to a
   * handler in this process (dynalite's, `dynamodb/index.ts`).
   */
  proxy(targetPrefix: string, upstream: string | Upstream): void {
    this.proxies.set(targetPrefix, typeof upstream === 'string' ? new URL(upstream) : upstream);
  }

  async listen(): Promise<string> {
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${host}:${port}`;
    return this.url;
  }

  get endpoint(): string {
    if (!this.url) throw new Error('the server is not listening yet');
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /**
   * Serves a request from this process without TCP or HTTP parsing: the same routing, IAM, journal,
   * faults and clock holds as a request on the wire. The in-process Lambdas' SDK clients use it
   * (`in-process-handler.ts`).
   */
  async dispatch(req: ServedRequest, body: Buffer): Promise<BufferedAnswer> {
    const answer = new BufferingAnswer();
    const hold = this.holdClock();
    try {
      await this.serveBody(req, body, answer, hold.whileWaiting);
    } finally {
      hold.release();
    }
    const collected = answer.collected();
    this.logServed(req, collected.status);
    return collected;
  }

  /**
   * A request's hold on the clock while it is served, and the `whileWaiting` that lends it back
   * while the request waits for work that needs virtual time.
   */
  private holdClock(): { whileWaiting: RequestContext['whileWaiting']; release: () => void } {
    let hold = this.clock.hold();
    return {
      whileWaiting: async <T>(work: Promise<T>): Promise<T> => {
        hold.release();
        try {
          return await work;
        } finally {
          hold = this.clock.hold();
        }
      },
      release: () => hold.release(),
    };
  }

  private logServed(req: ServedRequest, status: number): void {
    this.onServed?.({
      atMs: this.clock.now(),
      operation: header(req, 'x-amz-target') ?? `${req.method ?? 'GET'} ${req.url ?? '/'}`,
      caller: header(req, CALLER_HEADER),
      status,
    });
  }

  private async serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    whileWaiting: RequestContext['whileWaiting'],
  ): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      console.error('local cloud: request failed:', err);
      return;
    }
    await this.serveBody(req, body, res, whileWaiting);
  }

  private async serveBody(
    req: ServedRequest,
    body: Buffer,
    res: Answer,
    whileWaiting: RequestContext['whileWaiting'],
  ): Promise<void> {
    try {
      // Every HTTP response carries the server's time (RFC 9110 §6.6.1); here that is the virtual clock,
      // so a client can tell "now" as the local cloud sees it (sfn-deploy watch counts down with it).
      // Not for the deployer's in-process Lambdas: with a virtual Date their SDK clients saw a clock skew
      // and deployments took virtual time they should not have (test/e2e/requests.test.ts).
      if (!header(req, CALLER_HEADER)) res.setHeader('date', new Date(this.clock.now()).toUTCString());
      const path = (req.url ?? '/').split('?')[0]!;
      if (path.startsWith('/_local/')) return this.serveAdmin(req.method ?? 'GET', path, body, res);
      const invoke = LAMBDA_INVOKE.exec(path);
      if (invoke && req.method === 'POST' && this.lambdaInvoker) {
        return await this.serveLambdaInvoke(req, decodeURIComponent(invoke[1]!), body, res);
      }
      if (req.method !== 'POST' || path !== '/') {
        return sendJson(res, 404, {
          __type: 'UnknownOperationException',
          message: `No route for ${req.method} ${path}`,
        });
      }
      await this.serveAws(req, body, res, whileWaiting);
    } catch (err) {
      console.error('local cloud: request failed:', err);
      if (!res.headersSent) sendError(res, internalFailure(), false);
    }
  }

  private async serveAws(
    req: ServedRequest,
    body: Buffer,
    res: Answer,
    whileWaiting?: RequestContext['whileWaiting'],
  ): Promise<void> {
    if (!header(req, 'x-amz-target') && (header(req, 'content-type') ?? '').startsWith(FORM_CONTENT_TYPE)) {
      return this.serveQuery(req, body, res);
    }
    const target = header(req, 'x-amz-target') ?? '';
    const dot = target.lastIndexOf('.');
    const prefix = dot > 0 ? target.slice(0, dot) : '';
    const operation = dot > 0 ? target.slice(dot + 1) : '';
    const service = this.services.get(prefix);
    const proxyUrl = this.proxies.get(prefix);
    if (!operation || (!service && !proxyUrl)) {
      return sendError(
        res,
        new AwsServiceError('UnknownOperationException', `Unknown operation ${target}`),
        false,
      );
    }
    const context: RequestContext = {
      region: regionOf(req) ?? this.defaultRegion,
      accountId: this.accountId,
      caller: callerOf(req),
      whileWaiting,
    };
    const parsed = parseObject(body);
    const journal = this.calls.record(prefix, operation, parsed ?? {}, context.caller?.functionArn);
    const queryCompatible = service?.awsQueryCompatible ?? false;
    const fail = (err: AwsServiceError) => {
      journal.failed(err.code);
      sendError(res, err, queryCompatible);
    };
    if (this.authorizer) {
      const denied = await this.authorizer({
        targetPrefix: prefix,
        operation,
        input: parsed ?? {},
        context,
      });
      if (denied) return fail(denied);
    }

    const injected = this.faults.take(prefix, operation);
    if (injected && 'error' in injected) return fail(injected.error);
    if (injected) await injected.held;
    const limit = this.throttling ? service?.rateLimit?.(operation, context.region) : undefined;
    if (limit && !this.buckets.take(`${context.region}/${prefix}.${operation}`, limit)) {
      this.calls.recordThrottled(prefix, operation);
      return fail(faultError('ThrottlingException'));
    }

    if (typeof proxyUrl === 'function') {
      const answer = await proxyUrl(req, body);
      if (answer.status >= 400) journal.failed(errorCodeOf(answer.body, answer.status));
      res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
      return res.end(answer.body);
    }
    if (proxyUrl) return forward(req, body, proxyUrl, res, journal);
    if (!parsed) {
      let malformed = false;
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        malformed = true;
      }
      return fail(
        new AwsServiceError(
          'SerializationException',
          malformed ? 'Malformed JSON request body' : 'Expected a JSON object',
        ),
      );
    }
    try {
      const output = await service!.handle(operation, parsed, context);
      sendJson(res, 200, output ?? {});
    } catch (err) {
      if (err instanceof AwsServiceError) return fail(err);
      console.error(`local cloud: ${target} failed:`, err);
      fail(internalFailure());
    }
  }

  /**
   * Lambda's Invoke, synchronous (`RequestResponse`, the default) or `Event` (202, run in the
   * background). A function's error is a 200 with `X-Amz-Function-Error: Unhandled` and Lambda's
   * error JSON as body; a missing function a 404 `ResourceNotFoundException`.
   * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
   */
  private async serveLambdaInvoke(
    req: ServedRequest,
    functionName: string,
    body: Buffer,
    res: Answer,
  ): Promise<void> {
    const context: RequestContext = {
      region: regionOf(req) ?? this.defaultRegion,
      accountId: this.accountId,
      caller: callerOf(req),
    };
    const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    const journal = this.calls.record(
      'Lambda',
      'Invoke',
      { FunctionName: functionName, InvocationType: type },
      context.caller?.functionArn,
    );
    const restError = (status: number, code: string, message: string) => {
      journal.failed(code);
      const text = JSON.stringify({ Type: 'User', message });
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-errortype': code,
        'x-amzn-requestid': randomUUID(),
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    if (type !== 'RequestResponse' && type !== 'Event') {
      return restError(400, 'InvalidParameterValueException', `Unsupported invocation type ${type}`);
    }
    let payload: unknown = null;
    try {
      payload = body.length === 0 ? null : JSON.parse(body.toString('utf8'));
    } catch {
      return restError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    const running = this.lambdaInvoker!(functionName, payload, context);
    if (type === 'Event') {
      running.catch(() => undefined);
      res.writeHead(202, { 'x-amzn-requestid': randomUUID(), 'content-length': 0 });
      return void res.end();
    }
    const result = await running;
    if (!result) {
      return restError(
        404,
        'ResourceNotFoundException',
        `Function not found: arn:aws:lambda:${context.region}:${this.accountId}:function:${functionName}`,
      );
    }
    const text = result.functionError ?? JSON.stringify(result.payload ?? null);
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-amzn-requestid': randomUUID(),
      'x-amz-executed-version': '$LATEST',
      ...(result.functionError ? { 'x-amz-function-error': 'Unhandled' } : {}),
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }

  /** The AWS query protocol (form-encoded, XML answers): STS's, which the SDKs and the CLI still use for it. */
  private serveQuery(req: ServedRequest, body: Buffer, res: Answer): void {
    const form = body.toString('utf8');
    const signedFor = SIGNED_SERVICE.exec(header(req, 'authorization') ?? '')?.[1];
    const answer =
      signedFor === 'sts'
        ? serveStsQuery(form, { accountId: this.accountId })
        : queryError(
            'InvalidAction',
            `The local cloud serves the query protocol for STS only, not for ${signedFor ?? 'an unsigned request'}`,
          );
    const params = new URLSearchParams(form);
    const journal = this.calls.record('sts', params.get('Action') ?? 'MissingAction', {
      ...Object.fromEntries(params),
    });
    if (answer.status >= 400) journal.failed(/<Code>([^<]+)<\/Code>/.exec(answer.xml)?.[1] ?? 'UnknownError');
    res.writeHead(answer.status, {
      'content-type': 'text/xml',
      'content-length': Buffer.byteLength(answer.xml),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(answer.xml);
  }

  private serveAdmin(method: string, path: string, body: Buffer, res: Answer): void {
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /_local/faults':
        return sendJson(res, 200, { faults: this.faults.pending() });
      case 'POST /_local/faults': {
        try {
          const spec = JSON.parse(body.toString('utf8') || '{}') as FaultSpec;
          this.faults.inject(spec);
        } catch (err) {
          return sendJson(res, 400, { message: (err as Error).message });
        }
        return sendJson(res, 200, { faults: this.faults.pending() });
      }
      case 'POST /_local/faults/release':
        this.faults.releaseHeld();
        return sendJson(res, 200, { faults: this.faults.pending() });
      case 'DELETE /_local/faults':
        this.faults.clear();
        return sendJson(res, 200, { faults: [] });
      case 'GET /_local/calls':
        return sendJson(res, 200, { calls: this.calls.all() });
      case 'GET /_local/calls/journal':
        return sendJson(res, 200, { journal: this.calls.journal() });
      case 'DELETE /_local/calls':
        this.calls.reset();
        return sendJson(res, 200, { calls: {} });
      case 'GET /_local/clock':
        return sendJson(res, 200, { nowMs: this.clock.now(), now: new Date(this.clock.now()).toISOString() });
      default: {
        const handler = this.adminRoutes.get(route);
        if (!handler) return sendJson(res, 404, { message: `No admin route ${route}` });
        // A route may answer later (a promise), e.g. once the clock has moved on.
        void Promise.resolve()
          .then(() => handler(JSON.parse(body.toString('utf8') || '{}')))
          .then(
            (out) => sendJson(res, 200, out),
            (err: unknown) => sendJson(res, 400, { message: (err as Error).message }),
          );
        return;
      }
    }
  }
}

function header(req: ServedRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function regionOf(req: ServedRequest): string | undefined {
  return CREDENTIAL_SCOPE.exec(header(req, 'authorization') ?? '')?.[1];
}

function callerOf(req: ServedRequest): Caller {
  return {
    functionArn: header(req, CALLER_HEADER),
    accessKeyId: ACCESS_KEY.exec(header(req, 'authorization') ?? '')?.[1],
    userAgent: header(req, 'user-agent'),
    sourceIPAddress: req.socket.remoteAddress,
  };
}

/** The request body as a JSON object, or `undefined` if it is not one. */
function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: Answer, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

/** AWS's JSON error shape; query-compatible services (CloudWatch) also name the code in a header. */
function sendError(res: Answer, err: AwsServiceError, queryCompatible: boolean): void {
  const headers: Record<string, string> = {};
  if (queryCompatible)
    headers['x-amzn-query-error'] = `${err.code};${err.statusCode >= 500 ? 'Receiver' : 'Sender'}`;
  // Some AWS errors carry no message at all (CloudWatch's ResourceNotFound): then neither does this one.
  sendJson(
    res,
    err.statusCode,
    { __type: err.code, ...(err.message === '' ? {} : { message: err.message }), ...err.fields },
    headers,
  );
}

function internalFailure(): AwsServiceError {
  return faultError('InternalFailure');
}

/** Forwards a request as is; an error answer's `__type` (e.g. DynamoDB's) goes to the journal. */
function forward(
  req: ServedRequest,
  body: Buffer,
  base: URL,
  res: Answer,
  journal: JournalRecord,
): Promise<void> {
  return new Promise((resolve) => {
    const upstream = http.request(
      {
        hostname: base.hostname,
        port: base.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: base.host, 'content-length': String(body.length) },
      },
      (upstreamRes) => {
        const status = upstreamRes.statusCode ?? 502;
        // Read whole, then answered: the answer may be a buffer for a caller in this process.
        const chunks: Buffer[] = [];
        upstreamRes.on('data', (chunk: Buffer) => chunks.push(chunk));
        upstreamRes.on('end', () => {
          const answer = Buffer.concat(chunks);
          if (status >= 400) journal.failed(errorCodeOf(answer, status));
          const { 'transfer-encoding': _chunked, ...headers } = upstreamRes.headers;
          res.writeHead(status, { ...headers, 'content-length': answer.length });
          res.end(answer);
          resolve();
        });
        upstreamRes.on('error', () => resolve());
      },
    );
    upstream.on('error', (err) => {
      console.error(`local cloud: proxy to ${base.href} failed:`, err);
      journal.failed('ServiceUnavailable');
      if (!res.headersSent) sendError(res, faultError('ServiceUnavailable'), false);
      resolve();
    });
    upstream.end(body);
  });
}

/** An AWS JSON error body's code (`__type`, less any `namespace#`), else the HTTP status. */
function errorCodeOf(body: Buffer, status: number): string {
  const type = parseObject(body)?.__type;
  return typeof type === 'string' ? type.slice(type.lastIndexOf('#') + 1) : `HTTP ${status}`;
}

/** Collects what the server writes, for {@link LocalServer.dispatch}. */
class BufferingAnswer implements Answer {
  private status = 200;
  private readonly headers: Record<string, string> = {};
  private body: Buffer = Buffer.alloc(0);
  private written = false;

  get headersSent(): boolean {
    return this.written;
  }

  setHeader(name: string, value: string): void {
    this.headers[name.toLowerCase()] = value;
  }

  writeHead(status: number, headers: http.OutgoingHttpHeaders): void {
    this.status = status;
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined)
        this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    this.written = true;
  }

  end(body?: string | Buffer): void {
    this.written = true;
    if (body !== undefined) this.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  }

  collected(): BufferedAnswer {
    return { status: this.status, headers: this.headers, body: this.body };
  }
}
