// The generator against real node:http servers on 127.0.0.1: schedule, coordinated omission,
// bodies, abort, workers. Short steps; bounds are generous (two noisy shared cores).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGenerator } from '../../src/traffic/generator/generator.js';
import { startTestServer, type TestServer } from '../helpers/http-servers.js';
import { countAboveMs, genSpec, stepReq } from './generator-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('generator', () => {
  it('holds the asked rate and fills StepStats', async () => {
    server.setMode('ok');
    const g = createGenerator(genSpec(server.url), { thresholds: { sendLagP99Ms: 200, eventLoopDelayP99Ms: 200 } });
    try {
      await g.prepare(new AbortController().signal);
      const progress: number[] = [];
      const s = await g.runStep(stepReq(300, 2000, 500, { onProgress: (p) => progress.push(p.elapsedMs) }));
      expect(s.partial).toBe(false);
      expect(s.durationMs).toBe(1500);
      expect(s.sent).toBe(450); // uniform: exactly rate × judged window
      expect(s.offeredRps).toBeCloseTo(300, 5);
      expect(s.completed).toBe(450);
      expect(s.statusCodes).toEqual({ '200': 450 });
      expect(s.errorRate).toBe(0);
      expect(s.bytesReceived).toBe(450 * 3);
      expect(s.metrics.throughput).toBeCloseTo(1, 5);
      expect(s.metrics.p99).toBeGreaterThan(0);
      expect(s.metrics['p99{home}']).toBe(s.metrics.p99);
      expect(s.metrics['rps{home}']).toBeCloseTo(300, 5);
      expect(s.latencyMs.count).toBe(450);
      expect(s.latencyUncorrectedMs.count).toBe(450);
      // corrected latency is measured from the intended send time, so it is never below the uncorrected
      expect(s.latencyMs.mean).toBeGreaterThanOrEqual(s.latencyUncorrectedMs.mean);
      expect(s.generator).toMatchObject({ workers: 1, dropped: 0, limited: false, reasons: [] });
      expect(s.generator!.peakInFlight).toBeGreaterThan(0);
      expect(s.generator!.cpuUsPerRequest).toBeGreaterThan(0);
      expect(progress.length).toBeGreaterThanOrEqual(2);
    } finally {
      expect(await g.close()).toEqual([]);
      expect(await g.close()).toEqual([]); // idempotent
    }
  });

  it('mixes requests by weight and reports per-name metrics', async () => {
    server.setMode('ok');
    const g = createGenerator(
      genSpec(server.url, {
        requests: [
          { name: 'a', method: 'GET', path: '/a', headers: { 'x-test': '1' }, weight: 3 },
          { name: 'b', method: 'POST', path: '/b', headers: {}, body: '{"x":1}', weight: 1 },
        ],
        arrival: 'poisson',
      }),
    );
    try {
      const s = await g.runStep(stepReq(400, 2000, 0));
      // Poisson: 800 expected, sd ≈ 28
      expect(s.sent).toBeGreaterThan(650);
      expect(s.sent).toBeLessThan(950);
      const [a, b] = s.byRequest;
      expect(a!.count + b!.count).toBe(s.sent);
      expect(a!.count / s.sent).toBeGreaterThan(0.65);
      expect(a!.count / s.sent).toBeLessThan(0.85);
      expect(s.metrics['p99{a}']).toBeGreaterThan(0);
      expect(s.metrics['error_rate{b}']).toBe(0);
    } finally {
      await g.close();
    }
  });

  it('measures coordinated omission: a 1 s stall shows in the corrected latency, not the uncorrected', async () => {
    server.setMode('ok');
    const rate = 200;
    const g = createGenerator(genSpec(server.url, { connections: 10 }), { thresholds: { sendLagP99Ms: 500, eventLoopDelayP99Ms: 500 } });
    try {
      const stall = setTimeout(() => server.stallFor(1000), 1200);
      const s = await g.runStep(stepReq(rate, 3000, 500));
      clearTimeout(stall);
      expect(s.errorCount).toBe(0);
      expect(s.latencyMs.max).toBeGreaterThanOrEqual(900);
      expect(s.latencyMs.max).toBeLessThan(2000);
      // Sends went out on schedule during the stall (open model): ≈ rate × 1 s of them waited, and
      // those scheduled in the stall's first half waited more than 500 ms.
      const waited = countAboveMs(s.histogram!, 50);
      const waitedLong = countAboveMs(s.histogram!, 500);
      expect(waited).toBeGreaterThan(rate * 1.0 * 0.6);
      expect(waited).toBeLessThan(rate * 1.0 * 1.5);
      expect(waitedLong).toBeGreaterThan(rate * 0.5 * 0.5);
      expect(waitedLong).toBeLessThan(rate * 0.5 * 1.6);
      // Uncorrected latency starts when a request is written on a connection: only the few requests
      // held on the 10 connections saw the stall; the queued ones did not.
      expect(s.latencyMs.p90).toBeGreaterThan(300);
      expect(s.latencyUncorrectedMs.p90).toBeLessThan(100);
      expect(s.generator!.sendLagP99Ms).toBeLessThan(250); // the schedule was kept during the stall
    } finally {
      await g.close();
    }
  });

  it('streams and discards large bodies, counting their bytes', async () => {
    const size = 8 * 1024 * 1024;
    server.setMode('large', { bodyBytes: size });
    const g = createGenerator(genSpec(server.url, { connections: 4 }));
    try {
      const before = process.memoryUsage().arrayBuffers;
      const s = await g.runStep(stepReq(10, 1500, 0));
      expect(s.completed).toBe(15);
      expect(s.bytesReceived).toBe(15 * size);
      // 120 MiB went through; nothing held on to it (bodies are dropped chunk by chunk).
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
    } finally {
      server.setMode('ok');
      await g.close();
    }
  });

  it('stops at once on abort and returns partial stats', async () => {
    server.setMode('ok');
    const g = createGenerator(genSpec(server.url));
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 1200);
      const t0 = Date.now();
      const s = await g.runStep(stepReq(200, 10_000, 500, { signal: ac.signal }));
      expect(Date.now() - t0).toBeLessThan(1200 + 1000);
      expect(s.partial).toBe(true);
      expect(s.durationMs).toBeGreaterThan(500);
      expect(s.durationMs).toBeLessThan(1200);
      expect(s.offeredRps).toBeGreaterThan(150);
      expect(s.offeredRps).toBeLessThan(250);
      const requestsAtAbort = server.requests;
      await new Promise((r) => setTimeout(r, 300));
      expect(server.requests).toBe(requestsAtAbort); // nothing sent after the abort
    } finally {
      await g.close();
    }
  });

  it('returns at once for a step whose signal is already aborted', async () => {
    const g = createGenerator(genSpec(server.url));
    try {
      const ac = new AbortController();
      ac.abort();
      const t0 = Date.now();
      const s = await g.runStep(stepReq(200, 5000, 500, { signal: ac.signal }));
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(s.partial).toBe(true);
      expect(s.sent).toBe(0);
    } finally {
      await g.close();
    }
  });

  it('spreads the rate over 2 workers; merged totals are the sum of the workers', async () => {
    server.setMode('ok');
    const g = createGenerator(genSpec(server.url, { workers: 2 }));
    try {
      const progress: number[] = [];
      const s = await g.runStep(stepReq(400, 2000, 500, { onProgress: (p) => progress.push(p.metrics.offered_rps!) }));
      // Progress merges the workers' snapshots: about the full rate, not one worker's share.
      expect(progress.length).toBeGreaterThanOrEqual(2);
      expect(progress[progress.length - 1]).toBeGreaterThan(300);
      const threads = g.lastStepThreads;
      expect(threads).toHaveLength(2);
      expect(threads.map((t) => t.rate)).toEqual([200, 200]);
      expect(threads.map((t) => t.phase)).toEqual([0, 0.5]);
      const sum = (k: 'sent' | 'completed' | 'dropped' | 'errors') => threads.reduce((a, t) => a + t[k], 0);
      expect(sum('sent')).toBe(s.sent);
      expect(sum('completed')).toBe(s.completed);
      expect(sum('errors')).toBe(s.errorCount);
      expect(s.sent).toBe(600);
      expect(s.offeredRps).toBeCloseTo(400, 5);
      expect(s.latencyMs.count).toBe(s.completed);
      expect(s.generator!.workers).toBe(2);
    } finally {
      await g.close();
    }
  });
});
