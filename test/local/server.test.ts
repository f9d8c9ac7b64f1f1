import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AwsServiceError } from '../../local/wire/aws-error';
import { LocalServer } from '../../local/wire/server';
import type { AwsJsonService, RequestContext } from '../../local/wire/service';
import { VirtualClock } from '../../local/clock/virtual-clock';

const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' };

/** A service that answers with what it was asked, or throws what it is told to. */
class EchoService implements AwsJsonService {
  readonly seen: { operation: string; input: Record<string, unknown>; context?: RequestContext }[] = [];
  failWith: AwsServiceError | Error | undefined;
  constructor(
    readonly targetPrefix: string,
    readonly awsQueryCompatible = false,
  ) {}
  async handle(
    operation: string,
    input: Record<string, unknown>,
    context?: RequestContext,
  ): Promise<unknown> {
    this.seen.push({ operation, input, context });
    if (this.failWith) throw this.failWith;
    return { stateMachines: [] };
  }
  rateLimit(operation: string) {
    return operation === 'ListStateMachines' ? { bucketSize: 2, refillPerSecond: 1 } : undefined;
  }
}

describe('LocalServer', () => {
  let clock: VirtualClock;
  let server: LocalServer;
  let sfnService: EchoService;
  let sfn: SFNClient;

  const start = async (throttling = false) => {
    clock = new VirtualClock({ speed: 0 });
    server = new LocalServer({ clock, throttling });
    sfnService = new EchoService('AWSStepFunctions');
    server.register(sfnService);
    const endpoint = await server.listen();
    sfn = new SFNClient({ endpoint, region: 'eu-west-3', credentials, maxAttempts: 1 });
    return endpoint;
  };
  afterEach(async () => {
    sfn.destroy();
    await server.close();
    clock.stop();
  });

  it('stamps each response with the virtual clock in the Date header (RFC 9110 §6.6.1)', async () => {
    // https://www.rfc-editor.org/rfc/rfc9110#section-6.6.1: an origin server with a clock sends Date;
    // the local cloud's clock is the virtual one, so clients see its time, as they see AWS's.
    const endpoint = await start();
    await clock.advance(3 * 24 * 3600_000);

    const date = await new Promise<string | undefined>((resolve, reject) => {
      http
        .request(`${endpoint}/_local/clock`, (res) => {
          res.resume();
          resolve(res.headers.date);
        })
        .on('error', reject)
        .end();
    });

    expect(date).toBe(new Date(clock.now()).toUTCString());
  });

  it('routes by X-Amz-Target and takes the region from the SigV4 credential scope', async () => {
    await start();
    const out = await sfn.send(new ListStateMachinesCommand({ maxResults: 5 }));
    expect(out.stateMachines).toEqual([]);
    expect(sfnService.seen).toEqual([
      {
        operation: 'ListStateMachines',
        input: { maxResults: 5 },
        context: {
          region: 'eu-west-3',
          accountId: '123456789012',
          // Who called, for CloudTrail: the signing key, no local function (see local/wire/caller.ts).
          caller: expect.objectContaining({
            accessKeyId: credentials.accessKeyId,
            functionArn: undefined,
            sourceIPAddress: '127.0.0.1',
          }),
          // Lends the request's hold on the clock while it waits on work that needs virtual time.
          whileWaiting: expect.any(Function),
        },
      },
    ]);
    expect(server.calls.count('ListStateMachines')).toBe(1);
    expect(server.calls.all()).toEqual({ 'AWSStepFunctions.ListStateMachines': 1 });
  });

  it('returns AWS JSON errors that the SDK raises as the same-named exception', async () => {
    await start();
    sfnService.failWith = new AwsServiceError('ConflictException', 'in use', 409);
    const err = await sfn.send(new ListStateMachinesCommand({})).catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'ConflictException',
      message: 'in use',
      $metadata: { httpStatusCode: 409 },
    });
  });

  it('adds the x-amzn-query-error header for query-compatible services', async () => {
    const endpoint = await start();
    const cw = new EchoService('GraniteServiceVersion20100801', true);
    server.register(cw);
    cw.failWith = new AwsServiceError('ResourceNotFound', 'no such alarm', 404);
    const client = new CloudWatchClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const err = await client.send(new DescribeAlarmsCommand({})).catch((e: unknown) => e);
    client.destroy();
    expect(err).toMatchObject({ name: 'ResourceNotFound', message: 'no such alarm' });
    const raw = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms' },
      body: '{}',
    });
    expect(raw.headers.get('x-amzn-query-error')).toBe('ResourceNotFound;Sender');
    expect(raw.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await raw.json()).toEqual({ __type: 'ResourceNotFound', message: 'no such alarm' });
  });

  it('answers an unknown target with UnknownOperationException', async () => {
    const endpoint = await start();
    const raw = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'Nope_20200101.Do' },
      body: '{}',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });

  it('turns an unexpected service failure into InternalFailure (500)', async () => {
    await start();
    sfnService.failWith = new Error('boom');
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const err = await sfn.send(new ListStateMachinesCommand({})).catch((e: unknown) => e);
    spy.mockRestore();
    expect(err).toMatchObject({ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
  });

  it('rejects a malformed JSON body with SerializationException', async () => {
    const endpoint = await start();
    const raw = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.ListStateMachines' },
      body: '{not json',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ __type: 'SerializationException' });
  });

  describe('fault injection', () => {
    it('fails the next N calls of an operation as asked, then recovers', async () => {
      await start();
      server.faults.inject({ operation: 'ListStateMachines', error: 'ThrottlingException', count: 2 });
      const first = await sfn.send(new ListStateMachinesCommand({})).catch((e: unknown) => e);
      const second = await sfn.send(new ListStateMachinesCommand({})).catch((e: unknown) => e);
      expect(first).toMatchObject({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      });
      expect(second).toMatchObject({ name: 'ThrottlingException' });
      await expect(sfn.send(new ListStateMachinesCommand({}))).resolves.toBeDefined();
      expect(sfnService.seen).toHaveLength(1);
      expect(server.calls.count('ListStateMachines')).toBe(3);
    });

    it('lets the first `skip` matching calls through before failing', async () => {
      await start();
      server.faults.inject({ operation: 'ListStateMachines', skip: 2, count: 1 });
      await expect(sfn.send(new ListStateMachinesCommand({}))).resolves.toBeDefined();
      await expect(sfn.send(new ListStateMachinesCommand({}))).resolves.toBeDefined();
      await expect(sfn.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
        name: 'ThrottlingException',
      });
      await expect(sfn.send(new ListStateMachinesCommand({}))).resolves.toBeDefined();
      expect(() => server.faults.inject({ operation: 'ListStateMachines', skip: -1 })).toThrow(
        'skip must be an integer >= 0, got: -1',
      );
    });

    it('injects 5xx errors through the HTTP admin endpoint', async () => {
      const endpoint = await start();
      const res = await fetch(`${endpoint}/_local/faults`, {
        method: 'POST',
        body: JSON.stringify({ operation: 'ListStateMachines', error: 'ServiceUnavailable' }),
      });
      expect(await res.json()).toEqual({
        faults: [
          { operation: 'ListStateMachines', error: 'ServiceUnavailable', hold: false, remaining: 1, skip: 0 },
        ],
      });
      const err = await sfn.send(new ListStateMachinesCommand({})).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });

      await fetch(`${endpoint}/_local/faults`, {
        method: 'POST',
        body: JSON.stringify({ operation: 'ListStateMachines', error: 'InternalFailure', count: 3 }),
      });
      await fetch(`${endpoint}/_local/faults`, { method: 'DELETE' });
      await expect(sfn.send(new ListStateMachinesCommand({}))).resolves.toBeDefined();
      const calls = await (await fetch(`${endpoint}/_local/calls`)).json();
      expect(calls).toEqual({ calls: { 'AWSStepFunctions.ListStateMachines': 2 } });
    });

    it('holds a call on the wire, neither answered nor applied, until released', async () => {
      const endpoint = await start();
      server.faults.inject({ operation: 'ListStateMachines', hold: true });

      let answered = false;
      const call = sfn.send(new ListStateMachinesCommand({})).then((out) => {
        answered = true;
        return out;
      });
      while (server.faults.heldCalls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(answered).toBe(false);
      expect(sfnService.seen).toHaveLength(0);

      await fetch(`${endpoint}/_local/faults/release`, { method: 'POST' });

      await expect(call).resolves.toBeDefined();
      expect(sfnService.seen).toHaveLength(1);
      expect(server.faults.heldCalls).toBe(0);
    });

    it('refuses a bad fault spec with a message naming the field', async () => {
      const endpoint = await start();
      const res = await fetch(`${endpoint}/_local/faults`, {
        method: 'POST',
        body: JSON.stringify({ operation: 'X', error: 'Oops' }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(
        /^error must be one of ThrottlingException, ServiceUnavailable, InternalFailure/,
      );
    });
  });

  describe('token buckets', () => {
    it('throttles once the bucket is empty and refills on the virtual clock', async () => {
      await start(true);
      await sfn.send(new ListStateMachinesCommand({}));
      await sfn.send(new ListStateMachinesCommand({}));
      await expect(sfn.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
        name: 'ThrottlingException',
      });
      await clock.advance(1000);
      await expect(sfn.send(new ListStateMachinesCommand({}))).resolves.toBeDefined();
      await expect(sfn.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
        name: 'ThrottlingException',
      });
    });

    it('is off by default', async () => {
      await start(false);
      for (let i = 0; i < 5; i++) await sfn.send(new ListStateMachinesCommand({}));
      expect(sfnService.seen).toHaveLength(5);
    });
  });

  it('proxies a target prefix to another local HTTP server', async () => {
    const endpoint = await start();
    const upstream = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ target: req.headers['x-amz-target'], body }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    server.proxy('DynamoDB_20120810', `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables' },
      body: '{"Limit":1}',
    });
    expect(await res.json()).toEqual({ target: 'DynamoDB_20120810.ListTables', body: '{"Limit":1}' });
    expect(server.calls.count('DynamoDB_20120810.ListTables')).toBe(1);
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("keeps connections alive long enough for the SDK's agent to reuse them", async () => {
    // The SDK reuses connections (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/node-reusing-connections.html);
    // Node's agent drops a socket a second before the server's `Keep-Alive: timeout=` hint, so a 1 s hint meant a new
    // connection per call.
    const endpoint = await start();
    const agent = new http.Agent({ keepAlive: true });
    let opened = 0;
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = (...args: Parameters<typeof createConnection>) => {
      opened++;
      return createConnection(...args);
    };
    const client = new SFNClient({
      endpoint,
      region: 'eu-west-3',
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpAgent: agent }),
    });
    try {
      for (let i = 0; i < 3; i++) {
        await client.send(new ListStateMachinesCommand({}));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      client.destroy();
      agent.destroy();
    }
    expect(opened).toBe(1);
  });

  it('holds the clock busy while a request is in flight', async () => {
    await start();
    let busyDuringRequest = -1;
    sfnService.handle = async () => {
      busyDuringRequest = clock.busyHolds;
      return { stateMachines: [] };
    };
    await sfn.send(new ListStateMachinesCommand({}));
    expect(busyDuringRequest).toBe(1);
    expect(clock.busyHolds).toBe(0);
  });
});
