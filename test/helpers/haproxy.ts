// Test helper: a real HAProxy (Debian's 2.6) on loopback in a temp dir, in front of demo-service
// backends of known capacity, plus steady bounded "live" traffic through its frontend. Everything
// started here is stopped by pid / close() by the caller (afterAll).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type http from 'node:http';
import { Agent, request } from 'undici';
import { startDemoServer, type DemoServer } from '../../src/demo/demo-server.js';
import { HaproxyRuntime } from '../../src/traffic/shifters/haproxy-runtime.js';

/** `n` distinct free loopback ports (all held open at once, so they cannot coincide). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

export interface BackendServer {
  name: string;
  port: number;
  weight?: number;
  /** HAProxy `maxconn` for the server: past it, HAProxy queues requests (qcur). */
  maxconn?: number;
}

export interface HaproxyOptions {
  servers: BackendServer[];
  backend?: string;
  balance?: string;
  /** Also open a TCP stats socket at this level (default admin). */
  tcpLevel?: 'admin' | 'operator' | 'user';
  /** Level of the unix socket (default admin). */
  socketLevel?: 'admin' | 'operator' | 'user';
  /** Extra lines for the backend section (e.g. `hash-type consistent`). */
  backendLines?: string[];
}

export interface HaproxyHandle {
  pid: number;
  dir: string;
  /** Unix stats socket (level admin unless asked otherwise). */
  socket: string;
  /** host:port of the TCP stats socket. */
  address: string;
  frontendUrl: string;
  backend: string;
  runtime: HaproxyRuntime;
  weightOf(server: string): Promise<number>;
  weights(): Promise<Record<string, number>>;
  /** Kills HAProxy at once (a load-balancer node dying mid-run); stop() still cleans up. */
  kill(): void;
  stop(): Promise<void>;
}

/** The `global` and `defaults` sections every test HAProxy shares: a unix and a TCP stats socket, HTTP mode. */
export function haproxyPreamble(socket: string, statsPort: number, socketLevel = 'admin', tcpLevel = 'admin'): string[] {
  return [
    'global',
    `  stats socket ${socket} mode 600 level ${socketLevel}`,
    `  stats socket 127.0.0.1:${statsPort} level ${tcpLevel}`,
    '  nbthread 1',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout queue 5s',
  ];
}

