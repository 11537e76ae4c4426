import { describe, expect, it } from 'vitest';
import type { GeneratorHealth } from '../../src/metrics/step-stats.js';
import { buildProgress, buildStepStats } from '../../src/traffic/generator/stats.js';
import { ERR_INDEX, StepRecorder } from '../../src/traffic/generator/step-recorder.js';

const health: GeneratorHealth = {
  sendLagP99Ms: 1,
  sendLagMaxMs: 2,
  eventLoopDelayP99Ms: 1,
  cpuPercent: 10,
  cpuUsPerRequest: 20,
  dropped: 0,
  peakInFlight: 3,
  workers: 1,
  limited: false,
  reasons: [],
};
const info = (names: string[], windowMs = 2000) => ({ level: 5, startedAt: '2026-01-01T00:00:00.000Z', windowMs, partial: false, names, generator: health });

/** A recorder for a two-request mix with a known story (judged window of 2 s). */
function story(): StepRecorder {
  const r = new StepRecorder(2);
  // 6 sends of 'a', 2 of 'b', plus 1 drop of 'b'; warm-up traffic that must not count.
  for (let i = 0; i < 8; i++) r.sent(true, 100);
  r.sent(false, 100);
  r.response(false, 0, 200, false, 10, 1000, 900); // warm-up
  for (let i = 0; i < 5; i++) r.response(true, 0, 200, false, 10, (i + 1) * 1000, 500);
  r.response(true, 0, 503, true, 10, 9000, 8000); // http error: a response
  r.failure(true, 1, ERR_INDEX.timeout, 0, 50_000, 49_000); // timeout: latency recorded
  r.failure(true, 1, ERR_INDEX.reset, 0, 3000, 2000); // reset: no latency
  r.drop(true, 1);
  return r;
}

describe('buildStepStats', () => {
  it('counts by the documented rules', () => {
    const s = buildStepStats(story(), info(['a', 'b']));
    expect(s.sent).toBe(8);
    expect(s.completed).toBe(6); // responses, any status
    expect(s.errors).toEqual({ http: 1, timeout: 1, reset: 1, dropped: 1 });
    expect(s.errorCount).toBe(4);
    expect(s.errorRate).toBeCloseTo(4 / 9, 9); // finished = 6 responses + 2 transport errors + 1 drop
    expect(s.offeredRps).toBe(4.5); // (8 sent + 1 dropped) / 2 s
    expect(s.achievedRps).toBe(3);
    expect(s.statusCodes).toEqual({ '200': 5, '503': 1 });
    expect(s.bytesReceived).toBe(60);
    expect(s.latencyMs.count).toBe(7); // 6 responses + 1 timeout
    expect(s.latencyMs.max).toBeCloseTo(50, 0);
    expect(s.metrics).toMatchObject({ error_rate: s.errorRate, rps: 3, offered_rps: 4.5, throughput: 3 / 4.5 });
    expect(s.metrics['rps{a}']).toBe(3);
    expect(s.metrics['rps{b}']).toBe(0);
    expect(s.metrics['error_rate{a}']).toBeCloseTo(1 / 6, 9);
    expect(s.metrics['error_rate{b}']).toBe(1);
    expect(s.metrics['p99{b}']).toBeCloseTo(50, 0); // the timeout
    expect(s.byRequest.map((b) => [b.name, b.count, b.errors])).toEqual([
      ['a', 6, 1],
      ['b', 3, 3],
    ]);
    expect(s.generator).toBe(health);
  });

  it('leaves latency metrics absent (never 0) when nothing was measured', () => {
    const r = new StepRecorder(1);
    r.sent(true, 10);
    r.failure(true, 0, ERR_INDEX.refused, 0, 1, 1);
    const s = buildStepStats(r, info(['only']));
    expect(s.metrics.p99).toBeUndefined();
    expect(s.metrics['p99{only}']).toBeUndefined();
    expect(s.metrics.error_rate).toBe(1);
    expect(s.errors).toEqual({ refused: 1 });
  });

  it('a single-request mix reuses the total latency for the request', () => {
    const r = new StepRecorder(1);
    r.sent(true, 10);
    r.response(true, 0, 200, false, 1, 2500, 2000);
    const s = buildStepStats(r, info(['x']));
    expect(s.metrics['p50{x}']).toBe(s.metrics.p50);
    expect(s.byRequest[0]!.latencyMs).toEqual(s.latencyMs);
  });
});

describe('StepRecorder', () => {
  it('ignores everything once sealed (late callbacks of a finished step)', () => {
    const r = story();
    r.sealed = true;
    r.response(true, 0, 200, false, 10, 1, 1);
    r.drop(true, 0);
    expect(buildStepStats(r, info(['a', 'b']))).toMatchObject({ completed: 6, errorCount: 4 });
  });

  it('round-trips through the wire form and merges by summing', () => {
    const a = story();
    const b = StepRecorder.fromWire(JSON.parse(JSON.stringify(story().toWire())));
    b.peakInFlight = 4;
    a.peakInFlight = 3;
    a.eventLoopDelayP99Ms = 2;
    b.eventLoopDelayP99Ms = 7;
    const one = buildStepStats(story(), info(['a', 'b']));
    a.mergeFrom(b);
    const two = buildStepStats(a, info(['a', 'b']));
    expect(two.sent).toBe(2 * one.sent);
    expect(two.completed).toBe(2 * one.completed);
    expect(two.errors).toEqual({ http: 2, timeout: 2, reset: 2, dropped: 2 });
    expect(two.statusCodes).toEqual({ '200': 10, '503': 2 });
    expect(two.latencyMs.count).toBe(14);
    expect(two.latencyMs.p50).toBe(one.latencyMs.p50);
    expect(two.byRequest[1]!.count).toBe(6);
    expect(a.peakInFlight).toBe(7);
    expect(a.eventLoopDelayP99Ms).toBe(7);
  });
});

describe('buildProgress', () => {
  it('after the warm-up: the judged window so far, with the step’s own definitions and its counts', () => {
    // 500 ms into the judged window (warm-up 500 ms, elapsed 1000 ms)
    const p = buildProgress(story(), 1000, 500, 2);
    expect(p.phase).toBe('measure');
    expect(p.inFlight).toBe(2);
    expect(p.achievedRps).toBe(12); // 6 judged responses in 0.5 s; the warm-up's is not counted
    expect(p.offeredRps).toBe(18); // 8 sent + 1 dropped
    expect(p.metrics.error_rate).toBeCloseTo(4 / 9, 9); // as buildStepStats: over finished requests
    expect(p.metrics.throughput).toBeCloseTo(6 / 9, 9); // answered / finished
    expect(p.metrics.p99).toBeGreaterThan(0);
    expect(p.counts).toEqual({ scheduled: 9, finished: 9, completed: 6, errors: 4, inFlight: 0 });
  });

  it('during the warm-up: the warm-up’s figures, for display, and no counts (nothing to abort on)', () => {
    const p = buildProgress(story(), 400, 500, 2);
    expect(p.phase).toBe('warmup');
    expect(p.achievedRps).toBe(2.5); // 1 warm-up response in 0.4 s
    expect(p.counts).toBeUndefined();
    expect(buildProgress(new StepRecorder(1), 100, 500, 0).phase).toBe('warmup');
  });
});
