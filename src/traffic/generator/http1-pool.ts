// The lean HTTP/1.1 client: up to N keep-alive connections (plain TCP or TLS), one request at a time
// on each, pre-serialized requests written straight to the socket, responses framed by the minimal
// parser in http1-response-parser.ts. It exists because the generator's CPU per request is the
// limit of what it can measure: at 10k req/s on one core it costs about two thirds of what undici's
// Pool costs (README, Performance), while undici stays selectable (`traffic.client: undici`).
//
// Contract with the engine (engine.ts): dispatch(r) sends r now on an idle connection, on a new one
// while fewer than N exist, or queues it until one frees. Exactly one of r.onComplete() / r.onError()
// is called per request that reached a connection; requests that finish meanwhile (the engine's
// timeout sweep) are skipped when dequeued, and r.abortFn destroys the connection a stuck one is on.
import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { RequestSpec } from '../../scenario/scenario.js';
import type { InFlightRequest } from './in-flight-request.js';
import { compileTemplatedRequest, serializeRequest } from './http1-request.js';
import { columnResolver, OutBuffer, type TemplateRuntime } from '../../workload/byte-template.js';
import { applyRows } from '../../workload/request-data.js';
import { renderWire, type WireRequest } from '../../workload/request-template.js';
import { FAILED, NEED_MORE, onlyLineBreaks, ResponseParser } from './http1-response-parser.js';
import { Ring } from './ring.js';

export interface Http1PoolOptions {
  /** Most connections open at once. */
  connections: number;
  /** Verify the server's certificate (https targets). */
  rejectUnauthorized: boolean;
  /** Idle connections older than this are closed rather than reused when the server gave no hint, ms. */
  keepAliveMs?: number;
  /** What fills templated requests' holes (required when a request has a template). */
  templates?: TemplateRuntime;
}

/** A connection closed by the server before the response ended (classified as `reset`). */
export class SocketClosedError extends Error {
  readonly code = 'LOADTEST_SOCKET_CLOSED';
  constructor() {
    super('the server closed the connection before the response ended');
  }
}
const E_CLOSED = new SocketClosedError();

/** Reuse an idle connection only while it is this much younger than the server's advertised timeout. */
const KEEP_ALIVE_MARGIN_MS = 1000;
/** Per connection; a read never holds more (a bigger response arrives in several reads). */
const READ_BUFFER_BYTES = 64 * 1024;

class Conn {
  current: InFlightRequest | null = null;
  readonly parser = new ResponseParser();
  idleSince = 0;
  dead = false;
  /** Shared by every request this connection carries: a stuck request's timeout destroys the connection. */
  readonly abort = (): void => {
    // Only while the request that timed out is still the one on the wire.
    const r = this.current;
    if (r !== null && r.finished) this.socket.destroy();
  };
  /** Set right after construction (the socket's read callback needs the connection first). */
  socket!: net.Socket;
  /** Where this connection's templated requests are filled, reused from one request to the next. */
  out: OutBuffer | null = null;
}

export class Http1Pool {
  private readonly requests: Buffer[];
  /** Per request: its byte template when it has holes, else null (its Buffer in `requests` is sent). */
  private readonly wire: Array<WireRequest | null>;
  private readonly templated: boolean;
  private readonly scratch = new OutBuffer();
  private readonly isHead: boolean[];
  private readonly idle = new Ring<Conn>(64);
  private readonly pending = new Ring<InFlightRequest>();
  private readonly all = new Set<Conn>();
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly servername: string | undefined;
  private readonly keepAliveMs: number;
  private destroyed = false;

  constructor(
    target: string,
    requests: readonly RequestSpec[],
    private readonly opts: Http1PoolOptions,
  ) {
    const origin = new URL(target);
    this.secure = origin.protocol === 'https:';
    this.host = origin.hostname.startsWith('[') ? origin.hostname.slice(1, -1) : origin.hostname;
    this.port = origin.port ? Number(origin.port) : this.secure ? 443 : 80;
    this.servername = net.isIP(this.host) === 0 ? this.host : undefined;
    this.keepAliveMs = opts.keepAliveMs ?? 30_000;
    const columns = opts.templates ? columnResolver(opts.templates.feeders) : undefined;
    this.wire = requests.map((r) => compileTemplatedRequest(origin, r, columns));
    this.templated = this.wire.some((w) => w !== null);
    if (this.templated && !opts.templates) throw new Error('templated requests need a template runtime');
    this.requests = requests.map((r, i) => (this.wire[i] ? Buffer.alloc(0) : serializeRequest(origin, r)));
    this.isHead = requests.map((r) => r.method === 'HEAD');
  }

  /** Connections open or opening now. */
  get size(): number {
    return this.all.size;
  }

  dispatch(r: InFlightRequest): void {
    if (this.destroyed) return r.onError(E_CLOSED);
    // Sent just now: the engine's clock reading serves (no second one per request on the hot path).
    const now = r.sentAt;
    const c = this.takeIdle(now);
    if (c !== null) this.assign(c, r, now);
    else if (this.all.size < this.opts.connections) this.assign(this.open(), r, now);
    else this.pending.push(r);
  }

  /** Closes every connection; queued requests are dropped unreported (the engine has recorded them). */
  destroy(): Promise<void> {
    this.destroyed = true;
    while (this.pending.shift() !== undefined);
    const closing: Array<Promise<void>> = [];
    for (const c of this.all) {
      c.dead = true;
      if (!c.socket.destroyed) closing.push(new Promise((r) => c.socket.once('close', () => r())));
      c.socket.destroy();
    }
    this.all.clear();
    return Promise.all(closing).then(() => undefined);
  }

