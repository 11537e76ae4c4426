// Distributed generation for real: a controller (`loadtest run --agents N --listen …`) and agents
// (`loadtest agent --connect …`) as separate processes on loopback, against a real nginx whose
// limit_req refuses (503) what is beyond 300 r/s, with the default Poisson arrivals.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, sleep, spawnCli, waitFor, type CliChild } from '../helpers/cli-process.js';
import { freePort } from '../helpers/haproxy.js';
import { startNginx, type TestNginx } from '../helpers/nginx.js';
import { startTestServer } from '../helpers/http-servers.js';
import { shopScenario, startJsonServer } from '../helpers/json-server.js';
import type { RunResult } from '../../src/result.js';

const TOKEN = 'test-token-0123456789abcdef0123456789';
const env = { LOADTEST_AGENT_TOKEN: TOKEN };
let dir: string;
let nginx: TestNginx;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loadtest-agents-'));
  nginx = await startNginx({
    httpLines: ['limit_req_zone $server_port zone=cap:1m rate=300r/s;', 'limit_req_status 503;'],
    location: 'limit_req zone=cap burst=30 nodelay; empty_gif;',
  });
}, 30_000);

afterAll(async () => {
  await killAll();
  await nginx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function scenario(name: string, target: string, load: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\ntarget: ${target}\ntraffic: { request: { path: / } }\nload: ${load}\nslo: [error_rate < 1%]\n`);
  return file;
}

const report = (file: string): RunResult => JSON.parse(readFileSync(file, 'utf8')) as RunResult;

function agent(port: number, id: string, extra: Record<string, string> = {}): CliChild {
  return spawnCli(['agent', '--connect', `127.0.0.1:${port}`, '--id', id], { env: { ...env, ...extra }, deadlineMs: 120_000 });
}

// From 250 r/s, well below the limit: the next level (350) fails and the refinement tests 300 and
// 325 or 275. Starting at 100 r/s added a 5.4 s step (stretched to hold the 381 requests
// `error_rate < 1%` needs) and a 200 r/s one, far below the limit, that decided nothing.
const CAPACITY_LOAD = '{ start: 250, step: 100, max: 650, step_duration: 3s, warmup: 1s, refine: 10% }';

describe('loadtest run --agents', () => {
  it('finds a rate-limited nginx’s capacity through two agents as with one machine; counts add up; a skewed clock does not skew the start', async () => {
    const file = scenario('two-agents', nginx.url, CAPACITY_LOAD);
    const port = await freePort();
    const json = join(dir, 'two.json');
    const ctl = spawnCli(['run', file, '--agents', '2', '--listen', `127.0.0.1:${port}`, '--json', json, '--no-progress'], { env, deadlineMs: 150_000 });
    // One agent's host clock is 5 s ahead: the offset measured over its connection absorbs it.
    const a = agent(port, 'a');
    const b = agent(port, 'b', { LOADTEST_AGENT_CLOCK_SKEW_MS: '5000' });
    const { code } = await ctl.exited;
    const out = ctl.stdout() + ctl.stderr();
    expect(code, out).toBe(0);
    expect(out).toMatch(/agent a ready/);
    // The agents end with the run.
    expect((await a.exited).code, a.stderr()).toBe(0);
    expect((await b.exited).code, b.stderr()).toBe(0);
    expect(a.stderr()).toContain('the controller ended the run');

    const r = report(json);
    const cap = r.capacity.maxServableLoad!;
    expect(cap, out).toBeGreaterThanOrEqual(250);
    expect(cap, out).toBeLessThanOrEqual(360);
    for (const s of r.steps) {
      const g = s.generator as NonNullable<typeof s.generator> & { agents: Array<{ id: string; sent: number; completed: number; errors: number; rate: number }>; startSkewMs?: number; clockErrorMs?: number };
      expect(g.agents.map((x) => x.id).sort()).toEqual(['a', 'b']);
      expect(g.agents.reduce((n, x) => n + x.sent, 0)).toBe(s.sent);
      expect(g.agents.reduce((n, x) => n + x.completed, 0)).toBe(s.completed);
      expect(g.agents.reduce((n, x) => n + x.errors, 0)).toBe(s.errorCount);
      expect(g.agents.reduce((n, x) => n + x.rate, 0)).toBeCloseTo(s.level, 6);
      expect(g.startSkewMs, JSON.stringify(g)).toBeLessThan(50);
      expect(g.clockErrorMs, JSON.stringify(g)).toBeLessThan(25);
    }

    // Where the load came from, in the terminal summary and the Markdown and HTML reports.
    expect(ctl.stdout()).toMatch(/load from 2 agents \((a, b|b, a)\); start skew ≤ \d+\.\dms, clock error ≤ \d+\.\dms/);
    const md = join(dir, 'two.md');
    const html = join(dir, 'two.html');
    const rep = spawnCli(['report', json, '--markdown', md, '--html', html], { deadlineMs: 30_000 });
    expect((await rep.exited).code, rep.stderr()).toBe(0);
    expect(readFileSync(md, 'utf8')).toMatch(/load from 2 agents/);
    expect(readFileSync(html, 'utf8')).toMatch(/<p id="agents">load from 2 agents/);

    // The same scenario from this one machine: the two brackets [highest pass, lowest fail) overlap,
    // or touch — two point answers of a 10% refine with undecided steps near the limit can differ by
    // a step (250 vs 300 seen on a busy machine), and a level at the limit itself can pass in one
    // run and fail in the other (seen in a trial: 300 r/s, 0% refused with two agents, 8% alone
    // when its Poisson draw came to 339 r/s), which leaves [300, 325) and [275, 300). Brackets apart
    // by more than that level (one run passing what the other failed below it) would be a real
    // disagreement.
    const single = join(dir, 'one.json');
    const one = spawnCli(['run', file, '--json', single, '--no-progress'], { deadlineMs: 150_000 });
    expect((await one.exited).code, one.stdout() + one.stderr()).toBe(0);
    const both = [r.capacity.bracket!, report(single).capacity.bracket!];
    const low = Math.max(...both.map((b) => b.low ?? 0));
    const high = Math.min(...both.map((b) => b.high ?? Infinity));
    expect(low, JSON.stringify(both)).toBeLessThanOrEqual(high);
  }, 320_000);

  it('refuses an agent with a different token, and the controller waiting for it gives up with a clear line', async () => {
    const file = scenario('wrong-token', nginx.url, '{ start: 50, step: 50, max: 100, step_duration: 2s, warmup: 500ms }');
    const port = await freePort();
    const json = join(dir, 'wrong.json');
    const ctl = spawnCli(['run', file, '--agents', '1', '--listen', `127.0.0.1:${port}`, '--agents-wait', '4', '--json', json], { env, deadlineMs: 60_000 });
    await waitFor(() => ctl.stderr().includes('waiting for 1 agent'), 20_000);
    const bad = agent(port, 'intruder', { LOADTEST_AGENT_TOKEN: 'another-token-0123456789abcdef' });
    const b = await bad.exited;
    expect(b.code, bad.stderr()).toBe(2);
    expect(bad.stderr()).toMatch(/refused it: wrong token/);
    expect(bad.stderr()).not.toMatch(/at .*\(node:|Error:/);
    const c = await ctl.exited;
    expect(c.code, ctl.stdout() + ctl.stderr()).toBe(1);
    expect(ctl.stderr()).toMatch(/agent intruder at 127\.0\.0\.1:\d+ refused: its proof does not match LOADTEST_AGENT_TOKEN/);
    expect(ctl.stderr()).toMatch(/only 0 of 1 agents were ready within 4s/);
    expect(ctl.stderr() + ctl.stdout()).not.toContain(TOKEN);
  }, 90_000);

  it('an agent killed mid-step: that step is inconclusive naming it, and the run goes on with the agent left, its rate re-split', async () => {
    // Two levels well below the limit, 3 s each (a 100 r/s step was stretched to 4.3 s).
    const file = scenario('agent-dies', nginx.url, '{ start: 200, step: 50, max: 250, step_duration: 3s, warmup: 500ms }');
    const port = await freePort();
    const json = join(dir, 'dies.json');
    const ctl = spawnCli(['run', file, '--agents', '2', '--listen', `127.0.0.1:${port}`, '--json', json, '--no-progress'], { env, deadlineMs: 120_000 });
    const a = agent(port, 'a');
    const b = agent(port, 'b');
    // Kill b in the middle of step 2.
    await waitFor(() => /step +1 /.test(ctl.stdout()), 60_000);
    await sleep(1500);
    b.kill('SIGKILL');
    const { code } = await ctl.exited;
    const out = ctl.stdout() + ctl.stderr();
    expect([0, 5], out).toContain(code);
    expect(ctl.stderr()).toMatch(/agent b \(127\.0\.0\.1:\d+\) gone: (connection reset|connection closed)/);
    const r = report(json);
    expect(r.status).toBe('completed');
    const hit = r.steps.find((s) => s.generator?.reasons?.some((x) => x.startsWith('agent b:')));
    expect(hit, out).toBeDefined();
    expect(hit!.verdict).toBe('inconclusive');
    const after = r.steps.slice(r.steps.indexOf(hit!) + 1);
    expect(after.length, out).toBeGreaterThan(0);
    for (const s of after) {
      const agents = (s.generator as unknown as { agents: Array<{ id: string; rate: number }> }).agents;
      expect(agents.map((x) => x.id)).toEqual(['a']);
      expect(agents[0]!.rate).toBeCloseTo(s.level, 6);
    }
    expect((await a.exited).code).toBe(0);
  }, 150_000);

  it('with --agents-min 2, losing an agent ends the run within seconds, the report kept', async () => {
    const file = scenario('agents-min', nginx.url, '{ start: 200, step: 50, max: 300, step_duration: 3s, warmup: 500ms }');
    const port = await freePort();
    const json = join(dir, 'min.json');
    const ctl = spawnCli(['run', file, '--agents', '2', '--agents-min', '2', '--listen', `127.0.0.1:${port}`, '--json', json, '--no-progress'], { env, deadlineMs: 120_000 });
    agent(port, 'a');
    const b = agent(port, 'b');
    await waitFor(() => /step +1 /.test(ctl.stdout()), 60_000);
    await sleep(1000);
    const killedAt = Date.now();
    b.kill('SIGKILL');
    const { code } = await ctl.exited;
    expect(Date.now() - killedAt).toBeLessThan(15_000);
    const out = ctl.stdout() + ctl.stderr();
    expect(code, out).toBe(1);
    expect(out).toMatch(/1 agent left, fewer than --agents-min 2/);
    const r = report(json);
    expect(r.steps.length).toBeGreaterThanOrEqual(1);
  }, 150_000);

  it('a controller killed mid-step leaves no agent sending 2 s later', async () => {
    const server = await startTestServer();
    try {
      const file = scenario('controller-dies', server.url, '{ start: 200, step: 100, max: 400, step_duration: 20s, warmup: 500ms }');
      const port = await freePort();
      const ctl = spawnCli(['run', file, '--agents', '2', '--listen', `127.0.0.1:${port}`, '--json', join(dir, 'ctl.json')], { env, deadlineMs: 120_000 });
      const a = agent(port, 'a');
      const b = agent(port, 'b');
      await waitFor(() => server.requests > 400, 60_000);
      ctl.kill('SIGKILL');
      await sleep(2000);
      const at2s = server.requests;
      await sleep(1500);
      expect(server.requests, 'requests arrived more than 2 s after the controller died').toBe(at2s);
      for (const x of [a, b]) {
        const e = await x.exited;
        expect(e.code, x.stderr()).toBe(1);
        expect(x.stderr()).toMatch(/lost the controller .*stopped sending/);
      }
    } finally {
      await server.close();
    }
  }, 120_000);

  it('--tls: an agent trusting the controller’s certificate runs the steps; a plain agent and one that does not trust it are refused with a clear line', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    // 150 and 200 r/s: steps of 3.5 and 2.7 s hold the 381 requests `error_rate < 1%` needs (50 r/s
    // was stretched to 8 s).
    const file = scenario('tls', nginx.url, '{ start: 150, step: 50, max: 200, step_duration: 2s, warmup: 500ms }');
    const port = await freePort();
    const json = join(dir, 'tls.json');
    const ctl = spawnCli(['run', file, '--agents', '1', '--listen', `127.0.0.1:${port}`, '--tls-cert', cert, '--tls-key', key, '--json', json, '--no-progress'], { env, deadlineMs: 90_000 });
    await waitFor(() => ctl.stderr().includes('waiting for 1 agent'), 20_000);
    const plain = agent(port, 'plain');
    expect((await plain.exited).code).toBe(1);
    expect(plain.stderr()).toMatch(/closed the connection before the handshake ended .*start the agent with --tls/);
    const untrusting = spawnCli(['agent', '--connect', `127.0.0.1:${port}`, '--id', 'u', '--tls'], { env, deadlineMs: 30_000 });
    expect((await untrusting.exited).code).toBe(1);
    expect(untrusting.stderr()).toMatch(/TLS handshake with the controller failed: .*--tls-ca/);
    const good = spawnCli(['agent', '--connect', `127.0.0.1:${port}`, '--id', 'good', '--tls-ca', cert], { env, deadlineMs: 90_000 });
    const c = await ctl.exited;
    expect(c.code, ctl.stdout() + ctl.stderr()).toBe(0);
    expect(ctl.stderr()).toMatch(/refused: no TLS handshake/);
    expect((await good.exited).code, good.stderr()).toBe(0);
    const r = report(json);
    expect(r.steps.length).toBeGreaterThanOrEqual(2);
    expect(r.steps.map((s) => (s.generator as unknown as { agents: Array<{ id: string }> }).agents.map((a) => a.id).join())).toEqual(r.steps.map(() => 'good'));
  }, 120_000);

  it('three agents: the merged offered rate is within 1% of the asked, each agent’s within 1% of its share', async () => {
    // 30,000 req/s over three agents, as the issue asks, on this 2-core machine: the agents may
    // run late (and say so), but the offered count is by intended send time. Uniform arrivals,
    // so it is exact by construction (Poisson would add its own draw); a plain nginx answers 200.
    const plain = await startNginx();
    try {
      const file = join(dir, 'rates.yaml');
      // Each request's path carries a `{{ seq }}` number: unique across the agents too (the access log says).
      writeFileSync(file, `name: rates\ntarget: ${plain.url}\ntraffic: { request: { path: '/r/{{ seq }}' }, arrival: uniform }\nload: { start: 30000, step: 1000, max: 30000, step_duration: 3s, warmup: 1s }\nslo: [error_rate < 1%]\n`);
      const port = await freePort();
      const json = join(dir, 'rates.json');
      const ctl = spawnCli(['run', file, '--agents', '3', '--listen', `127.0.0.1:${port}`, '--json', json, '--no-progress'], { env, deadlineMs: 90_000 });
      const agents = ['x', 'y', 'z'].map((id) => agent(port, id));
      await ctl.exited;
      for (const a of agents) await a.exited;
      const r = report(json);
      const s = r.steps[0]!;
      const windowS = s.durationMs / 1000;
      expect(s.partial).toBe(false);
      expect(Math.abs(s.offeredRps - 30_000) / 30_000, JSON.stringify(s.generator)).toBeLessThan(0.01);
      const list = (s.generator as unknown as { agents: Array<{ id: string; rate: number; sent: number; dropped: number }> }).agents;
      expect(list).toHaveLength(3);
      for (const a of list) {
        expect(a.rate).toBeCloseTo(10_000, 6);
        expect(Math.abs((a.sent + a.dropped) / windowS - a.rate) / a.rate, a.id).toBeLessThan(0.01);
      }
      const paths = plain.accessLog().filter((l) => l.startsWith('/r/'));
      expect(paths.length).toBeGreaterThanOrEqual(s.sent);
      expect(new Set(paths).size, 'a {{ seq }} number sent twice').toBe(paths.length);
    } finally {
      await plain.stop();
    }
  }, 120_000);

  it('sessions with captured ids, templates, a data feeder and the undici client, through two agents: every item read back was created, counts add up', async () => {
    const server = await startJsonServer({ items: [] });
    try {
      writeFileSync(join(dir, 'users.csv'), 'id,email\n' + Array.from({ length: 50 }, (_, i) => `${i},u${i}@example.com`).join('\n') + '\n');
      const file = join(dir, 'shop.yaml');
      const json = join(dir, 'shop.json');
      // No warm-up: every request sent is in the report's counts. 1 s steps: `p99{read}` would need
      // ~1,270 sessions a step, so every step is stretched to its 4× limit and stays undecided
      // whatever its length (2 s steps ran 8 s each, for the same checks).
      const shop = shopScenario('shop through agents', server.url, { client: 'undici' });
      expect(shop).toContain('step_duration: 2s');
      writeFileSync(file, shop.replace('step_duration: 2s', 'step_duration: 1s'));
      const port = await freePort();
      const ctl = spawnCli(['run', file, '--agents', '2', '--listen', `127.0.0.1:${port}`, '--json', json, '--no-progress'], { env, deadlineMs: 90_000 });
      const agents = [agent(port, 'a'), agent(port, 'b')];
      const { code } = await ctl.exited;
      const out = ctl.stdout() + ctl.stderr();
      for (const a of agents) expect((await a.exited).code, a.stderr()).toBe(0);
      expect(code, out).toBe(0);
      expect(out).toContain('sessions/s');
      const r = report(json);
      let created = 0;
      let read = 0;
      for (const st of r.steps) {
        expect(st.statusCodes['404'], out).toBeUndefined();
        expect(st.errorCount).toBe(0);
        expect(st.sessions!.started).toBeGreaterThan(0);
        const list = (st.generator as unknown as { agents: Array<{ sent: number }> }).agents;
        expect(list.reduce((n, a) => n + a.sent, 0)).toBe(st.sent);
        const by = Object.fromEntries(st.byRequest.map((b) => [b.name, b]));
        created += by.create!.count;
        read += by.read!.count;
      }
      const log = server.requests();
      expect(log.filter((x) => x.status >= 400)).toEqual([]);
      // Each agent's pre-flight probe sends the first step (a create) once.
      expect(log.filter((x) => x.method === 'POST').length).toBe(created + 2);
      const gets = log.filter((x) => x.method === 'GET' && /^\/items\/\d+$/.test(x.path));
      expect(gets.length).toBe(read);
      const ids = new Set(((await (await fetch(`${server.url}/items`)).json()) as Array<{ id: number }>).map((i) => i.id));
      expect(gets.filter((g) => !ids.has(Number(g.path.slice('/items/'.length))))).toEqual([]);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
