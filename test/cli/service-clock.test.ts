/**
 * The service's clock, read from the `Date` header of its responses: on the
 * local cloud that is the virtual clock, days ahead of the machine's when it
 * fast-forwards, so a countdown against the machine's clock is wrong.
 */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ServiceClock } from '../../cli/service-clock';

const MACHINE = new Date('2026-03-02T10:00:00.000Z');
const SERVICE = 'Thu, 05 Mar 2026 14:30:00 GMT';

/** A real client whose requests are answered by `answer`, with no network. */
function clientAnswering(answer: {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}): SFNClient {
  return new SFNClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: {
      handle: async () => ({
        response: { ...answer, body: Buffer.from(JSON.stringify(answer.body)) },
      }),
    } as never,
  });
}

describe('ServiceClock', () => {
  it('is the machine clock until a response is seen', () => {
    const clock = new ServiceClock(() => MACHINE);

    expect(clock.now()).toEqual(MACHINE);
  });

  it('moves with the machine clock from the Date header last seen', () => {
    let machine = MACHINE.getTime();
    const clock = new ServiceClock(() => new Date(machine));

    clock.observe(SERVICE);
    machine += 5_000;

    expect(clock.now()).toEqual(new Date(Date.parse(SERVICE) + 5_000));
  });

  it('ignores a Date header that does not parse', () => {
    const clock = new ServiceClock(() => MACHINE);

    clock.observe('yesterday-ish');

    expect(clock.now()).toEqual(MACHINE);
  });

  it('reads the Date header of each response an SDK client receives', async () => {
    const sfn = clientAnswering({
      statusCode: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0', date: SERVICE },
      body: { status: 'RUNNING' },
    });
    const clock = new ServiceClock(() => MACHINE);
    clock.watch(sfn);

    await sfn.send(
      new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:1:execution:d:e' }),
    );

    expect(clock.now().toUTCString()).toBe(SERVICE);
  });

  it('reads the Date header of an error response too', async () => {
    const sfn = clientAnswering({
      statusCode: 400,
      headers: { 'content-type': 'application/x-amz-json-1.0', date: SERVICE },
      body: { __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' },
    });
    const clock = new ServiceClock(() => MACHINE);
    clock.watch(sfn);

    await expect(
      sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:1:execution:d:e' })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });

    expect(clock.now().toUTCString()).toBe(SERVICE);
  });
});
