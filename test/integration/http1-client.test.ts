// The lean HTTP/1.1 client against real servers on loopback: every way HTTP/1.1 frames a response
// (length, chunked, none, HEAD, 204, 1xx first, connection: close), request bodies and headers as
// the server receives them, the server's keep-alive hint, IPv6; and undici giving the same counts.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerateTrafficSpec, RequestSpec } from '../../src/scenario/scenario.js';
import { createGenerator } from '../../src/traffic/generator/generator.js';
import type { StepStats } from '../../src/metrics/step-stats.js';
import { genSpec, stepReq } from './generator-helpers.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

interface Seen {
  connections: number;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }>;
}

/** A node:http server on 127.0.0.1 (or ::1) port 0 answering with `answer`; stopped after each test. */
async function serve(
  answer: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  o: { host?: string; keepAliveTimeout?: number } = {},
): Promise<{ url: string; seen: Seen }> {
  const seen: Seen = { connections: 0, requests: [] };
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      seen.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts) });
      answer(req, res);
    });
  });
  server.keepAliveTimeout = o.keepAliveTimeout ?? 60_000;
  server.on('connection', () => seen.connections++);
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  stops.push(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(() => r(undefined)));
  });
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, seen };
}

/**
 * A raw TCP server on 127.0.0.1 port 0 for framings node:http never produces: `answer` gets each
 * request's socket (every read is taken for one request: the generator's GETs are small).
 */
