// The fault server itself: each switch really produces its fault, as seen by undici (the client the
// generator uses). The error codes printed here are what the generator's classification must map.
import { afterAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import {
  makeSelfSignedCert,
  refusedPort,
  startFaultServer,
  UNRESOLVABLE_HOST,
  type FaultServer,
} from '../helpers/fault-server.js';

const servers: FaultServer[] = [];
const agents: Agent[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.destroy()));
  await Promise.all(servers.map((s) => s.close()));
});

async function start(...args: Parameters<typeof startFaultServer>): Promise<FaultServer> {
  const s = await startFaultServer(...args);
  servers.push(s);
  return s;
}

function agent(opts: ConstructorParameters<typeof Agent>[0] = {}): Agent {
  const a = new Agent({ headersTimeout: 1_000, bodyTimeout: 1_000, connectTimeout: 2_000, ...opts });
  agents.push(a);
  return a;
}

/** Sends one GET and reads the whole body; returns status and size, or the error's code. */
async function get(url: string, dispatcher: Agent): Promise<{ status?: number; bytes?: number; code?: string; name?: string; message?: string }> {
  try {
    const res = await request(url, { dispatcher, signal: AbortSignal.timeout(5_000) });
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    return { status: res.statusCode, bytes };
  } catch (err) {
    const e = err as { code?: string; name: string; message: string; cause?: { code?: string } };
    return { code: e.code ?? e.cause?.code, name: e.name, message: e.message };
  }
}

describe('fault server', () => {
  it('ok and http500 answer with their status', async () => {
    const s = await start({ fault: 'ok' });
    const a = agent();
    expect(await get(s.url + '/', a)).toEqual({ status: 200, bytes: 3 });
    s.fault = 'http500';
    expect((await get(s.url + '/', a)).status).toBe(500);
    expect(s.requests).toBe(2);
  });

  it('refused: nothing listens', async () => {
    const port = await refusedPort();
    expect((await get(`http://127.0.0.1:${port}/`, agent())).code).toBe('ECONNREFUSED');
  });

  it('slow and hang: the client times out waiting for headers', async () => {
    const s = await start({ fault: 'slow', slowMs: 3_000 });
    expect((await get(s.url, agent())).code).toBe('UND_ERR_HEADERS_TIMEOUT');
    s.fault = 'hang';
    expect((await get(s.url, agent())).code).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('slowloris: headers never complete, the client times out', async () => {
    const s = await start({ fault: 'slowloris', trickleMs: 50 });
    const r = await get(s.url, agent());
    expect(r.code).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('reset: headers then part of the body, then a TCP reset', async () => {
    const s = await start({ fault: 'reset' });
    const r = await get(s.url, agent());
    expect(r.status).toBeUndefined();
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain(r.code);
  });

  it('malformed: a garbage status line is a parser error (HTTPParserError, no code)', async () => {
    const s = await start({ fault: 'malformed' });
    const r = await get(s.url, agent());
    expect(r.name).toBe('HTTPParserError');
    expect(r.message).toMatch(/HTTP\/1\.1 protocol/);
  });

  it('huge: streams the whole body from a reused buffer', async () => {
    const s = await start({ fault: 'huge', hugeBytes: 20 * 1024 * 1024 });
    const r = await get(s.url, agent({ bodyTimeout: 10_000 }));
    expect(r).toEqual({ status: 200, bytes: 20 * 1024 * 1024 });
    expect(s.hugeBytesSent).toBe(20 * 1024 * 1024);
  });

  it('dieFor: refuses while down, answers again on the same port afterwards', async () => {
    const s = await start({ fault: 'ok' });
    const a = agent();
    expect((await get(s.url, a)).status).toBe(200);
    await s.dieFor(500);
    expect(s.down).toBe(true);
    expect(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET']).toContain((await get(s.url, a)).code);
    const until = Date.now() + 5_000;
    while (s.down && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(s.down).toBe(false);
    expect((await get(s.url, a)).status).toBe(200);
  });

  it('tls: an untrusted self-signed cert is refused, and accepted when verification is off', async () => {
    const s = await start({ fault: 'ok', tls: makeSelfSignedCert() });
    expect(s.url.startsWith('https://127.0.0.1:')).toBe(true);
    expect((await get(s.url, agent())).code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect((await get(s.url, agent({ connect: { rejectUnauthorized: false } }))).status).toBe(200);
  });

  it('dns: a .invalid name does not resolve, quickly', async () => {
    const r = await get(`http://${UNRESOLVABLE_HOST}:80/`, agent());
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(r.code);
  });

  it('close() destroys open sockets (hang) and is idempotent', async () => {
    const s = await start({ fault: 'hang' });
    const pending = get(s.url, agent({ headersTimeout: 30_000 }));
    while (s.requests === 0) await new Promise((r) => setTimeout(r, 20));
    await s.close();
    await s.close();
    expect(['ECONNRESET', 'UND_ERR_SOCKET']).toContain((await pending).code);
  });
});
