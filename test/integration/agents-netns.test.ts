// Distributed generation across separate "hosts": the controller and a rate-limited nginx in one
// network namespace, each agent in its own, reaching them only over its veth link — one of them
// with its clock 5 s off and, where the kernel has netem, 3 ms away. Skipped where namespaces cannot be created (not root).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, spawnCli, sleep } from '../helpers/cli-process.js';
import { CONTROLLER_IP, canCreateNetns, createHosts, type Hosts } from '../helpers/netns.js';
import type { RunResult } from '../../src/result.js';

const TOKEN = 'netns-token-0123456789abcdef0123456789';
const env = { LOADTEST_AGENT_TOKEN: TOKEN };
const NGINX_PORT = 8080;
const AGENTS_PORT = 7000;

describe.skipIf(!canCreateNetns())('loadtest run --agents, agents on separate hosts (network namespaces)', () => {
  let hosts: Hosts;
  let dir: string;
  let nginx: ChildProcess | undefined;

  beforeAll(async () => {
    hosts = createHosts(2, [0, 3]);
    dir = mkdtempSync(join(tmpdir(), 'loadtest-netns-'));
    chmodSync(dir, 0o755);
    mkdirSync(join(dir, 'www'), { mode: 0o755 });
    writeFileSync(join(dir, 'www', 'index.html'), 'ok\n');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log crit;\nevents { worker_connections 4096; }\n` +
        `http {\n  access_log off;\n  keepalive_requests 100000000;\n  limit_req_zone $server_port zone=cap:1m rate=300r/s;\n  limit_req_status 503;\n` +
        `  client_body_temp_path ${dir}/b; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;\n` +
        `  server { listen ${CONTROLLER_IP}:${NGINX_PORT}; root ${dir}/www; location / { limit_req zone=cap burst=30 nodelay; index index.html; } }\n}\n`,
    );
    nginx = spawn('ip', ['netns', 'exec', hosts.controller, 'nginx', '-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
    await sleep(500);
  }, 30_000);

  afterAll(async () => {
    await killAll();
    if (nginx && nginx.exitCode === null) {
      nginx.kill('SIGQUIT');
      await new Promise((r) => setTimeout(r, 500));
      if (nginx.exitCode === null) nginx.kill('SIGKILL');
    }
    hosts?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the limit through two agents on two hosts; counts add up; the start skew and clock error stay small', async () => {
    const file = join(dir, 'netns.yaml');
    writeFileSync(
      file,
      `name: netns\ntarget: http://${CONTROLLER_IP}:${NGINX_PORT}\ntraffic: { request: { path: / } }\n` +
        'load: { start: 100, step: 100, max: 600, step_duration: 3s, warmup: 1s, refine: 10% }\nslo: [error_rate < 1%]\n',
    );
    const json = join(dir, 'netns.json');
    const ctl = spawnCli(['run', file, '--agents', '2', '--listen', `${CONTROLLER_IP}:${AGENTS_PORT}`, '--json', json, '--no-progress'], {
      env,
      prefix: hosts.exec(hosts.controller),
      deadlineMs: 150_000,
    });
    const agents = hosts.agents.map((ns, i) =>
      spawnCli(['agent', '--connect', `${CONTROLLER_IP}:${AGENTS_PORT}`, '--id', `host${i}`], {
        env: { ...env, ...(i === 1 ? { LOADTEST_AGENT_CLOCK_SKEW_MS: '5000' } : {}) },
        prefix: hosts.exec(ns),
        deadlineMs: 150_000,
      }),
    );
    const { code } = await ctl.exited;
    const out = ctl.stdout() + ctl.stderr();
    expect(code, out).toBe(0);
    for (const a of agents) expect((await a.exited).code, a.stderr()).toBe(0);
    expect(ctl.stderr()).toMatch(/agent host0 ready \(10\.77\.1\.2:\d+/);
    expect(ctl.stderr()).toMatch(/agent host1 ready \(10\.77\.2\.2:\d+/);

    const r = JSON.parse(readFileSync(json, 'utf8')) as RunResult;
    const cap = r.capacity.maxServableLoad!;
    expect(cap, out).toBeGreaterThanOrEqual(250);
    expect(cap, out).toBeLessThanOrEqual(360);
    for (const s of r.steps) {
      const g = s.generator as unknown as { agents: Array<{ id: string; sent: number; completed: number }>; startSkewMs: number; clockErrorMs: number };
      expect(g.agents.map((a) => a.id).sort()).toEqual(['host0', 'host1']);
      expect(g.agents.reduce((n, a) => n + a.sent, 0)).toBe(s.sent);
      expect(g.agents.reduce((n, a) => n + a.completed, 0)).toBe(s.completed);
      expect(g.startSkewMs, JSON.stringify(g)).toBeLessThan(50);
      // host1 may be 3 ms away one way: its offset estimate is good to half its round trip.
      expect(g.clockErrorMs, JSON.stringify(g)).toBeLessThan(25);
      if (hosts.delayed[1]) expect(g.clockErrorMs).toBeGreaterThanOrEqual(1.4);
    }
  }, 200_000);
});
