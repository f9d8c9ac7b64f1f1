/**
 * Requests on their way into the server, for the fast-forward clock: a jump must not overtake a
 * request a client has already sent, or the client would see its call answered at a later instant
 * than it was made (a deadline passed, a lock expired) for no reason but the local cloud's.
 *
 * A request holds the clock from the moment its bytes reach the server: a new connection holds it
 * (Node's agent connects only to send a request) and so do bytes on an idle keep-alive connection,
 * until the HTTP parser has turned them into a `request` event, whose own hold the server takes
 * for as long as it serves it. Bytes already in the socket's buffer when the clock thinks of
 * jumping are read first: the clock lets the event loop poll before each jump (`settleTurns`).
 */
import type { Socket } from 'node:net';
import type { BusyClock, BusyHold } from '../clock/clock';
import { realClearTimeout, realSetTimeout } from '../clock/real-timers';

/** A connection that has sent nothing for this long (real time) no longer holds the clock. */
export const SILENT_CONNECTION_MS = 1_000;

interface Connection {
  /** Held from a connection or from bytes arriving until the parser emits their request. */
  waiting: BusyHold | undefined;
  /** Requests the parser has emitted whose response has not finished. */
  serving: number;
  silence: NodeJS.Timeout | undefined;
}

export class InFlightRequests {
  private readonly connections = new WeakMap<Socket, Connection>();

  constructor(private readonly clock: BusyClock) {}

  /** A new connection: it holds the clock until its first request is parsed, it closes, or it stays silent. */
  watch(socket: Socket): void {
    const connection: Connection = { waiting: undefined, serving: 0, silence: undefined };
    this.connections.set(socket, connection);
    this.wait(connection);
    // Registered after the server's own listener (it is added before 'connection' is emitted), so by the
    // time this runs the parser has seen the chunk: a complete request has already been emitted.
    socket.on('data', () => {
      if (connection.serving === 0) this.wait(connection);
    });
    socket.once('close', () => this.stopWaiting(connection));
  }

  /** The parser emitted a request on `socket`: the server holds the clock for it from here on. */
  requestStarted(socket: Socket): void {
    const connection = this.connections.get(socket);
    if (!connection) return;
    connection.serving++;
    this.stopWaiting(connection);
  }

  /** The response to one of `socket`'s requests has been handed to the socket. */
  requestEnded(socket: Socket): void {
    const connection = this.connections.get(socket);
    if (connection && connection.serving > 0) connection.serving--;
  }

  private wait(connection: Connection): void {
    if (connection.waiting) return;
    connection.waiting = this.clock.hold();
    connection.silence = realSetTimeout(() => this.stopWaiting(connection), SILENT_CONNECTION_MS);
    connection.silence.unref();
  }

  private stopWaiting(connection: Connection): void {
    connection.waiting?.release();
    connection.waiting = undefined;
    if (connection.silence) realClearTimeout(connection.silence);
    connection.silence = undefined;
  }
}
