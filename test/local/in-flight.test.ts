/**
 * With fast-forward, the clock jumps as soon as nothing holds it. A request a client has already
 * sent must be answered at the instant it was sent, not after a jump it did not ask for.
 */
import net from 'node:net';
import { VirtualClock } from '../../local/clock/virtual-clock';
import { SILENT_CONNECTION_MS } from '../../local/wire/in-flight';
import { LocalServer } from '../../local/wire/server';
import type { AwsJsonService } from '../../local/wire/service';

const START = Date.UTC(2026, 0, 5, 9);
const HOUR = 3600_000;

/** Answers with the virtual instant it served the request at. */
class TimeService implements AwsJsonService {
  readonly targetPrefix = 'AWSStepFunctions';
  constructor(private readonly clock: VirtualClock) {}
  async handle(): Promise<unknown> {
    return { servedAt: this.clock.now() };
  }
}

const realDelay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits for `condition`, in real time: the machine may be busy with other work. */
async function eventually(condition: () => boolean): Promise<boolean> {
  for (let waited = 0; !condition() && waited < 5_000; waited += 10) await realDelay(10);
  return condition();
}
const REQUEST_HEAD =
  'POST / HTTP/1.1\r\nHost: local\r\nX-Amz-Target: AWSStepFunctions.ListStateMachines\r\n' +
  'Content-Type: application/x-amz-json-1.0\r\n';
const REQUEST_TAIL = 'Content-Length: 2\r\n\r\n{}';

let clock: VirtualClock;
let server: LocalServer;
let port: number;
const sockets: net.Socket[] = [];

beforeEach(async () => {
  clock = new VirtualClock({ startMs: START, fastForward: true });
  server = new LocalServer({ clock });
  server.register(new TimeService(clock));
  port = Number(new URL(await server.listen()).port);
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server.close();
  clock.stop();
});

async function connect(): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

/** The `servedAt` of the next response on `socket`. */
function nextAnswer(socket: net.Socket): Promise<number> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const body = /\r\n\r\n(\{.*\})$/s.exec(text)?.[1];
      if (!body) return;
      socket.off('data', onData);
      resolve((JSON.parse(body) as { servedAt: number }).servedAt);
    };
    socket.on('data', onData);
  });
}

/** A sleeper an hour away: with nothing holding the clock, fast-forward jumps to it at once. */
function sleepAnHour(): { woke: () => boolean } {
  let woke = false;
  void clock.sleep(HOUR).then(() => (woke = true));
  return { woke: () => woke };
}

describe('requests in flight when the clock could jump', () => {
  it('answers a request whose first bytes have arrived before jumping', async () => {
    const socket = await connect();
    // A keep-alive connection that has already served a request, now idle.
    const first = nextAnswer(socket);
    socket.write(REQUEST_HEAD + REQUEST_TAIL);
    expect(await first).toBe(START);
    await realDelay(20);

    const answer = nextAnswer(socket);
    socket.write(REQUEST_HEAD);
    await realDelay(20);
    const sleeper = sleepAnHour();
    await realDelay(50);
    expect(clock.now()).toBe(START);
    socket.write(REQUEST_TAIL);
    expect(await answer).toBe(START);
    // Once answered, nothing holds the clock: it jumps to the sleeper.
    expect(await eventually(sleeper.woke)).toBe(true);
    expect(clock.now()).toBe(START + HOUR);
  });

  it('answers a request written just before a sleeper asks for a jump', async () => {
    const socket = await connect();
    await realDelay(SILENT_CONNECTION_MS + 50); // the connection itself no longer holds the clock
    const answer = nextAnswer(socket);
    socket.write(REQUEST_HEAD + REQUEST_TAIL);
    sleepAnHour();
    expect(await answer).toBe(START);
  });

  it('holds the clock from a new connection until its request arrives', async () => {
    const socket = await connect();
    const sleeper = sleepAnHour();
    await realDelay(50);
    expect(clock.now()).toBe(START);
    const answer = nextAnswer(socket);
    socket.write(REQUEST_HEAD + REQUEST_TAIL);
    expect(await answer).toBe(START);
    expect(await eventually(sleeper.woke)).toBe(true);
  });

  it('lets the clock go when a connection stays silent or closes', async () => {
    const silent = await connect();
    const sleeper = sleepAnHour();
    await realDelay(SILENT_CONNECTION_MS / 2);
    expect(sleeper.woke()).toBe(false);
    expect(await eventually(sleeper.woke)).toBe(true);

    const closing = await connect();
    const next = sleepAnHour();
    await realDelay(20);
    expect(next.woke()).toBe(false);
    closing.destroy();
    expect(await eventually(next.woke)).toBe(true);
    silent.destroy();
  });
});
