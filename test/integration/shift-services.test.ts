// A dependency breaks before the servers under test: live traffic through a real HAProxy reaches
// four node:http web servers; web1 calls a database through a second HAProxy (backend db-a) in front
// of an nginx that refuses past 45 req/s (limit_req → 503), and falls back on a stale answer when it
// is refused, so web1 itself stays healthy. Shifting traffic onto web1 raises the load on db-a
// with it: at 1x (≈30 req/s) db-a copes, at 2x (≈60 req/s) it refuses a quarter of its requests.
// `loadtest run` (a child process) must name db-a as the bottleneck and its rule as the limit, keep
// db-a's per-step metrics in the JSON report, and put the weights back.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/cli-process.js';
import { startHaproxy, type HaproxyHandle } from '../helpers/haproxy.js';
import { startNginx, type TestNginx } from '../helpers/nginx.js';

const LIVE_RPS = 120; // four web servers: 30 req/s each at the fair share
const DB_LIMIT_RPS = 45;

/** Poisson arrivals to `url` at `rps`, bounded by count and time; 127.0.0.1 only. */
function poissonTraffic(url: string, rps: number, durationMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const limit = Math.ceil((rps * durationMs) / 1000);
  const stats = { sent: 0, ok: 0, errors: 0 };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const t0 = performance.now();
  let due = t0;
  const fire = () => {
    const r = http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode! < 500 ? stats.ok++ : stats.errors++));
    });
    r.on('error', () => stats.errors++);
  };
  const tick = () => {
    const now = performance.now();
    while (!stopped && due <= now && stats.sent < limit && now - t0 < durationMs) {
      stats.sent++;
      fire();
      due += (-Math.log(1 - Math.random()) * 1000) / rps;
    }
    if (!stopped && stats.sent < limit && now - t0 < durationMs) timer = setTimeout(tick, Math.max(1, Math.min(20, due - now)));
  };
  tick();
  return {
    stats,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      agent.destroy();
    },
  };
}

/** A web server; `dbUrl` set: each request first asks the database, and a refusal is answered from a stale copy. */
async function webServer(dbUrl?: string): Promise<http.Server> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    req.resume();
    if (!dbUrl) return void res.end('fresh\n');
    const q = http.get(dbUrl, { agent }, (r) => {
      r.resume();
      r.on('end', () => res.end(r.statusCode === 200 ? 'fresh\n' : 'stale\n'));
    });
    q.on('error', () => res.end('stale\n'));
  });
  server.on('close', () => agent.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

describe('shift with services: a dependency is the bottleneck', () => {
  let db: TestNginx;
  let internal: HaproxyHandle;
  let front: HaproxyHandle;
  const webs: http.Server[] = [];
  let live: ReturnType<typeof poissonTraffic> | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-shift-services-'));

  beforeAll(async () => {
    db = await startNginx({
      httpLines: [`limit_req_zone $binary_remote_addr zone=db:1m rate=${DB_LIMIT_RPS}r/s;`],
      location: 'limit_req zone=db burst=20 nodelay; limit_req_status 503; empty_gif;',
    });
    internal = await startHaproxy({ backend: 'db-a', servers: [{ name: 'db1', port: Number(new URL(db.url).port) }] });
    webs.push(await webServer(`${internal.frontendUrl}/`));
    for (let i = 0; i < 3; i++) webs.push(await webServer());
    front = await startHaproxy({ servers: webs.map((w, i) => ({ name: `web${i + 1}`, port: (w.address() as AddressInfo).port })) });
  });
  afterAll(async () => {
    live?.stop();
    await front?.stop();
    await internal?.stop();
    await Promise.all(webs.map((w) => new Promise((r) => w.close(r))));
    await db?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names db-a and its rule, reports its per-step metrics, and restores the weights', async () => {
    const f = join(dir, 'services.yaml');
    const report = join(dir, 'report.json');
    const md = join(dir, 'report.md');
    writeFileSync(
      f,
      `name: web1 with its database
traffic:
  shift:
    haproxy: { socket: ${front.socket}, backend: web, servers: [web1] }
    journal: ${join(dir, 'journal.json')}
metrics: haproxy
load: { start: 1x, step: 1x, max: 3x, step_duration: 2s, warmup: 500ms, window: 500ms, persist: 2, min_samples: 5 }
slo: [error_rate < 1%]
services:
  - name: db-a
    metrics: { haproxy: { socket: ${internal.socket}, backend: db-a } }
    slo: [error_rate < 1%]
report: { json: ${report}, markdown: ${md} }
`,
    );
    live = poissonTraffic(`${front.frontendUrl}/`, LIVE_RPS, 45_000);
    await new Promise((r) => setTimeout(r, 700));
    const cli = spawnCli(['run', f, '--no-progress'], { deadlineMs: 50_000 });
    const { code } = await cli.exited;
    const out = cli.stdout() + cli.stderr();
    live.stop();
    const r = JSON.parse(readFileSync(report, 'utf8'));
    const lines = r.steps.map(
      (s: { level: number; verdict: string; metrics: Record<string, number>; services: Array<{ metrics: Record<string, number>; verdict: string }>; inconclusiveReasons: string[] }) =>
        `${s.level}x ${s.verdict} web1 ${s.metrics.rps?.toFixed(1)} rps err ${s.metrics.error_rate} | db-a ${s.services[0]!.metrics.rps?.toFixed(1)} rps err ${s.services[0]!.metrics.error_rate?.toFixed(3)} ${s.services[0]!.verdict} ${s.inconclusiveReasons.join('; ')}`,
    );
    const msg = `${out}\n${lines.join('\n')}\nlive ${JSON.stringify(live.stats)}`;
    if (process.env.SHIFT_VERBOSE) console.log(msg);

    expect(code, msg).toBe(0);
    expect(r.capacity.verdict, msg).toBe('found');
    expect(r.capacity.bottleneck, msg).toBe('db-a');
    expect(r.capacity.limitedBy[0], msg).toBe('db-a: error_rate < 1%');
    expect(r.scenario.services, msg).toEqual([{ name: 'db-a', source: `HAProxy ${internal.socket} backend db-a`, slo: ['error_rate < 1%'] }]);
    // Every step carries db-a's own figures and verdict; the failing one its breach.
    for (const s of r.steps) {
      expect(s.services, msg).toHaveLength(1);
      expect(s.services[0].name).toBe('db-a');
      expect(s.services[0].source).toBe('haproxy');
      expect(s.services[0].metrics.rps, msg).toBeGreaterThan(0);
    }
    const fail = r.steps.find((s: { verdict: string }) => s.verdict === 'fail');
    expect(fail.services[0].verdict, msg).toBe('fail');
    expect(fail.services[0].breaches[0].slo).toBe('error_rate < 1%');
    expect(fail.services[0].metrics.error_rate, msg).toBeGreaterThan(0.01);
    // web1 answered from its stale copy: the targets themselves stayed within their SLO.
    expect(fail.metrics.error_rate, msg).toBeLessThan(0.01);
    // The load on db-a followed web1's share.
    const pass = r.steps.find((s: { verdict: string }) => s.verdict === 'pass');
    expect(fail.services[0].metrics.rps, msg).toBeGreaterThan(pass.services[0].metrics.rps);
    expect(r.capacity.headroom.some((h: { party: string }) => h.party === 'db-a'), msg).toBe(true);
    expect(readFileSync(md, 'utf8')).toContain('db-a');
    expect(out).toMatch(/bottleneck: db-a/);
    expect(await front.weights()).toEqual({ web1: 100, web2: 100, web3: 100, web4: 100 });
  }, 60_000);
});
