// A misbehaving HTTP server for reliability tests: one switch per fault, on 127.0.0.1 port 0.
// Built on node:http (node:https for TLS); where HTTP itself must be broken (garbage status line,
// trickled headers, reset mid-body) the handler writes to or destroys the raw socket. Every timer
// and socket belongs to the server and is cleared by close(), so a test that closes it (afterAll +
// finally) leaves nothing behind.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What the server does with each request:
 * - ok: 200 with a small body (keep-alive);   - http500: 500 with a small body;
 * - slow: answers 200 after `slowMs` (longer than the client's timeout);
 * - hang: accepts, reads the request, never answers;
 * - slowloris: trickles a never-ending header block, one byte every `trickleMs`;
 * - slowbody: sends the headers at once, then the body one byte every `trickleMs`;
 * - reset: sends headers and part of the body, then resets the TCP connection (RST);
 * - huge: streams `hugeBytes` of body from one reused 64 KiB buffer (never allocated whole);
 * - malformed: answers with a garbage status line and closes;
 * - bigheaders: a 100 KB header (past any client's header limit);
 * - truncated: promises 10 000 bytes of body, sends a few, closes cleanly (FIN, not RST);
 * - empty: closes the connection without a byte of answer.
 */
export type Fault = 'ok' | 'http500' | 'slow' | 'hang' | 'slowloris' | 'slowbody' | 'reset' | 'huge' | 'malformed' | 'bigheaders' | 'truncated' | 'empty';

export interface FaultServerOptions {
  fault?: Fault;
  slowMs?: number;
  trickleMs?: number;
  hugeBytes?: number;
  /** Answer the first N requests 'ok' whatever the fault (lets the CLI's pre-flight probe pass). */
  okFirst?: number;
  /** Serve HTTPS with this key/cert (PEM); see makeSelfSignedCert. */
  tls?: { key: string; cert: string };
}

export interface FaultServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Origin, e.g. http://127.0.0.1:41234 (https:// with tls). */
  readonly url: string;
  fault: Fault;
  /** Requests whose headers arrived (any fault). */
  readonly requests: number;
  /** performance.now() of the last request's arrival; 0 before the first. */
  readonly lastRequestAt: number;
  /** Headers of the last request (lower-case names), to check what the client really sent. */
  readonly lastHeaders: http.IncomingHttpHeaders;
  /** Body bytes written by the `huge` fault so far. */
  readonly hugeBytesSent: number;
  /** Closes the listener and destroys every socket now; listens on the same port again after `ms`. */
  dieFor(ms: number): Promise<void>;
  /** True between dieFor() and the listener coming back. */
  readonly down: boolean;
  /** Stops listening, destroys every socket, clears every timer. Idempotent. */
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61); // 'a' × 64 KiB, reused for every `huge` write

export async function startFaultServer(opts: FaultServerOptions = {}): Promise<FaultServer> {
  const slowMs = opts.slowMs ?? 5_000;
  const trickleMs = opts.trickleMs ?? 200;
  const hugeBytes = opts.hugeBytes ?? 100 * 1024 * 1024;
  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  let lastRequestAt = 0;
  let lastHeaders: http.IncomingHttpHeaders = {};
  let hugeBytesSent = 0;
  let closed = false;
  let down = false;
  let reopenTimer: NodeJS.Timeout | undefined;

  const later = (ms: number, fn: () => void, repeat = false): NodeJS.Timeout => {
    const t = repeat
      ? setInterval(fn, ms)
      : setTimeout(() => {
          timers.delete(t);
          fn();
        }, ms);
    timers.add(t);
    return t;
  };
  const cancel = (t: NodeJS.Timeout): void => {
    clearTimeout(t);
    clearInterval(t);
    timers.delete(t);
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    requests++;
    lastRequestAt = performance.now();
    lastHeaders = req.headers;
    const socket = req.socket;
    req.resume(); // drain any request body so keep-alive works
    const fault: Fault = requests <= (opts.okFirst ?? 0) ? 'ok' : state.fault;
    switch (fault) {
      case 'ok':
      case 'http500': {
        const body = fault === 'ok' ? 'ok\n' : 'internal error\n';
        res.writeHead(fault === 'ok' ? 200 : 500, { 'content-type': 'text/plain', 'content-length': body.length });
        res.end(body);
        return;
      }
      case 'slow': {
        const t = later(slowMs, () => {
          if (!res.destroyed) res.end('late\n');
        });
        res.on('close', () => cancel(t));
        return;
      }
      case 'hang':
        return; // the socket stays open until the client gives up or close() destroys it
      case 'slowloris': {
        const text = Buffer.from('HTTP/1.1 200 OK\r\nX-Trickle: ' + 'z'.repeat(1_000_000));
        let i = 0;
        const t = later(
          trickleMs,
          () => {
            if (socket.destroyed || i >= text.length) return cancel(t);
            socket.write(text.subarray(i, i + 1));
            i++;
          },
          true,
        );
        socket.on('close', () => cancel(t));
        return;
      }
      case 'slowbody': {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 10_000 });
        res.flushHeaders();
        const t = later(
          trickleMs,
          () => {
            if (res.destroyed) return cancel(t);
            res.write('.');
          },
          true,
        );
        res.on('close', () => cancel(t));
        return;
      }
      case 'reset': {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 10_000 });
        res.write('partial body '.repeat(10), () => {
          // RST rather than FIN: the client sees ECONNRESET mid-body.
          later(20, () => {
            if (!socket.destroyed) socket.resetAndDestroy();
          });
        });
        return;
      }
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': hugeBytes });
        let left = hugeBytes;
        const pump = (): void => {
          while (left > 0 && !res.destroyed) {
            const n = Math.min(left, CHUNK.length);
            left -= n;
            hugeBytesSent += n;
            const more = res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n));
            if (!more) {
              res.once('drain', pump);
              return;
            }
          }
          if (left === 0 && !res.destroyed) res.end();
        };
        pump();
        return;
      }
      case 'malformed':
        socket.end('HTTP/1.1 banana\r\nthis is : not \0 http\r\n\r\ngarbage');
        return;
      case 'bigheaders':
        socket.end(`HTTP/1.1 200 OK\r\nX-Big: ${'b'.repeat(100_000)}\r\nContent-Length: 3\r\n\r\nok\n`);
        return;
      case 'truncated':
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\nonly a few bytes');
        return;
      case 'empty':
        socket.end();
        return;
    }
  };

  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : http.createServer(handler);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, s) => s.destroy()); // TLS handshake refused by the client, bad request …
  server.on('tlsClientError', () => {});

  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      for (const t of timers) cancel(t);
    });

  await listen(0);
  const port = (server.address() as net.AddressInfo).port;

  const state: FaultServer = {
    host: '127.0.0.1',
    port,
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    fault: opts.fault ?? 'ok',
    get requests() {
      return requests;
    },
    get lastRequestAt() {
      return lastRequestAt;
    },
    get lastHeaders() {
      return lastHeaders;
    },
    get hugeBytesSent() {
      return hugeBytesSent;
    },
    get down() {
      return down;
    },
    async dieFor(ms: number) {
      if (closed || down) return;
      down = true;
      await stopListening();
      reopenTimer = setTimeout(() => {
        reopenTimer = undefined;
        if (closed) return;
        listen(port)
          .catch(() => {}) // port taken meanwhile: stays down, the test will see it
          .finally(() => {
            down = false;
          });
      }, ms);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (reopenTimer) clearTimeout(reopenTimer);
      await stopListening();
    },
  };
  return state;
}

/** A 127.0.0.1 port nothing listens on (bound, then released): connections to it are refused. */
export async function refusedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** RFC 6761: `.invalid` never resolves, and resolvers answer that locally and fast. */
export const UNRESOLVABLE_HOST = 'loadtest-fault.invalid';

/**
 * A self-signed certificate (by default for 127.0.0.1: CN and subjectAltName IP), made by `openssl`
 * in a temp directory that is removed again. Nobody trusts it: clients must refuse it unless told
 * otherwise (insecure, or NODE_EXTRA_CA_CERTS naming it). `altName` makes one for another name.
 */
export function makeSelfSignedCert(opts: { cn?: string; altName?: string } = {}): { key: string; cert: string } {
  const cn = opts.cn ?? '127.0.0.1';
  const altName = opts.altName ?? 'IP:127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
        '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${altName}`,
      ],
      { stdio: 'pipe', timeout: 30_000 },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
