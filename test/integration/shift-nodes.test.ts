// `loadtest run` shifting traffic on TWO real HAProxy nodes (one by unix socket, one by TCP) in front
// of the same backends, with steady bounded traffic through both edges: both nodes' weights are
// raised and put back exactly; SIGINT restores both; SIGKILL leaves a two-node journal that
// `loadtest restore` replays; `loadtest stop` ends a run (stopReason 'stopped', exit 130); a node
// dying mid-run stops the run, the other node is restored, and it exits 6 with the journal kept.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAll, spawnCli, type CliChild } from '../helpers/cli-process.js';
import { startBackends, startHaproxy, startLiveTraffic, type FlakyBackend, type HaproxyHandle, type LiveTraffic } from '../helpers/haproxy.js';

const ORIGINAL = { web1: 100, web2: 100, web3: 100 };

describe('shift mode on two HAProxy nodes (child process, real HAProxy)', () => {
  let a: HaproxyHandle;
  let b: HaproxyHandle;
  let backends: FlakyBackend[];
  const live: LiveTraffic[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-shift-nodes-'));
  let n = 0;

  const scenario = (load: string) => {
    n++;
    const f = join(dir, `s${n}.yaml`);
    const journal = join(dir, `journal${n}.json`);
    const report = join(dir, `r${n}.json`);
    writeFileSync(
      f,
      `name: two nodes ${n}
traffic:
  shift:
    haproxy:
      - { socket: ${a.socket}, backend: web, servers: [web1] }
      - { address: ${b.address}, backend: web, servers: [web1] }
    limits: { max_share: 75% }
    journal: ${journal}
metrics: haproxy
load: ${load}
slo:
  - error_rate < 50%
report: { json: ${report} }
`,
    );
    return { f, journal, report };
  };
  const SHORT = '{ start: 1x, step: 0.5x, max: 2x, step_duration: 1s, warmup: 200ms, window: 400ms, persist: 1, min_samples: 1 }';
  const LONG = '{ start: 1.5x, step: 0.5x, max: 2.5x, step_duration: 4s, warmup: 500ms, window: 1s, persist: 1, min_samples: 1 }';

  /** Polls both nodes (bounded) until web1 is above its original weight on each. */
  async function waitShifted(c: CliChild): Promise<void> {
    const end = Date.now() + 30_000;
    while (Date.now() < end && !c.hasExited) {
      const [wa, wb] = await Promise.all([a.weightOf('web1'), b.weightOf('web1')]);
      if (wa > 100 && wb > 100) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`web1 was never shifted on both nodes:\n${c.stdout()}\n${c.stderr()}`);
  }

  beforeAll(async () => {
    backends = await startBackends(['web1', 'web2', 'web3'], { workers: 20, serviceTimeMs: 5 });
    const servers = backends.map((x) => ({ name: x.name, port: x.port }));
    [a, b] = await Promise.all([startHaproxy({ servers }), startHaproxy({ servers })]);
    // Steady traffic through both edges: bounded by count and time, loopback only.
    live.push(startLiveTraffic(a.frontendUrl, 60, 55_000, 200), startLiveTraffic(b.frontendUrl, 60, 55_000, 200));
  });
  afterAll(async () => {
    await killAll();
    await Promise.all(live.map((l) => l.stop()));
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all((backends ?? []).map((x) => x.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run raises web1 on both nodes and puts back exactly the original weights on both', async () => {
    const { f, journal, report } = scenario(SHORT);
    const c = spawnCli(['run', f, '--no-progress'], { deadlineMs: 40_000 });
    const seen = { a: 0, b: 0 };
    for (let i = 0; i < 400 && !c.hasExited; i++) {
      const [wa, wb] = await Promise.all([a.weightOf('web1'), b.weightOf('web1')]);
      seen.a = Math.max(seen.a, wa);
      seen.b = Math.max(seen.b, wb);
      await new Promise((r) => setTimeout(r, 25));
    }
    const { code } = await c.exited;
    expect(code, c.stdout() + c.stderr()).toBe(0);
    expect(seen.a).toBeGreaterThan(100);
    expect(seen.b).toBeGreaterThan(100);
    expect(await a.weights()).toEqual(ORIGINAL);
    expect(await b.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.scenario.target).toMatch(/on 2 nodes/);
    expect(r.steps.length).toBe(3);
    // Served requests are counted on both nodes: the targets and the control group saw traffic.
    expect(r.steps[0].live.target.samples).toBeGreaterThan(0);
    expect(r.steps[0].live.control.samples).toBeGreaterThan(0);
    const restoredLines = r.warnings.filter((w: string) => w.startsWith('original weights restored on'));
    expect(restoredLines).toHaveLength(2);
  });

  it('SIGINT mid-run: exit 130, both nodes restored, journal gone', async () => {
    const { f, journal } = scenario(LONG);
    const c = spawnCli(['run', f, '--no-progress'], { deadlineMs: 40_000 });
    await waitShifted(c);
    expect(JSON.parse(readFileSync(journal, 'utf8')).nodes).toHaveLength(2);
    c.kill('SIGINT');
    const { code } = await c.exited;
    expect(code, c.stdout() + c.stderr()).toBe(130);
    expect(await a.weights()).toEqual(ORIGINAL);
    expect(await b.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
  });

  it('SIGKILL mid-run leaves a two-node journal; `loadtest restore` puts both nodes back', async () => {
    const { f, journal } = scenario(LONG);
    const c = spawnCli(['run', f, '--no-progress'], { deadlineMs: 40_000 });
    await waitShifted(c);
    c.kill('SIGKILL');
    await c.exited;
    expect((await a.weights()).web1).toBeGreaterThan(100);
    expect((await b.weights()).web1).toBeGreaterThan(100);
    const j = JSON.parse(readFileSync(journal, 'utf8'));
    expect(j.version).toBe(2);
    expect(j.nodes.map((x: { weights: unknown }) => x.weights)).toEqual([ORIGINAL, ORIGINAL]);
    const r = spawnCli(['restore', '--journal', journal], { deadlineMs: 30_000 });
    const { code } = await r.exited;
    expect(code, r.stdout() + r.stderr()).toBe(0);
    expect(r.stdout()).toContain(`(HAProxy ${a.socket} backend web)`);
    expect(r.stdout()).toContain(`(HAProxy ${b.address} backend web)`);
    expect(await a.weights()).toEqual(ORIGINAL);
    expect(await b.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
  });

  it('`loadtest stop` ends the run: stopReason stopped, exit 130, partial step kept, both nodes restored, stop file consumed', async () => {
    const { f, journal, report } = scenario(LONG);
    const c = spawnCli(['run', f, '--no-progress'], { deadlineMs: 40_000 });
    await waitShifted(c);
    const stop = spawnCli(['stop', '--journal', journal, '--wait', '20'], { deadlineMs: 30_000 });
    const stopped = await stop.exited;
    expect(stopped.code, stop.stdout() + stop.stderr()).toBe(0);
    expect(stop.stdout()).toContain(`created ${journal}.stop`);
    expect(stop.stdout()).toMatch(/stopped: the run put its weights back/);
    const { code } = await c.exited;
    expect(code, c.stdout() + c.stderr()).toBe(130);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.status).toBe('aborted');
    expect(r.stopReason).toBe('stopped');
    expect(r.steps.at(-1).partial).toBe(true);
    expect(c.stdout()).toMatch(/run stopped by `loadtest stop`/);
    expect(await a.weights()).toEqual(ORIGINAL);
    expect(await b.weights()).toEqual(ORIGINAL);
    expect(existsSync(journal)).toBe(false);
    expect(existsSync(`${journal}.stop`)).toBe(false);
  });

  it('a stale stop file: run refuses to start (exit 2) with one line, changing nothing', async () => {
    const { f, journal } = scenario(SHORT);
    writeFileSync(`${journal}.stop`, 'left over\n');
    const c = spawnCli(['run', f], { deadlineMs: 20_000 });
    const { code } = await c.exited;
    expect(code).toBe(2);
    expect(c.stderr().trim().split('\n')).toHaveLength(1);
    expect(c.stderr()).toContain(`a stop file exists: ${journal}.stop`);
    expect(existsSync(journal)).toBe(false);
    rmSync(`${journal}.stop`);
  });

  // Last: it kills node b.
  it('one HAProxy dies mid-run: the run stops, node a is restored, one clear line, exit 6, journal keeps only node b', async () => {
    const { f, journal } = scenario(LONG);
    const c = spawnCli(['run', f, '--no-progress', '--restore-deadline', '1'], { deadlineMs: 40_000 });
    await waitShifted(c);
    b.kill();
    const { code } = await c.exited;
    expect(code, c.stdout() + c.stderr()).toBe(6);
    expect(await a.weights()).toEqual(ORIGINAL);
    // Refused once it is gone; reset when it dies with our connection open (seen on a busy machine).
    expect(c.stderr()).toMatch(new RegExp(`loadtest: run failed: .*${b.address.replace(/\./g, '\\.')}.*(ECONNREFUSED|ECONNRESET)`));
    expect(c.stderr()).toMatch(/weights could NOT be restored; the journal is kept/);
    const j = JSON.parse(readFileSync(journal, 'utf8'));
    expect(j.version).toBe(1);
    expect(j.shifter).toEqual({ type: 'haproxy', address: b.address, backend: 'web' });
    expect(j.weights).toEqual(ORIGINAL);
  });
});
