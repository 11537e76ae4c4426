// Test bed for region-level live tests (issue #13), all on loopback in one temp dir, all stopped by
// stop():
//
//   live traffic (Poisson) ──▶ edge1 HAProxy ─┐            ┌─▶ webA1, webA2 ──▶ internal HAProxy fe-a ─▶ db-a: nginx limit_req capA
//                          └─▶ edge2 HAProxy ─┴─ backend web ┤
//                                                            └─▶ webB1, webB2 ──▶ internal HAProxy fe-b ─▶ db-b: nginx (no limit)
//
// Both edges have the same backend `web` (four servers, weight 100, roundrobin). Region A is webA1 and
// webA2: its fair share is half the traffic. Its dependency db-a rejects (503) what exceeds capA r/s,
// and the web server passes the 503 on, so raising region A's weight on both edges raises db-a's
// load until db-a breaks: region A's capacity is db-a's cap, in requests/s served by the group.
// The web servers and the traffic run in child processes (region-child.mjs).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HaproxyRuntime } from '../../src/traffic/shifters/haproxy-runtime.js';
import { freePorts, haproxyPreamble, waitFor } from './haproxy.js';

export interface EdgeNode {
  name: string;
  pid: number;
  /** Unix stats socket, level admin. */
  socket: string;
  /** host:port of the TCP stats socket, level admin. */
  address: string;
  url: string;
  runtime: HaproxyRuntime;
  weights(): Promise<Record<string, number>>;
  /** SIGKILL: the node disappears (a crashed load balancer). */
  kill(): void;
}

export interface RegionBed {
  dir: string;
  edges: [EdgeNode, EdgeNode];
  /**
   * The internal HAProxy in front of the dependencies: backends db-a and db-b; its Prometheus
   * exporter (HAProxy's own, `/metrics`) on `metricsUrl`.
   */
  internal: { socket: string; address: string; runtime: HaproxyRuntime; metricsPort: number };
  regionA: string[];
  regionB: string[];
  /** db-a's cap (nginx limit_req rate), r/s. */
  capA: number;
  /** Starts "live" traffic through both edges; its stats when it ends. */
  startTraffic(rps: number, durationMs: number): Promise<{ stop(): Promise<{ sent: number; completed: number; errors: number }> }>;
  stop(): Promise<void>;
}

