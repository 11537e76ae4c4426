import { describe, expect, it } from 'vitest';
import { mergeAgentResults, type MergeInput } from '../../src/agents/merge.js';
import type { AgentStepResult } from '../../src/agents/protocol.js';
import { createHistogram, summarize } from '../../src/metrics/histogram.js';
import type { GeneratorHealth } from '../../src/metrics/step-stats.js';
import { buildStepStats } from '../../src/traffic/generator/stats.js';
import { ERR_INDEX, StepRecorder } from '../../src/traffic/generator/step-recorder.js';
import { mulberry32 } from '../../src/traffic/generator/schedule.js';

const NAMES = ['read', 'write'];
const WINDOW = 10_000;
const THRESHOLDS = [250];

function health(over: Partial<GeneratorHealth> = {}): GeneratorHealth {
  return {
    sendLagP99Ms: 1,
    sendLagMaxMs: 2,
    eventLoopDelayP99Ms: 3,
    cpuPercent: 40,
    cpuUsPerRequest: 50,
    dropped: 0,
    peakInFlight: 10,
    workers: 2,
    limited: false,
    reasons: [],
    ...over,
  };
}

function recorder(): StepRecorder {
  const r = new StepRecorder(NAMES.length, THRESHOLDS);
  r.batches.window(0, WINDOW);
  return r;
}

/** Random traffic recorded both into an agent's recorder and into one recorder that sees everything. */
function traffic(seed: number, n: number, into: StepRecorder[]): void {
  const rand = mulberry32(seed);
  for (let i = 0; i < n; i++) {
    const at = rand() * WINDOW;
    const name = rand() < 0.7 ? 0 : 1;
    const lat = Math.round(1000 + 400_000 * rand() ** 6); // µs, a long tail
    const u = rand();
    for (const r of into) {
      if (u < 0.01) {
        r.drop(true, name, at);
        continue;
      }
      r.sent(true, Math.round(lat / 100));
      if (u < 0.03) r.failure(true, name, ERR_INDEX.timeout, 0, lat * 10, lat * 10, at);
      else if (u < 0.04) r.failure(true, name, ERR_INDEX.reset, 0, lat, lat, at);
      else r.response(true, name, u < 0.08 ? 503 : 200, u < 0.08, 120, lat, lat - 200, at);
    }
  }
}

function result(agentId: string, rec: StepRecorder, h: GeneratorHealth = health(), over: Partial<AgentStepResult> = {}): AgentStepResult {
  return { agentId, windowMs: WINDOW, partial: false, rec: rec.toWire(), health: h, ...over };
}

const base = (shares: MergeInput['shares'], results: AgentStepResult[], lost?: Map<string, string>): MergeInput => ({
  level: 3000,
  startedAt: '2026-01-01T00:00:00.000Z',
  windowMs: WINDOW,
  names: NAMES,
  shares,
  results,
  ...(lost ? { lost } : {}),
});