async function serveRaw(answer: (sock: net.Socket) => void): Promise<{ url: string; seen: { connections: number } }> {
  const seen = { connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    seen.connections++;
    sockets.add(sock);
    sock.on('data', () => answer(sock));
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stops.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(() => r(undefined)));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** One short step (100 req/s for 600 ms, no warm-up) through the generator; closes it. */
async function step(spec: GenerateTrafficSpec, rate = 100, durationMs = 600): Promise<StepStats> {
  const g = createGenerator(spec);
  try {
    await g.prepare(AbortSignal.timeout(10_000));
    return await g.runStep(stepReq(rate, durationMs, 0));
  } finally {
    expect(await g.close()).toEqual([]);
  }
}

function expectAllOk(s: StepStats, bodyBytes: number): void {
  expect(s.sent).toBeGreaterThan(20);
  expect(s.errorCount, JSON.stringify(s.errors)).toBe(0);
  expect(s.completed).toBe(s.sent);
  expect(s.bytesReceived).toBe(s.sent * bodyBytes);
}

const body = (n: number): string => 'x'.repeat(n);

describe.each(['lean', 'undici'] as const)('%s client: response framing', (client) => {
  it('content-length bodies', async () => {
    const { url } = await serve((_q, res) => res.writeHead(200, { 'content-length': 1000 }).end(body(1000)));
    expectAllOk(await step(genSpec(url, { client })), 1000);
  });

  it('chunked bodies (several writes, no length)', async () => {
    const { url } = await serve((_q, res) => {
      res.writeHead(200);
      res.write(body(300));
      setImmediate(() => {
        res.write(body(5000));
        res.end(body(7));
      });
    });
    expectAllOk(await step(genSpec(url, { client })), 5307);
  });

  it('a body that ends with the connection (no length, connection: close)', async () => {
    // Raw socket: HTTP/1.0-style framing node:http would never produce on its own.
    const server = net.createServer((sock) => {
      sock.once('data', () => sock.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\n' + body(123)));
      sock.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise((r) => server.close(() => r())));
    const { port } = server.address() as AddressInfo;
    expectAllOk(await step(genSpec(`http://127.0.0.1:${port}`, { client })), 123);
  });

  it('HEAD (a length but no body), 204 and 304: nothing is waited for', async () => {
    const { url } = await serve((q, res) => {
      if (q.method === 'HEAD') res.writeHead(200, { 'content-length': 5000 }).end();
      else if (q.url === '/204') res.writeHead(204).end();
      else res.writeHead(304, { etag: '"a"' }).end();
    });
    const requests: RequestSpec[] = [
      { name: 'head', method: 'HEAD', path: '/', headers: {}, weight: 1 },
      { name: 'nc', method: 'GET', path: '/204', headers: {}, weight: 1 },
      { name: 'nm', method: 'GET', path: '/304', headers: { 'if-none-match': '"a"' }, weight: 1 },
    ];
    const s = await step(genSpec(url, { client, requests, timeoutMs: 1000 }));
    expectAllOk(s, 0);
    expect(Object.keys(s.statusCodes).sort()).toEqual(['200', '204', '304']);
  });

  it('103 Early Hints before the response: the final status is the one counted', async () => {
    const { url } = await serve((_q, res) => {
      res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
      res.writeHead(201, { 'content-length': 2 }).end('ok');
    });
    const s = await step(genSpec(url, { client }));
    expectAllOk(s, 2);
    expect(s.statusCodes).toEqual({ '201': s.sent });
  });

  // Framings where the lean client once disagreed with llhttp (issue #11): both clients now count the same.
  it('stray CRLFs before and after every response: skipped, the connection kept', async () => {
    const { url, seen } = await serveRaw((sock) => sock.write('\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok\r\n'));
    const s = await step(genSpec(url, { client, connections: 1 }));
    expectAllOk(s, 2);
    expect(seen.connections).toBeLessThanOrEqual(2); // the probe's own connection + ours
  });

  it('transfer-encoding: gzip,<tab>chunked is chunked: bodies framed, the connection kept', async () => {
    const { url, seen } = await serveRaw((sock) =>
      sock.write('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip,\tchunked\r\n\r\n3\r\nabc\r\n2;x="y"\r\nde\r\n0\r\n\r\n'),
    );
    const s = await step(genSpec(url, { client, connections: 1, timeoutMs: 1000 }));
    expectAllOk(s, 5);
    expect(seen.connections).toBeLessThanOrEqual(2);
  });

  it.each([
    ['proxy-connection: close', 'proxy-connection: close\r\n'],
    ['connection: close, then connection: keep-alive', 'connection: close\r\nconnection: keep-alive\r\n'],
  ])('%s: the connection is not reused, no request meets its close', async (_name, headers) => {
    // The server closes 50 ms after answering, and ignores requests meanwhile: a client that reused
    // the connection would see them cut short (`reset`).
    const closing = new WeakSet<net.Socket>();
    const { url, seen } = await serveRaw((sock) => {
      if (closing.has(sock)) return;
      closing.add(sock);
      sock.write(`HTTP/1.1 200 OK\r\n${headers}content-length: 2\r\n\r\nok`);
      setTimeout(() => sock.end(), 50);
    });
    const s = await step(genSpec(url, { client, connections: 4, timeoutMs: 1000 }));
    expectAllOk(s, 2);
    expect(seen.connections).toBeGreaterThanOrEqual(s.sent);
  });

  it('an LF-only server: every request is a protocol error at once, not a timeout', async () => {
    const { url } = await serveRaw((sock) => sock.write('HTTP/1.1 200 OK\ncontent-length: 2\n\nok'));
    const g = createGenerator(genSpec(url, { client, timeoutMs: 2000 }));
    try {
      // The probe refuses it too: what is not HTTP stops a run before its first step.
      await expect(g.prepare(AbortSignal.timeout(10_000))).rejects.toThrow(/valid HTTP/);
      const s = await g.runStep(stepReq(100, 600, 0));
      expect(s.sent).toBeGreaterThan(20);
      expect(s.errors, JSON.stringify(s.errors)).toEqual({ protocol: s.sent });
    } finally {
      expect(await g.close()).toEqual([]);
    }
  });

  it('connection: close on every response: each request gets its own connection, none fails', async () => {
    const { url, seen } = await serve((_q, res) => res.writeHead(200, { connection: 'close', 'content-length': 2 }).end('ok'));
    const s = await step(genSpec(url, { client }));
    expectAllOk(s, 2);
    expect(seen.connections).toBeGreaterThanOrEqual(s.sent); // + the probe's
  });
});

describe('lean client: what the server receives', () => {
  it('method, path, scenario headers and a UTF-8 body byte for byte, with host and content-length', async () => {
    const { url, seen } = await serve((_q, res) => res.writeHead(200, { 'content-length': 2 }).end('ok'));
    const text = '{"name":"Zoë","city":"Kraków"}';
    const requests: RequestSpec[] = [
      { name: 'post', method: 'POST', path: '/orders?x=1', headers: { 'content-type': 'application/json', 'x-run': 'abc' }, body: text, weight: 1 },
    ];
    await step(genSpec(url, { requests }), 50, 300);
    const got = seen.requests.at(-1)!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/orders?x=1');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-run']).toBe('abc');
    expect(got.headers.host).toBe(new URL(url).host);
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(text)));
    expect(got.body.toString('utf8')).toBe(text);
  });

  it("honours the server's keep-alive hint: an idle connection near the server's timeout is not reused", async () => {
    // node:http sends `keep-alive: timeout=2`; the client reuses an idle connection for at most 1 s of it.
    const { url, seen } = await serve((_q, res) => res.writeHead(200, { 'content-length': 2 }).end('ok'), { keepAliveTimeout: 2000 });
    const g = createGenerator(genSpec(url, { connections: 1, timeoutMs: 1000 }));
    try {
      await g.prepare(AbortSignal.timeout(10_000));
      const a = await g.runStep(stepReq(20, 200, 0));
      const before = seen.connections;
      await new Promise((r) => setTimeout(r, 1300)); // idle past the 1 s the hint allows, within the server's 2 s
      const b = await g.runStep(stepReq(20, 200, 0, { index: 1 }));
      expect(a.errorCount + b.errorCount).toBe(0);
      expect(seen.connections).toBe(before + 1); // a fresh connection, not the one about to be closed
    } finally {
      expect(await g.close()).toEqual([]);
    }
  });

  it('keeps connections alive otherwise: 60 requests over 1 connection', async () => {
    const { url, seen } = await serve((_q, res) => res.writeHead(200, { 'content-length': 2 }).end('ok'));
    const s = await step(genSpec(url, { connections: 1 }), 100, 600);
    expectAllOk(s, 2);
    expect(seen.connections).toBeLessThanOrEqual(2); // the probe's own connection + ours
  });

  it('IPv6 loopback targets', async (ctx) => {
    let srv: { url: string; seen: Seen };
    try {
      srv = await serve((_q, res) => res.writeHead(200, { 'content-length': 2 }).end('ok'), { host: '::1' });
    } catch {
      ctx.skip(); // no IPv6 on this machine
      return;
    }
    expectAllOk(await step(genSpec(srv.url)), 2);
    expect(srv.seen.requests.at(-1)!.headers.host).toBe(new URL(srv.url).host);
  });
});