const CHILD = join(import.meta.dirname, 'region-child.mjs');

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.setEncoding('utf8');
    const onData = (d: string): void => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) {
        child.stdout!.off('data', onData);
        resolve(buf.slice(0, i));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it was ready`)));
  });
}

export async function startRegionBed(o: { capA: number; burst?: number }): Promise<RegionBed> {
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-region-'));
  chmodSync(dir, 0o755);
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async (): Promise<void> => {
    for (const s of stops.reverse()) await Promise.resolve(s()).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  const spawnKept = (cmd: string, args: string[]): ChildProcess => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.resume();
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    stops.push(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    });
    return child;
  };

  try {
    // The dependencies: nginx, db-a rate-limited (503 beyond capA r/s).
    const nginx = async (name: string, rate?: number): Promise<number> => {
      const d = join(dir, name);
      mkdirSync(join(d, 'www'), { recursive: true, mode: 0o755 });
      chmodSync(d, 0o755);
      writeFileSync(join(d, 'www', 'index.html'), 'ok\n');
      const [port] = (await freePorts(1)) as [number];
      const zone = rate ? `limit_req_zone $server_name zone=z:1m rate=${rate}r/s;\n  limit_req_status 503;` : '';
      const use = rate ? `limit_req zone=z burst=${o.burst ?? 20} nodelay;` : '';
      writeFileSync(
        join(d, 'nginx.conf'),
        `worker_processes 1;\ndaemon off;\npid ${d}/nginx.pid;\nerror_log ${d}/error.log crit;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n  keepalive_requests 100000000;\n  ${zone}\n  client_body_temp_path ${d}/b; proxy_temp_path ${d}/p; fastcgi_temp_path ${d}/f; uwsgi_temp_path ${d}/u; scgi_temp_path ${d}/s;\n  server { listen 127.0.0.1:${port}; server_name ${name}; root ${d}/www; location / { ${use} index index.html; } }\n}\n`,
      );
      const child = spawn('nginx', ['-c', join(d, 'nginx.conf'), '-p', d, '-e', join(d, 'error.log')], { stdio: 'ignore' });
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      stops.push(async () => {
        if (child.exitCode !== null) return;
        child.kill('SIGQUIT');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      });
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`)).status > 0, 10_000, `nginx ${name}`);
      return port;
    };
    const dbA = await nginx('db-a', o.capA);
    const dbB = await nginx('db-b');

    const haproxy = async (name: string, body: string[]): Promise<{ pid: number; socket: string; address: string; runtime: HaproxyRuntime; child: ChildProcess }> => {
      const d = join(dir, name);
      mkdirSync(d, { recursive: true });
      const [statsPort] = (await freePorts(1)) as [number];
      const socket = join(d, 'admin.sock');
      const cfg = [
        ...haproxyPreamble(socket, statsPort),
        ...body,
        '',
      ].join('\n');
      writeFileSync(join(d, 'haproxy.cfg'), cfg);
      const child = spawnKept('haproxy', ['-f', join(d, 'haproxy.cfg'), '-db']);
      const runtime = new HaproxyRuntime({ address: `127.0.0.1:${statsPort}` }, 3000);
      await waitFor(async () => (await runtime.command('show info')).includes('Pid'), 10_000, `haproxy ${name}`);
      return { pid: child.pid!, socket, address: `127.0.0.1:${statsPort}`, runtime, child };
    };

    const [feA, feB, web1, web2, promex] = (await freePorts(5)) as [number, number, number, number, number];
    const internal = await haproxy('internal', [
      'frontend fe-a',
      `  bind 127.0.0.1:${feA}`,
      '  default_backend db-a',
      'frontend fe-b',
      `  bind 127.0.0.1:${feB}`,
      '  default_backend db-b',
      'frontend metrics',
      `  bind 127.0.0.1:${promex}`,
      '  http-request use-service prometheus-exporter if { path /metrics }',
      'backend db-a',
      `  server nginx-a 127.0.0.1:${dbA}`,
      'backend db-b',
      `  server nginx-b 127.0.0.1:${dbB}`,
    ]);

    const regionA = ['webA1', 'webA2'];
    const regionB = ['webB1', 'webB2'];
    const webChild = spawnKept(process.execPath, [
      CHILD,
      'web',
      JSON.stringify([...regionA.map((name) => ({ name, dep: `http://127.0.0.1:${feA}` })), ...regionB.map((name) => ({ name, dep: `http://127.0.0.1:${feB}` }))]),
    ]);
    const webPorts = JSON.parse(await firstLine(webChild)) as Record<string, number>;

    const edge = async (name: string, port: number): Promise<EdgeNode> => {
      const h = await haproxy(name, [
        'frontend fe',
        `  bind 127.0.0.1:${port}`,
        '  default_backend web',
        'backend web',
        '  balance roundrobin',
        ...[...regionA, ...regionB].map((s) => `  server ${s} 127.0.0.1:${webPorts[s]} weight 100`),
      ]);
      return {
        name,
        pid: h.pid,
        socket: h.socket,
        address: h.address,
        url: `http://127.0.0.1:${port}`,
        runtime: h.runtime,
        async weights() {
          const out: Record<string, number> = {};
          for (const s of [...regionA, ...regionB]) out[s] = (await h.runtime.getWeight('web', s)).current;
          return out;
        },
        kill: () => h.child.kill('SIGKILL'),
      };
    };
    const edges: [EdgeNode, EdgeNode] = [await edge('edge1', web1), await edge('edge2', web2)];

    return {
      dir,
      edges,
      internal: { socket: internal.socket, address: internal.address, runtime: internal.runtime, metricsPort: promex },
      regionA,
      regionB,
      capA: o.capA,
      async startTraffic(rps, durationMs) {
        const child = spawnKept(process.execPath, [CHILD, 'traffic', JSON.stringify({ urls: edges.map((e) => e.url), rps, durationMs })]);
        let out = '';
        child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
        await waitFor(async () => out.startsWith('started'), 10_000, 'the live traffic to start');
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        return {
          async stop() {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
            return JSON.parse(out.trim().split('\n').at(-1)!) as { sent: number; completed: number; errors: number };
          },
        };
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