  private takeIdle(now: number): Conn | null {
    for (let c = this.idle.shift(); c !== undefined; c = this.idle.shift()) {
      if (c.dead) continue;
      const hint = c.parser.keepAliveHintMs;
      const limit = hint > 0 ? hint - KEEP_ALIVE_MARGIN_MS : this.keepAliveMs;
      if (now - c.idleSince < limit) return c;
      this.retire(c); // the server is about to close it: a request sent now could meet the FIN
    }
    return null;
  }

  private open(): Conn {
    const c = new Conn();
    const socket = this.secure
      ? tls.connect({
          host: this.host,
          port: this.port,
          servername: this.servername,
          rejectUnauthorized: this.opts.rejectUnauthorized,
          ALPNProtocols: ['http/1.1'],
        }).setNoDelay(true)
      : net.connect({
          host: this.host,
          port: this.port,
          noDelay: true,
          // Reads land in one buffer per connection, reused: no Buffer and no stream event per read.
          onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (n: number, buf: Uint8Array): boolean => this.onData(c, buf as Buffer, n) },
        });
    c.socket = socket;
    this.all.add(c);
    if (this.secure) socket.on('data', (chunk: Buffer) => this.onData(c, chunk, chunk.length));
    socket.on('end', () => this.onEnd(c));
    socket.on('error', (err: Error) => this.onClose(c, err));
    socket.on('close', () => this.onClose(c, E_CLOSED));
    return c;
  }

  /** `now`: this thread's performance.now(), if the caller has just read it. */
  private assign(c: Conn, r: InFlightRequest, now?: number): void {
    c.current = r;
    c.parser.begin(this.isHead[r.name] === true);
    r.onWire(c.abort, now);
    const w = this.templated ? this.wire[r.name] : null;
    let bytes: Buffer;
    if (w) {
      const rt = this.opts.templates!;
      applyRows(rt, r.rows);
      rt.vars = r.session?.vars ?? null;
      try {
        bytes = this.render(c, w);
      } catch (err) {
        // A captured value that cannot be sent where it goes (a line break in a header value).
        c.current = null;
        this.release(c);
        r.onError(err as Error);
        return;
      }
    } else bytes = this.requests[r.name]!;
    c.socket.write(bytes);
  }

  /** Fills a templated request into the connection's buffer (the previous request on it was answered, so its bytes are gone). */
  private render(c: Conn, w: WireRequest): Buffer {
    // Bytes still queued in the socket (a response that came before its request was all written)
    // may point into the buffer: that rare request gets a new one.
    if (c.out === null || c.socket.writableLength > 0) c.out = new OutBuffer(Buffer.allocUnsafe(Math.max(256, w.head.maxBytes)));
    const n = renderWire(w, c.out, this.scratch, this.opts.templates!);
    return c.out.buf.subarray(0, n);
  }

  private onData(c: Conn, chunk: Buffer, n: number): boolean {
    const r = c.current;
    if (r === null) {
      // Empty lines between responses are skipped (as llhttp does); other bytes nobody asked for
      // mean the connection's framing can no longer be trusted.
      if (onlyLineBreaks(chunk, 0, n)) return true;
      this.retire(c);
      return false;
    }
    const at = c.parser.execute(chunk, 0, n);
    if (r.tee !== null) r.tee.add(at >= 0 ? chunk.subarray(0, at) : chunk.subarray(0, n));
    if (at === NEED_MORE) return true;
    if (at === FAILED) {
      c.current = null;
      this.retire(c);
      r.bytes = c.parser.bodyBytes;
      r.onError(c.parser.error!);
      return false;
    }
    c.current = null;
    r.status = c.parser.status;
    r.bytes = c.parser.bodyBytes;
    // More bytes than the response framed (other than empty lines): do not send another request on this connection.
    if (!c.parser.keepAlive || (at < n && !onlyLineBreaks(chunk, at, n))) this.retire(c);
    else this.release(c);
    r.onComplete();
    return true;
  }

  private onEnd(c: Conn): void {
    // The server's FIN ends a body that had no length; any other unfinished response was cut short (onClose).
    const r = c.current;
    if (r !== null && c.parser.eof()) {
      c.current = null;
      r.status = c.parser.status;
      r.bytes = c.parser.bodyBytes;
      this.retire(c);
      r.onComplete();
    }
  }

  private onClose(c: Conn, err: Error): void {
    const r = c.current;
    c.current = null;
    if (!c.dead) this.retire(c);
    if (r !== null) {
      r.bytes = c.parser.bodyBytes;
      r.onError(err);
    }
  }

  /** The connection is ready for another request: the oldest queued one, or the idle list. */
  private release(c: Conn): void {
    for (let r = this.pending.shift(); r !== undefined; r = this.pending.shift()) {
      if (!r.finished) return this.assign(c, r);
    }
    c.idleSince = performance.now();
    this.idle.push(c);
  }

  /** Takes the connection out of the pool for good; a queued request gets a new connection in its place. */
  private retire(c: Conn): void {
    c.dead = true;
    this.all.delete(c);
    c.socket.destroy();
    if (this.destroyed) return;
    for (let r = this.pending.shift(); r !== undefined; r = this.pending.shift()) {
      if (!r.finished) return this.assign(this.open(), r);
    }
  }
}
