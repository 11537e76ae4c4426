// Small node:http test servers on 127.0.0.1 port 0 for generator tests (others may import them).
// One server, switchable behaviour: ok | status (fixed status, e.g. 500) | reset (destroy the socket
// on each request) | slow (answer after delayMs) | stall (hold every response until release) |
// large (stream `bodyBytes` from one reused buffer). Every held response and socket belongs to the
// server and close() ends them, so a test that closes it (afterAll/finally) leaves nothing behind.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ServerMode = 'ok' | 'status' | 'reset' | 'slow' | 'stall' | 'large';

export interface TestServerOptions {
  mode?: ServerMode;
  /** status mode: the status to answer with (default 500). */
  status?: number;
  /** slow mode: delay before answering (ms). */
  delayMs?: number;
  /** large mode: body size in bytes. */
  bodyBytes?: number;
}

export interface TestServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Requests received so far. */
  readonly requests: number;
  setMode(mode: ServerMode, opts?: Omit<TestServerOptions, 'mode'>): void;
  /** Holds every response (new and in-flight ones) for ms, then answers them all. */
  stallFor(ms: number): void;
  close(): Promise<void>;
}

const OK_BODY = Buffer.from('ok\n');
const CHUNK = Buffer.alloc(64 * 1024, 'x');

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  let opts: TestServerOptions = { mode: 'ok', status: 500, delayMs: 100, bodyBytes: 1 << 20, ...options };
  let requests = 0;
  let held: http.ServerResponse[] = [];
  let stalledUntil = 0;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  const answer = (res: http.ServerResponse, status = 200) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': OK_BODY.length });
    res.end(OK_BODY);
  };
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  const streamLarge = (res: http.ServerResponse, total: number) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
    let left = total;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, CHUNK.length);
        left -= n;
        if (!res.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };

  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      if (Date.now() < stalledUntil) return void held.push(res);
      switch (opts.mode) {
        case 'ok':
          return answer(res);
        case 'status':
          return answer(res, opts.status);
        case 'reset':
          return void req.socket.destroy();
        case 'slow':
          return later(opts.delayMs!, () => answer(res));
        case 'stall':
          return void held.push(res);
        case 'large':
          return streamLarge(res, opts.bodyBytes!);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return requests;
    },
    setMode(mode, o = {}) {
      opts = { ...opts, ...o, mode };
      if (mode !== 'stall') {
        const h = held;
        held = [];
        for (const r of h) answer(r);
      }
    },
    stallFor(ms) {
      stalledUntil = Date.now() + ms;
      later(ms, () => {
        const h = held;
        held = [];
        for (const r of h) answer(r);
      });
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      held = [];
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
