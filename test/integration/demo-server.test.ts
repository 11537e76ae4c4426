// The demo service is the oracle of the capacity tests, so its own behaviour is checked here: it
// serves W/S requests per second when saturated, queues FIFO beyond that, rejects past its queue
// limit with 503, spends no service time on requests whose client left, and runs as its own process.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startDemoServer, type DemoServer } from '../../src/demo/demo-server.js';
import { spawnDemo, type DemoProcess } from '../../src/demo/spawn-demo.js';

let server: DemoServer | undefined;
let proc: DemoProcess | undefined;
afterEach(async () => {
  await server?.close();
  await proc?.stop();
  server = undefined;
  proc = undefined;
});

function get(url: string, agent: http.Agent, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, signal }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
  });
}

describe('demo service', () => {
  it('saturated by a closed loop of 4×W clients, it serves W/S requests per second', async () => {
    server = await startDemoServer({ workers: 8, serviceTimeMs: 20 });
    expect(server.trueCapacity).toBe(400);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    let stop = false;
    const loop = async () => {
      while (!stop) await get(server!.url, agent);
    };
    const clients = Array.from({ length: 32 }, loop);
    try {
      await new Promise((r) => setTimeout(r, 500)); // let the queue fill
      const a = { served: server.counters.served, t: performance.now() };
      await new Promise((r) => setTimeout(r, 3000));
      const b = { served: server.counters.served, t: performance.now() };
      const rate = ((b.served - a.served) * 1000) / (b.t - a.t);
      // By construction 400/s (measured 399.1–399.9): a late timer's lateness is not carried into the
      // next request's service. Carried, it was 386–389/s on a quiet machine, 363 on a busy one.
      expect(rate).toBeGreaterThan(392);
      expect(rate).toBeLessThan(408);
      expect(server.counters.rejected).toBe(0);
    } finally {
      stop = true;
      await Promise.all(clients);
      agent.destroy();
    }
  });

  it('answers 503 at once past the queue limit', async () => {
    server = await startDemoServer({ workers: 1, serviceTimeMs: 300, queueLimit: 2 });
    const agent = new http.Agent({ keepAlive: false, maxSockets: 10 });
    const codes = await Promise.all(Array.from({ length: 5 }, () => get(server!.url, agent)));
    expect(codes.sort()).toEqual([200, 200, 200, 503, 503]);
    expect(server.counters).toMatchObject({ served: 3, rejected: 2 });
    agent.destroy();
  });

  it('skips queued requests whose client left, without spending service time on them', async () => {
    server = await startDemoServer({ workers: 1, serviceTimeMs: 200 });
    const agent = new http.Agent({ keepAlive: false, maxSockets: 10 });
    const first = get(server.url, agent);
    const gone = new AbortController();
    const left = [get(server.url, agent, gone.signal).catch(() => 0), get(server.url, agent, gone.signal).catch(() => 0)];
    await new Promise((r) => setTimeout(r, 50));
    gone.abort();
    await Promise.all(left);
    const last = await get(server.url, agent); // queued behind `first` only
    expect(await first).toBe(200);
    expect(last).toBe(200);
    expect(server.counters).toMatchObject({ served: 2, abandoned: 2 });
    agent.destroy();
  });

  it('runs as its own process: prints its JSON line, serves, stops by pid', async () => {
    proc = await spawnDemo({ workers: 4, serviceTimeMs: 10 });
    expect(proc).toMatchObject({ workers: 4, serviceTimeMs: 10, trueCapacity: 400, queueLimit: 400 });
    expect(proc.url).toBe(`http://127.0.0.1:${proc.port}`);
    const agent = new http.Agent({ keepAlive: false });
    expect(await get(proc.url, agent)).toBe(200);
    const pid = proc.pid;
    await proc.stop();
    expect(() => process.kill(pid, 0)).toThrow(); // gone
    agent.destroy();
  });

  it('as a process, exits when its stdin pipe closes (the parent died)', async () => {
    const js = fileURLToPath(new URL('../../dist/demo/demo-server.js', import.meta.url));
    const child = spawn(process.execPath, [js, '--workers', '2', '--service-time', '5ms'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const line = await new Promise<string>((r) => child.stdout!.once('data', (d: Buffer) => r(d.toString())));
      expect(JSON.parse(line)).toMatchObject({ workers: 2, serviceTimeMs: 5, trueCapacity: 400 });
      child.stdin!.end();
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