export function haproxyConfig(o: HaproxyOptions & { dir: string; frontendPort: number; statsPort: number }): string {
  const backend = o.backend ?? 'web';
  return [
    ...haproxyPreamble(join(o.dir, 'admin.sock'), o.statsPort, o.socketLevel, o.tcpLevel),
    'frontend fe',
    `  bind 127.0.0.1:${o.frontendPort}`,
    `  default_backend ${backend}`,
    `backend ${backend}`,
    ...(o.backendLines ?? []).map((l) => `  ${l}`),
    `  balance ${o.balance ?? 'roundrobin'}`,
    ...o.servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} weight ${s.weight ?? 100}${s.maxconn ? ` maxconn ${s.maxconn}` : ''}`),
    '',
  ].join('\n');
}

/** Polls `check` every 50 ms until it resolves true (errors count as false); throws after timeoutMs. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function startHaproxy(o: HaproxyOptions): Promise<HaproxyHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-haproxy-'));
  const [frontendPort, statsPort] = (await freePorts(2)) as [number, number];
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig({ ...o, dir, frontendPort, statsPort }));
  const child: ChildProcess = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const socket = join(dir, 'admin.sock');
  const runtime = new HaproxyRuntime({ address: `127.0.0.1:${statsPort}` }, 3000);
  try {
    await waitFor(async () => (await runtime.command('show info')).includes('Pid'), 10_000, `haproxy to start (${stderr})`);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  const backend = o.backend ?? 'web';
  let stopped: Promise<void> | undefined;
  return {
    pid: child.pid!,
    dir,
    socket,
    address: `127.0.0.1:${statsPort}`,
    frontendUrl: `http://127.0.0.1:${frontendPort}`,
    backend,
    runtime,
    async weightOf(server) {
      return (await runtime.getWeight(backend, server)).current;
    },
    async weights() {
      const out: Record<string, number> = {};
      for (const s of o.servers) out[s.name] = (await runtime.getWeight(backend, s.name)).current;
      return out;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null && child.signalCode === null && !child.killed) {
          process.kill(child.pid!, 'SIGTERM');
          const t = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 3000);
          await exited;
          clearTimeout(t);
        } else {
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** A demo-service backend (W workers × S service time = known capacity) that can be told to fail. */
export interface FlakyBackend extends DemoServer {
  name: string;
  /** While true, every request is answered 500 at once (a sick control server). */
  failing: boolean;
}

export async function startBackends(
  names: string[],
  opts: { workers: number; serviceTimeMs: number; queueLimit?: number; routes?: Array<(req: http.IncomingMessage, res: http.ServerResponse) => boolean> },
): Promise<FlakyBackend[]> {
  const out: FlakyBackend[] = [];
  for (const name of names) {
    const holder = { failing: false };
    const demo = await startDemoServer({
      workers: opts.workers,
      serviceTimeMs: opts.serviceTimeMs,
      queueLimit: opts.queueLimit ?? opts.workers * 2,
      routes: [
        (_req, res) => {
          if (!holder.failing) return false;
          res.writeHead(500, { 'content-length': 5 }).end('fail\n');
          return true;
        },
        ...(opts.routes ?? []),
      ],
    });
    // defineProperty, not Object.assign: assign would copy the getter's value, not the accessor.
    const b = Object.assign(demo, { name }) as FlakyBackend;
    Object.defineProperty(b, 'failing', { get: () => holder.failing, set: (v: boolean) => (holder.failing = v), enumerable: true });
    out.push(b);
  }
  return out;
}

export interface SpawnedBackend {
  name: string;
  pid: number;
  port: number;
  url: string;
  trueCapacity: number;
  stop(): Promise<void>;
}

/**
 * Demo-service backends, each in its own process (dist/, built by the integration globalSetup):
 * their timers then do not share an event loop with the test's traffic, so they serve at their
 * true capacity W/S instead of whatever a busy test process leaves them.
 */
export async function spawnBackends(
  names: string[],
  opts: { workers: number; serviceTimeMs: number; queueLimit?: number },
): Promise<SpawnedBackend[]> {
  const { spawnDemo } = (await import('../../dist/demo/spawn-demo.js' as string)) as typeof import('../../src/demo/spawn-demo.js');
  return Promise.all(
    names.map(async (name) => {
      const d = await spawnDemo({ workers: opts.workers, serviceTimeMs: opts.serviceTimeMs, ...(opts.queueLimit ? { queueLimit: opts.queueLimit } : {}) });
      return { name, pid: d.pid, port: d.port, url: d.url, trueCapacity: d.trueCapacity, stop: d.stop };
    }),
  );
}

export interface LiveTraffic {
  sent: number;
  completed: number;
  errors: number;
  /** Resolves when the traffic has stopped (duration reached or stop()). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Steady open-loop traffic at `rps` to `url` for at most `durationMs` (and at most rps × duration
 * requests), with at most `maxInFlight` outstanding (further sends are skipped and counted as errors).
 */
export function startLiveTraffic(url: string, rps: number, durationMs: number, maxInFlight = 2000): LiveTraffic {
  const agent = new Agent({ connections: 512, pipelining: 1, keepAliveTimeout: 30_000 });
  const limit = Math.ceil((rps * durationMs) / 1000);
  const t0 = performance.now();
  let inFlight = 0;
  let stopped = false;
  const stats = { sent: 0, completed: 0, errors: 0 };
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const tick = setInterval(() => {
    const elapsed = performance.now() - t0;
    if (stopped || elapsed >= durationMs || stats.sent >= limit) {
      finish();
      return;
    }
    const due = Math.min(limit, Math.floor((elapsed / 1000) * rps));
    while (stats.sent < due) {
      stats.sent++;
      if (inFlight >= maxInFlight) {
        stats.errors++;
        continue;
      }
      inFlight++;
      request(url, { dispatcher: agent, headersTimeout: 30_000, bodyTimeout: 30_000 })
        .then(async (r) => {
          await r.body.dump();
          stats.completed++;
          if (r.statusCode >= 500) stats.errors++;
        })
        .catch(() => {
          stats.errors++;
        })
        .finally(() => inFlight--);
    }
  }, 5);
  let finishing: Promise<void> | undefined;
  function finish(): Promise<void> {
    finishing ??= (async () => {
      stopped = true;
      clearInterval(tick);
      await agent.destroy().catch(() => undefined);
      resolveDone();
    })();
    return finishing;
  }
  return {
    get sent() {
      return stats.sent;
    },
    get completed() {
      return stats.completed;
    },
    get errors() {
      return stats.errors;
    },
    done,
    stop: finish,
  };
}