describe('mergeAgentResults', () => {
  const all = recorder();
  const recs = [recorder(), recorder(), recorder()];
  [3000, 1500, 1500].forEach((n, k) => traffic(100 + k, n, [recs[k]!, all]));
  const shares = [
    { id: '0', rate: 1500 },
    { id: '1', rate: 750 },
    { id: '2', rate: 750 },
  ];
  const merged = mergeAgentResults(base(shares, recs.map((r, k) => result(String(k), r))));
  // The reference goes through the wire too: encoding keeps buckets, not the exact max, so an
  // unencoded histogram's max can differ by its bucket's width (3 significant digits); see below.
  const single = buildStepStats(StepRecorder.fromWire(all.toWire()), { level: 3000, startedAt: '2026-01-01T00:00:00.000Z', windowMs: WINDOW, partial: false, names: NAMES, generator: health() });

  it('is exactly what one generator seeing every request would report: percentiles, counts, metrics, batches', () => {
    expect(merged.latencyMs).toEqual(single.latencyMs);
    expect(merged.latencyMs.p99).toBe(single.latencyMs.p99);
    expect(merged.latencyUncorrectedMs).toEqual(single.latencyUncorrectedMs);
    expect(merged.byRequest).toEqual(single.byRequest);
    expect(merged.metrics).toEqual(single.metrics);
    // Batches: counts exactly; per-slice mean latencies up to floating-point summation order.
    expect({ ...merged.batches!, latencyMeanMs: [] }).toEqual({ ...single.batches!, latencyMeanMs: [] });
    merged.batches!.latencyMeanMs.forEach((m, i) => expect(m).toBeCloseTo(single.batches!.latencyMeanMs[i]!, 9));
    expect(merged.batches!.finished.reduce((a, b) => a + b, 0)).toBeGreaterThan(5000);
    // Against the reference never encoded: every percentile the same, the max within its bucket.
    const raw = summarize(all.judged.corrected);
    expect({ ...merged.latencyMs, max: 0 }).toEqual({ ...raw, max: 0 });
    expect(Math.abs(merged.latencyMs.max - raw.max)).toBeLessThanOrEqual(raw.max * 1e-3);
    for (const k of ['sent', 'completed', 'errors', 'errorCount', 'errorRate', 'statusCodes', 'bytesReceived', 'offeredRps', 'achievedRps', 'histogram'] as const) {
      expect(merged[k], k).toEqual(single[k]);
    }
  });

  it('merged p99 equals the p99 of one histogram fed all values (not the mean of the agents\' p99s)', () => {
    const h = createHistogram();
    const each = [createHistogram(), createHistogram()];
    const rand = mulberry32(9);
    for (let i = 0; i < 20_000; i++) {
      // Agent 1 is slow: averaging percentiles would be far off.
      const k = i % 2;
      const v = Math.round(k === 0 ? 1000 + rand() * 1000 : 5000 + rand() * 200_000);
      h.recordValue(v);
      each[k]!.recordValue(v);
    }
    const [a, b] = each.map((x) => {
      const r = recorder();
      r.judged.corrected = x;
      return r;
    });
    const m = mergeAgentResults(base([{ id: 'a', rate: 1 }, { id: 'b', rate: 1 }], [result('a', a!), result('b', b!)]));
    expect(m.latencyMs.p99).toBe(summarize(h).p99);
    const averaged = (summarize(each[0]!).p99 + summarize(each[1]!).p99) / 2;
    expect(Math.abs(averaged - m.latencyMs.p99)).toBeGreaterThan(50); // ms: the wrong way is visibly wrong
  });

  it('generator.agents[]: each agent\'s id, share and counts, adding up to the step\'s', () => {
    const g = merged.generator;
    expect(g.agents.map((a) => [a.id, a.rate])).toEqual([
      ['0', 1500],
      ['1', 750],
      ['2', 750],
    ]);
    const sum = (f: (a: (typeof g.agents)[number]) => number) => g.agents.reduce((s, a) => s + f(a), 0);
    expect(sum((a) => a.sent)).toBe(merged.sent);
    expect(sum((a) => a.completed)).toBe(merged.completed);
    expect(sum((a) => a.errors)).toBe(merged.errorCount);
    expect(sum((a) => a.dropped)).toBe(merged.errors.dropped);
    expect(g.agents[0]!.sent).toBe(recs[0]!.judged.sent);
  });

  it('health: exact lag from the merged histogram, worst event loop, summed CPU and workers, not limited', () => {
    const g = merged.generator;
    const lag = createHistogram();
    for (const r of recs) lag.add(r.lag);
    expect(g.sendLagP99Ms).toBe(lag.getValueAtPercentile(99) / 1000);
    expect(g.eventLoopDelayP99Ms).toBe(3);
    expect(g.cpuPercent).toBe(120);
    expect(g.workers).toBe(6);
    expect(g.peakInFlight).toBe(30);
    expect(g.cpuUsPerRequest).toBeCloseTo(50, 9);
    expect(g.limited).toBe(false);
    expect(g.reasons).toEqual([]);
    expect(merged.partial).toBe(false);
  });

  it.each([
    [
      'one agent limited: the step is limited, the reason names it',
      [result('0', recorder()), result('1', recorder(), health({ limited: true, reasons: ['send lag p99 48ms > 10ms'], eventLoopDelayP99Ms: 70 }))],
      undefined,
      { limited: true, partial: false, reasons: ['agent 1: send lag p99 48ms > 10ms'] },
    ],
    [
      'one agent disconnected: limited and partial, naming it and its share',
      [result('0', recorder())],
      new Map([['1', 'disconnected (connection reset)']]),
      { limited: true, partial: true, reasons: ['agent 1: disconnected (connection reset): its 750 rps share was not measured, so the service saw less than the asked rate'] },
    ],
    [
      'no result and no reason',
      [result('1', recorder())],
      undefined,
      { limited: true, partial: true, reasons: ['agent 0: no result: its 1500 rps share was not measured, so the service saw less than the asked rate'] },
    ],
    [
      'an unreadable result counts as missing',
      [result('0', recorder(), health(), { rec: { ...recorder().toWire(), lag: 'not a histogram' } }), result('1', recorder())],
      undefined,
      { limited: true, partial: true, reasons: [expect.stringMatching(/^agent 0: unreadable result \(.+\): its 1500 rps share/)] },
    ],
    [
      'a result for another mix counts as missing',
      [result('0', new StepRecorder(3)), result('1', recorder())],
      undefined,
      { limited: true, partial: true, reasons: [expect.stringMatching(/^agent 0: unreadable result \(3 request names, expected 2\)/)] },
    ],
    [
      'an agent cut short: partial, the shortest window',
      [result('0', recorder(), health(), { partial: true, windowMs: 4000 }), result('1', recorder())],
      undefined,
      { limited: false, partial: true, reasons: [], durationMs: 4000 },
    ],
  ])('%s', (_what, results, lost, expected) => {
    const m = mergeAgentResults(base([{ id: '0', rate: 1500 }, { id: '1', rate: 750 }], results, lost));
    expect({ limited: m.generator.limited, partial: m.partial, reasons: m.generator.reasons, ...('durationMs' in expected ? { durationMs: m.durationMs } : {}) }).toEqual(expected);
    expect(m.generator.agents.map((a) => a.id)).toEqual(['0', '1']);
  });

  it('a missing agent is listed with zero counts and why', () => {
    const m = mergeAgentResults(base([{ id: '0', rate: 1 }, { id: '7', rate: 1 }], [result('0', recs[0]!)], new Map([['7', 'heartbeat timeout']])));
    expect(m.generator.agents[1]).toEqual({ id: '7', rate: 1, sent: 0, completed: 0, errors: 0, dropped: 0, missing: 'heartbeat timeout' });
    expect(m.sent).toBe(recs[0]!.judged.sent);
  });

  it('notes and a data feeder running out carry the agent\'s name', () => {
    const m = mergeAgentResults(
      base([{ id: '0', rate: 1 }], [result('0', recorder(), health({ notes: ['up to 90 requests were in flight over 64 connections'] }), { dataExhausted: 'users.csv ran out' })]),
    );
    expect(m.generator.notes).toEqual(['agent 0: up to 90 requests were in flight over 64 connections']);
    expect(m.dataExhausted).toBe('agent 0: users.csv ran out');
  });

  it.each([
    [[result('9', recorder())], /step result from agent "9", which was not given this step/],
    [[result('0', recorder()), result('0', recorder())], /two step results from agent "0"/],
  ])('wiring bugs throw %#', (results, msg) => {
    expect(() => mergeAgentResults(base([{ id: '0', rate: 1 }], results))).toThrow(msg);
  });
});
