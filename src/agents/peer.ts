// One end of a controller ↔ agent connection: frames in and out (protocol.ts) over a socket, when
// the other side was last heard from, and one close with its reason. Both sides use it.
import type { Socket } from 'node:net';
import { FrameDecoder, encodeFrame, ProtocolError, type Message } from './protocol.js';

/** Milliseconds on this process's monotonic clock (performance.timeOrigin + now()). */
export type Clock = () => number;

export class Peer {
  /** When the last message arrived (this side's clock). */
  lastHeard: number;
  private closedWith: string | null = null;
  private readonly decoder = new FrameDecoder();
  private readonly closeListeners: Array<(reason: string) => void> = [];

  constructor(
    readonly socket: Socket,
    private readonly clock: Clock,
    onMessage: (m: Message) => void,
  ) {
    this.lastHeard = clock();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.closedWith !== null) return;
      let messages: Message[];
      try {
        messages = this.decoder.push(chunk);
      } catch (err) {
        this.close(`protocol error: ${err instanceof ProtocolError ? err.message : String(err)}`);
        return;
      }
      this.lastHeard = this.clock();
      for (const m of messages) {
        if (this.closedWith !== null) return;
        onMessage(m);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => this.close(err.code === 'ECONNRESET' ? 'connection reset' : `connection error: ${err.message}`));
    socket.on('close', () => this.close('connection closed'));
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Why the connection ended (null while open). */
  get closeReason(): string | null {
    return this.closedWith;
  }

  /** Sends one message; false when the connection is gone (never throws for a closed socket). */
  send(msg: Message): boolean {
    if (this.closedWith !== null || this.socket.destroyed) return false;
    try {
      this.socket.write(encodeFrame(msg));
      return true;
    } catch (err) {
      this.close(`cannot send ${msg.type}: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  /** Ends the connection once; the first reason is kept and told to every onClose listener. */
  close(reason: string, farewell?: Message): void {
    if (this.closedWith !== null) return;
    if (farewell) this.send(farewell);
    this.closedWith = reason;
    // end() lets a farewell frame out; destroy shortly after in case the other side never closes.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 200).unref();
    for (const l of this.closeListeners.splice(0)) l(reason);
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closedWith !== null) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }
}
