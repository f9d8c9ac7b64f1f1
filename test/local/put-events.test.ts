/**
 * EventBridge's PutEvents on the local cloud, as
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html describe it:
 * 1 to 10 entries, 256 KB in all (sized as eb-putevent-size.html says), and
 * each entry accepted or refused on its own, the rest still put.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { BusEvent } from '../../local/eventbridge';
import { entrySize } from '../../local/eventbridge';
import { failure, type Fixture, startCloud } from './cloud-fixture';

describe('PutEvents', () => {
  let f: Fixture;
  let events: EventBridgeClient;
  let received: BusEvent[];

  beforeEach(async () => {
    f = await startCloud();
    events = new EventBridgeClient({
      endpoint: f.cloud.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    received = [];
    f.cloud.events.subscribe((event) => received.push(event));
  });

  afterEach(async () => {
    events.destroy();
    await f.stop();
  });

  const entry = (detail: object = { weight: 10 }) => ({
    Source: 'sfn-deployer',
    DetailType: 'Weight Shifted',
    Detail: JSON.stringify(detail),
    Resources: ['arn:aws:states:us-east-1:123456789012:stateMachine:orders:live'],
  });

  it('puts each entry on the default bus in AWS’s event shape, answering its id', async () => {
    const out = await events.send(new PutEventsCommand({ Entries: [entry(), entry({ weight: 20 })] }));

    expect(out.FailedEntryCount).toBe(0);
    expect(out.Entries).toHaveLength(2);
    expect(received.map((event) => event.id)).toEqual(out.Entries!.map((e) => e.EventId));
    expect(received[0]).toEqual({
      version: '0',
      id: out.Entries![0]!.EventId,
      'detail-type': 'Weight Shifted',
      source: 'sfn-deployer',
      account: '123456789012',
      time: new Date(f.cloud.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: ['arn:aws:states:us-east-1:123456789012:stateMachine:orders:live'],
      detail: { weight: 10 },
    });
    expect(received[1]!.detail).toEqual({ weight: 20 });
  });

  it('accepts the default bus by name or ARN, and refuses another bus per entry', async () => {
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          { ...entry(), EventBusName: 'default' },
          { ...entry(), EventBusName: 'arn:aws:events:us-east-1:123456789012:event-bus/default' },
          { ...entry(), EventBusName: 'deployments' },
        ],
      }),
    );

    expect(out.FailedEntryCount).toBe(1);
    expect(out.Entries![2]).toEqual({
      ErrorCode: 'ResourceNotFoundException',
      ErrorMessage: 'Event bus deployments does not exist.',
    });
    expect(received).toHaveLength(2);
  });

  it('refuses a bad entry on its own and still puts the others', async () => {
    const out = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'sfn-deployer', DetailType: 'Weight Shifted' },
          { ...entry(), Detail: '[1, 2]' },
          { ...entry(), Detail: '{not json' },
          { ...entry(), Source: 'aws.states' },
          entry(),
        ],
      }),
    );

    expect(out.FailedEntryCount).toBe(4);
    expect(out.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'NotAuthorizedForSourceException',
      'ok',
    ]);
    expect(out.Entries![0]!.ErrorMessage).toBe(
      'Parameter Detail is not valid. Reason: Detail is a required argument.',
    );
    expect(received).toHaveLength(1);
  });

  it('refuses more than 10 entries, or none, with nothing put', async () => {
    const eleven = Array.from({ length: 11 }, () => entry());

    const tooMany = await failure(events.send(new PutEventsCommand({ Entries: eleven })));
    const none = await failure(events.send(new PutEventsCommand({ Entries: [] })));

    expect(tooMany).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(tooMany.message).toContain('between 1 and 10');
    expect(none.name).toBe('ValidationException');
    expect(received).toEqual([]);
  });

  it('refuses a request over 256 KB in all, counting each field’s UTF-8 bytes, with nothing put', async () => {
    // Two entries of 132,000 bytes of detail each: each fits alone, together they do not.
    const big = entry({ pad: 'é'.repeat(66_000) });
    expect(entrySize(big)).toBeGreaterThan(132_000);
    expect(entrySize(big)).toBeLessThan(256 * 1024);

    const alone = await events.send(new PutEventsCommand({ Entries: [big] }));
    const together = await failure(events.send(new PutEventsCommand({ Entries: [big, big] })));

    expect(alone.FailedEntryCount).toBe(0);
    expect(together).toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(received).toHaveLength(1);
  });
});
