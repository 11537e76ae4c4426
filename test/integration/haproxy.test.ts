// The HAProxy runtime client and the shifter against a real HAProxy 2.6: levels, algorithms,
// weights set and read back, the journal written before the first change, measured shares.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HaproxyRuntime } from '../../src/traffic/shifters/haproxy-runtime.js';
import { createHaproxyShifter } from '../../src/traffic/shifters/haproxy-shifter.js';
import { startBackends, startHaproxy, startLiveTraffic, type FlakyBackend, type HaproxyHandle } from '../helpers/haproxy.js';

describe('HAProxy runtime API (real haproxy 2.6)', () => {
  let hx: HaproxyHandle;
  let operator: HaproxyHandle;
  let staticRr: HaproxyHandle;
  let mapBased: HaproxyHandle;
  let consistent: HaproxyHandle;
  let backends: FlakyBackend[];
  let live: ReturnType<typeof startLiveTraffic> | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'loadtest-hx-test-'));

  beforeAll(async () => {
    backends = await startBackends(['web1', 'web2', 'web3'], { workers: 10, serviceTimeMs: 10 });
    const servers = backends.map((b) => ({ name: b.name, port: b.port }));
    hx = await startHaproxy({ servers });
    operator = await startHaproxy({ servers, socketLevel: 'operator', tcpLevel: 'operator' });
    staticRr = await startHaproxy({ servers, balance: 'static-rr' });
    mapBased = await startHaproxy({ servers, balance: 'source' });
    consistent = await startHaproxy({ servers, balance: 'source', backendLines: ['hash-type consistent'] });
  });
  afterAll(async () => {
    await live?.stop();
    await Promise.all([hx?.stop(), operator?.stop(), staticRr?.stop(), mapBased?.stop(), consistent?.stop()]);
    await Promise.all((backends ?? []).map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads stats, levels and weights over the unix and the TCP socket', async () => {
    for (const addr of [{ socket: hx.socket }, { address: hx.address }]) {
      const rt = new HaproxyRuntime(addr);
      expect(await rt.cliLevel()).toBe('admin');
      const b = await rt.inspectBackend('web', ['web1']);
      expect(b).toEqual({ algo: 'roundrobin', weights: { web1: 100, web2: 100, web3: 100 } });
      expect((await rt.showInfo()).Name).toBe('HAProxy');
    }
  });

  it('refuses a socket without level admin, with the config line to fix it', async () => {
    const rt = new HaproxyRuntime({ socket: operator.socket });
    await expect(rt.assertAdmin()).rejects.toThrow(/level "operator", but setting weights needs level admin/);
  });

  it('refuses static-rr, an unknown backend and an unknown server', async () => {
    const rt = new HaproxyRuntime({ socket: staticRr.socket });
    await expect(rt.inspectBackend('web', ['web1'])).rejects.toThrow(/balance static-rr.*ignores runtime weights/);
    const ok = new HaproxyRuntime({ socket: hx.socket });
    await expect(ok.inspectBackend('nope', ['web1'])).rejects.toThrow(/no backend "nope" \(backends: web\)/);
    await expect(ok.inspectBackend('web', ['web9'])).rejects.toThrow(/no server "web9"/);
  });

  it('hash balancing: refused with map-based hashing (weights ignored), accepted with hash-type consistent', async () => {
    const make = (h: HaproxyHandle, name: string) =>
      createHaproxyShifter({ spec: { type: 'haproxy', socket: h.socket, backend: 'web', servers: ['web1'] }, limits: {}, journalFile: join(dir, name) });
    const refused = make(mapBased, 'map.json');
    await expect(refused.prepare(new AbortController().signal)).rejects.toThrow(/balance source` with map-based hashing, which ignores runtime weights/);
    expect(await refused.close()).toEqual([expect.stringMatching(/original weights restored/)]);
    expect(await mapBased.weights()).toEqual({ web1: 100, web2: 100, web3: 100 });
    const ok = make(consistent, 'consistent.json');
    await ok.prepare(new AbortController().signal);
    expect(await consistent.weights()).toEqual({ web1: 100, web2: 100, web3: 100 }); // the probe put it back
    await ok.close();
    expect(existsSync(join(dir, 'consistent.json'))).toBe(false);
  });

  it('close() during a ramp wins: no weight changes after it, the originals stay', async () => {
    const journalFile = join(dir, 'ramp.json');
    const shifter = createHaproxyShifter({
      spec: { type: 'haproxy', address: hx.address, backend: 'web', servers: ['web1'] },
      limits: { maxWeightStep: 10 }, // 100 → 256 takes 16 sub-steps
      journalFile,
      rampIntervalMs: 100,
    });
    await shifter.prepare(new AbortController().signal);
    const ac = new AbortController();
    const step = shifter.runStep({ index: 0, level: 2, durationMs: 5000, warmupMs: 4000, signal: ac.signal }).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 450));
    expect((await hx.weightOf('web1')) > 100).toBe(true); // mid-ramp
    const closed = shifter.close(); // what a second Ctrl-C does: close while the step still runs
    ac.abort();
    await closed;
    await step;
    await new Promise((r) => setTimeout(r, 300));
    expect(await hx.weights()).toEqual({ web1: 100, web2: 100, web3: 100 });
    expect(existsSync(journalFile)).toBe(false);
  });

  it('prepare() refuses to journal over a journal left by another run', async () => {
    const journalFile = join(dir, 'left.json');
    writeFileSync(journalFile, JSON.stringify({ kind: 'loadtest.weight-journal', version: 1, shifter: { type: 'haproxy', socket: hx.socket, backend: 'web' }, weights: { web1: 100 }, pid: 1, startedAt: 'x' }));
    const shifter = createHaproxyShifter({ spec: { type: 'haproxy', socket: hx.socket, backend: 'web', servers: ['web1'] }, limits: {}, journalFile });
    await expect(shifter.prepare(new AbortController().signal)).rejects.toThrow(/an unrestored weight journal exists/);
    expect(await shifter.close()).toEqual([]); // it changed nothing, so it restores nothing
    expect(existsSync(journalFile)).toBe(true);
  });

  it('servers in maintenance or backup take no share; a target that is not up or drained is refused', async () => {
    const h = await startHaproxy({ servers: [...backends.map((b) => ({ name: b.name, port: b.port })), { name: 'spare', port: backends[0]!.port }] });
    try {
      await h.runtime.command('set server web/web3 state maint');
      // Four servers, web3 in maintenance: the pool is web1, web2 and spare.
      const rt = new HaproxyRuntime({ socket: h.socket });
      expect((await rt.inspectBackend('web', ['web1'])).weights).toEqual({ web1: 100, web2: 100, spare: 100 });
      const shifter = createHaproxyShifter({ spec: { type: 'haproxy', socket: h.socket, backend: 'web', servers: ['web1'] }, limits: {}, journalFile: join(dir, 'maint.json') });
      await shifter.prepare(new AbortController().signal);
      expect(shifter.describe(1)).toBe('1.00x (web1 weight 100/256, share 33.3%)'); // of 3 up servers, not 4
      await shifter.close();
      await expect(rt.inspectBackend('web', ['web3'])).rejects.toThrow(/server web3 is MAINT: it receives no traffic to shift/);
      await h.runtime.command('set server web/web3 state ready');
      await rt.setWeight('web', 'web1', 0);
      const drained = createHaproxyShifter({ spec: { type: 'haproxy', socket: h.socket, backend: 'web', servers: ['web1'] }, limits: {}, journalFile: join(dir, 'drained.json') });
      await expect(drained.prepare(new AbortController().signal)).rejects.toThrow(/web1 has weight 0 \(drained\)/);
      expect(await drained.close()).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('fails clearly when the socket is not there', async () => {
    const rt = new HaproxyRuntime({ socket: join(dir, 'missing.sock') });
    await expect(rt.cliLevel()).rejects.toThrow(/cannot reach the HAProxy runtime API at .*missing\.sock: ENOENT/);
  });

  it('a shifter step moves the measured share, journals first, and close() restores', async () => {
    const journalFile = join(dir, 'journal.json');
    const shifter = createHaproxyShifter({
      spec: { type: 'haproxy', socket: hx.socket, backend: 'web', servers: ['web1'] },
      limits: { maxShare: 0.8, maxWeightStep: 60 },
      journalFile,
      windowMs: 1000,
      sampleIntervalMs: 500,
      rampIntervalMs: 100,
    });
    live = startLiveTraffic(hx.frontendUrl, 200, 20_000);
    await shifter.prepare(new AbortController().signal);
    const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
    expect(journal).toMatchObject({ kind: 'loadtest.weight-journal', weights: { web1: 100, web2: 100, web3: 100 }, pid: process.pid });
    expect(shifter.describe(2)).toBe('2.00x (web1 weight 256/256, share 66.7%)');

    const stats = await shifter.runStep({ index: 0, level: 2, durationMs: 3000, warmupMs: 1000, signal: new AbortController().signal });
    expect(await hx.weights()).toEqual({ web1: 256, web2: 64, web3: 64 });
    expect(stats.live!.expectedShare).toBeCloseTo(2 / 3, 2);
    expect(stats.live!.measuredShare).toBeGreaterThan(0.55);
    expect(stats.live!.measuredShare).toBeLessThan(0.78);
    expect(stats.windows!.length).toBe(2);
    expect(stats.metrics.rps).toBeGreaterThan(80);
    expect(stats.metrics['control.rps']).toBeGreaterThan(20);
    expect(stats.metrics.error_rate).toBe(0);
    expect(stats.metrics.samples).toBeGreaterThan(100);
    expect(stats.metrics.p99).toBeUndefined(); // HAProxy has no percentiles
    expect(stats.statusCodes['2xx']).toBeGreaterThan(stats.completed * 0.9); // stot counts at dispatch, hrsp at response
    expect(stats.latencyMs.count).toBe(0); // no per-request latencies: only a mean
    expect(stats.latencyMs.mean).toBeGreaterThan(5);

    expect(await shifter.close()).toEqual([expect.stringMatching(/original weights restored/)]);
    expect(await hx.weights()).toEqual({ web1: 100, web2: 100, web3: 100 });
    expect(existsSync(journalFile)).toBe(false);
    expect(shifter.restored).toBe(true);
    await live.stop();
  });
});
