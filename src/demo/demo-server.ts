// The demo service: an HTTP server whose capacity is known by construction, the oracle that
// `loadtest demo` and the tests check the capacity search against.
//
// A fixed pool of W workers; each request occupies one worker for exactly S of virtual time, so the
// pool completes at most W/S requests per second. Workers are timers, not CPU: the capacity does not
// depend on the machine as long as the event loop keeps up (a few thousand timers/s is nothing).
// Each worker keeps its own "free at" clock and schedules the next completion from it rather than
// from when a late timer happened to fire, so timer lateness does not pile up: over any step the pool
// serves W/S req/s, not W/(S + timer lag). A queued request starts at max(its arrival, the moment
// its worker became free) — both past events, so nothing is banked: the pool is an M/D/W queue in
// virtual time, the queue the oracle (slo-capacity.ts) simulates. (Starting it when the late timer
// fired instead cost 3–9%: 363–388 r/s measured under saturation for 8 × 20 ms.) Past capacity
// requests wait in a FIFO queue (latency climbs, as in a real service); past `queueLimit` waiting
// requests the server answers 503 at once.
//
// As a process: `node dist/demo/demo-server.js --workers 8 --service-time 20ms --port 0` prints one
// JSON line {"port","host","pid","workers","serviceTimeMs","trueCapacity","queueLimit"} and serves
// until SIGTERM/SIGINT, or until its stdin closes when stdin is a pipe (the parent died).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface DemoServerOptions {
  workers: number;
  serviceTimeMs: number;
  /** Requests allowed to wait for a worker; beyond this → 503. Default 100 × workers. */
  queueLimit?: number;
  port?: number;
  /** Loopback by default: the demo service is for this machine only. */
  host?: string;
  /**
   * Extra routes tried before the worker pool (e.g. a metrics endpoint). Return true when handled.
   * The pool's counters are passed so such a route can expose them.
   */
  routes?: Array<(req: http.IncomingMessage, res: http.ServerResponse, stats: DemoCounters) => boolean>;
}

/** Running totals of the pool, for tests and extension routes. */
export interface DemoCounters {
  served: number;
  rejected: number;
  /** Requests whose client left before a worker took them (skipped, no service time spent). */
  abandoned: number;
  queued: number;
  busy: number;
}

export interface DemoServer {
  port: number;
  host: string;
  url: string;
  workers: number;
  serviceTimeMs: number;
  /** W / S, requests per second. */
  trueCapacity: number;
  queueLimit: number;
  counters: DemoCounters;
  close(): Promise<void>;
}

interface Pending {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  /** The client went away (timeout, abort) before the answer. */
  closed: boolean;
  /** performance.now() when the request arrived. */
  arrivedAt: number;
}

const BODY = Buffer.from('ok\n');

export function trueCapacityOf(workers: number, serviceTimeMs: number): number {
  return (workers * 1000) / serviceTimeMs;
}

export async function startDemoServer(opts: DemoServerOptions): Promise<DemoServer> {
  const workers = Math.floor(opts.workers);
  const serviceTimeMs = opts.serviceTimeMs;
  if (!(workers >= 1)) throw new RangeError(`workers must be ≥ 1, got ${opts.workers}`);
  if (!(serviceTimeMs > 0)) throw new RangeError(`service time must be > 0 ms, got ${opts.serviceTimeMs}`);
  const queueLimit = opts.queueLimit ?? workers * 100;
  const host = opts.host ?? '127.0.0.1';
  const counters: DemoCounters = { served: 0, rejected: 0, abandoned: 0, queued: 0, busy: 0 };

  // FIFO as a growable ring would be faster; an array with a moving head is enough at demo rates.
  let queue: Pending[] = [];
  let head = 0;
  /** Virtual time (performance.now ms) at which each free worker became free; busy workers are not listed. */
  const idle: number[] = Array.from({ length: workers }, () => -Infinity);
  const timers = new Set<NodeJS.Timeout>();

  // Not req.destroyed: a fully read request is destroyed by Node while its response is still open.
  const gone = (p: Pending): boolean => p.closed || p.res.writableEnded;

  /** Occupies a worker with `p` from virtual time `startAt` (now, or a moment past): it completes S later. */
  const serve = (p: Pending, startAt: number): void => {
    const now = performance.now();
    const doneAt = startAt + serviceTimeMs;
    counters.busy++;
    const t = setTimeout(() => {
      timers.delete(t);
      counters.busy--;
      if (!gone(p)) {
        counters.served++;
        p.res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
        p.res.end(BODY);
      }
      next(doneAt);
    }, Math.max(0, doneAt - now));
    timers.add(t);
  };

  /** A worker became free at virtual time `freeAt`: take the next live request or go idle. */
  const next = (freeAt: number): void => {
    while (head < queue.length) {
      const p = queue[head]!;
      queue[head++] = undefined as unknown as Pending;
      counters.queued--;
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      if (gone(p)) {
        counters.abandoned++;
        continue;
      }
      // Started when both the worker and the request were there, even if this timer fired late.
      serve(p, Math.max(freeAt, p.arrivedAt));
      return;
    }
    idle.push(freeAt);
  };

  const server = http.createServer((req, res) => {
    for (const route of opts.routes ?? []) if (route(req, res, counters)) return;
    req.resume(); // bodies are ignored; drain so keep-alive works
    const p: Pending = { req, res, closed: false, arrivedAt: performance.now() };
    res.once('close', () => {
      p.closed = true;
    });
    const freeAt = idle.pop();
    if (freeAt !== undefined) {
      serve(p, performance.now());
      return;
    }
    if (counters.queued >= queueLimit) {
      counters.rejected++;
      res.writeHead(503, { 'content-type': 'text/plain', 'content-length': 5 });
      res.end('busy\n');
      return;
    }
    counters.queued++;
    queue.push(p);
  });
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 35_000;
  // A load generator opens many keep-alive sockets; the default limit of none is what we want.
  server.maxRequestsPerSocket = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    url: `http://${urlHost}:${port}`,
    workers,
    serviceTimeMs,
    trueCapacity: trueCapacityOf(workers, serviceTimeMs),
    queueLimit,
    counters,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// Run as a process when this file is the entry point (`node dist/demo/demo-server.js …`).
// Not awaited: demo-process imports this module, and a top-level await here would deadlock the cycle.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void import('./demo-process.js').then((m) => m.runDemoProcess(process.argv.slice(2)));
}
