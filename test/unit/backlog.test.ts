// backlog.ts: a failing step right after a failed one is the previous step's backlog when its
// latency fell through the window and every breached rule held over its last quarter.
import { describe, expect, it } from 'vitest';
import { backlogDrained, backlogUndecided } from '../../src/analysis/backlog.js';
import { judgeStep } from '../../src/analysis/step-verdict.js';
import type { StepBatches, StepStats } from '../../src/metrics/step-stats.js';
import { parseScenario } from '../../src/scenario/load-scenario.js';
import type { Breach } from '../../src/slo/slo.js';

const TAIL = { p50: 0.5, p90: 0.1, p95: 0.05, p99: 0.01, p999: 0.001 };
// Measured: HAProxy maxconn 8 over a 20 ms backend, 317 r/s right after a 570 r/s step failed
// (test/validate/real-servers.mjs): p99 391 ms over the window, falling from 390 ms to 21 ms.
const drained: StepBatches = {"finished":[32,31,33,33,38,28,36,19,25,40,27,37,38,27,43,27,23,30,33,29,36,28,31,39,30,31,30,29,37,31,34,36,31,34,21,32,29,36,36,33],"errors":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"latencyN":[32,31,33,33,38,28,36,19,25,40,27,37,38,27,43,27,23,30,33,29,36,28,31,39,30,31,30,29,37,31,34,36,31,34,21,32,29,36,36,33],"latencyMeanMs":[389.6,374.7,366.9,354.1,332.4,325.7,304.3,280.7,235.5,224.1,217.5,201.5,193,174.9,165.6,160.2,128.3,101.2,71.9,71.7,51.1,32.7,22.3,24.7,23.7,21.3,23,27.3,26,23.3,29.2,27.2,21.9,21.7,20.7,21.1,20.7,22.3,22.9,28.1],"above":[{"thresholdMs":200,"counts":[32,31,33,33,38,28,36,19,25,40,26,18,3,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]},{"thresholdMs":100,"counts":[32,31,33,33,38,28,36,19,25,40,27,37,38,27,43,27,23,18,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}]};
// Measured again, a longer drain: 317 r/s right after 570 r/s, p99 589 ms, latency 586 ms falling to
// 22 ms only 25 slices (2.5 s) into the 4 s window; the last 14 slices held.
const drainedLong: StepBatches = {"finished":[32,33,32,39,42,38,36,32,26,38,34,24,30,30,34,27,31,46,37,27,26,28,22,34,30,25,19,26,21,34,26,30,31,38,30,39,30,24,28,25],"errors":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0],"latencyN":[32,33,32,39,42,38,36,32,26,38,34,24,30,30,34,27,31,46,37,27,26,28,22,34,30,25,19,26,21,34,26,30,31,38,30,39,30,24,28,25],"latencyMeanMs":[586.3,556,550.6,554.8,553.8,557.4,564.8,548.3,521,502.4,501.5,480.3,443.2,410.3,404.4,376,358.3,360.3,364.4,347,318.3,284.9,250.9,222.7,204.5,166.9,138.3,96.2,52.3,25,21.6,21.7,22.6,25.6,21.1,23.5,28,21,20.6,21.5],"above":[{"thresholdMs":200,"counts":[32,33,32,39,42,38,36,32,26,38,34,24,30,30,34,27,31,46,37,27,26,28,22,34,20,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]},{"thresholdMs":100,"counts":[32,33,32,39,42,38,36,32,26,38,34,24,30,30,34,27,31,46,37,27,26,28,22,34,30,25,19,13,0,0,0,0,0,0,0,0,0,0,0,0]}]};
const scenario = parseScenario('name: b\ntarget: http://127.0.0.1:9\ntraffic: { requests: [{ name: x, path: / }] }\nload: { start: 50, factor: 1.5, max: 2000 }\nslo: [error_rate < 1%, p99 < 200ms, "p99{x} < 200ms", mean < 100ms]\n', 'b.yaml');
const rules = scenario.slo;
const p99: Breach = { slo: 'p99 < 200ms', metric: 'p99', threshold: 200, value: 391 };
const n = drained.latencyN.length;
const flat = (ms: number): StepBatches => ({ ...drained, latencyMeanMs: Array(n).fill(ms), above: [{ thresholdMs: 200, counts: Array(n).fill(0) }] });
const rising: StepBatches = { ...drained, latencyMeanMs: [...drained.latencyMeanMs].reverse(), above: drained.above.map((a) => ({ ...a, counts: [...a.counts].reverse() })) };

describe('backlogDrained', () => {
  it.each([
    ['the measured drain: falling, p99 met over the second half', drained, [p99], true],
    ['the longer measured drain: p99 met only over the last third', drainedLong, [{ ...p99, value: 589 }], true],
    ['the same slices rising (a queue building: a real overload)', rising, [p99], false],
    ['flat latency', flat(30), [p99], false],
    ['falling, but still over the threshold in the last quarter', { ...drained, above: [{ thresholdMs: 200, counts: drained.above[0]!.counts.map(() => 5) }] }, [p99], false],
    ['falling, over the threshold only in the last slice', { ...drained, above: [{ thresholdMs: 200, counts: drained.above[0]!.counts.map((c, i) => (i === 39 ? 8 : c)) }] }, [p99], false],
    ['a percentile with no slice counts at its threshold', { ...drained, above: [] }, [p99], false],
    ['a rule on one request name', drained, [{ slo: 'p99{x} < 200ms', metric: 'p99{x}', threshold: 200, value: 391 }], false],
    ['the mean, met over the second half', drained, [{ slo: 'mean < 100ms', metric: 'mean_latency', threshold: 100, value: 150 }], true],
    ['errors confined to the opening', { ...drained, errors: drained.errors.map((_, i) => (i < 8 ? 10 : 0)) }, [{ slo: 'error_rate < 1%', metric: 'error_rate', threshold: 0.01, value: 0.06 }], true],
    ['errors all through', { ...drained, errors: drained.errors.map(() => 3) }, [{ slo: 'error_rate < 1%', metric: 'error_rate', threshold: 0.01, value: 0.1 }], false],
  ])('%s', (_what, batches, breaches, want) => {
    const why = backlogDrained(rules, breaches as Breach[], batches as StepBatches, TAIL);
    expect(why !== undefined).toBe(want);
    if (want) expect(why).toMatch(/^the service was still draining the previous step's backlog: mean latency fell from \d+\.\dms to 2\d\.\dms through the step, and .* held over its last quarter; the level is re-run on a drained service$/);
  });
});

describe('judgeStep after a failed step', () => {
  // The step as the report had it: p99 391 ms, no errors, the slices above.
  const stats = {
    level: 317, startedAt: '', durationMs: 4000, partial: false, offeredRps: 318, achievedRps: 318, sent: 1252, completed: 1252,
    errors: {}, errorCount: 0, errorRate: 0, statusCodes: { '200': 1252 }, bytesReceived: 0,
    latencyMs: { p50: 30, p90: 300, p95: 350, p99: 391, max: 420, mean: 120 }, latencyUncorrectedMs: { p50: 30, p90: 170, p95: 172, p99: 175, max: 180, mean: 80 },
    byRequest: [], metrics: { p99: 391, error_rate: 0, mean: 120, p50: 30 }, batches: drained,
    generator: { sendLagP99Ms: 1, sendLagMaxMs: 2, eventLoopDelayP99Ms: 1, cpuPercent: 5, cpuUsPerRequest: 30, dropped: 0, peakInFlight: 40, workers: 1, limited: false, reasons: [] },
  } as unknown as StepStats;
  const s2 = parseScenario('name: b\ntarget: http://127.0.0.1:9\ntraffic: { request: { path: / } }\nload: { start: 50, factor: 1.5, max: 2000 }\nslo: [error_rate < 1%, p99 < 200ms]\n', 'b.yaml');

  it('fails as before when the previous step did not fail', () => {
    expect(judgeStep(stats, s2, {}).verdict).toBe('fail');
  });

  it('is inconclusive (spoilt evidence, re-run) when it did', () => {
    const j = judgeStep(stats, s2, { afterFailedStep: true });
    expect(j.verdict).toBe('inconclusive');
    expect(j.inconclusiveKind).toBe('limited');
    expect(j.inconclusiveReasons[0]).toMatch(/draining the previous step's backlog/);
  });
});

describe('backlogUndecided (an undecided step after a failed one)', () => {
  it.each<[string, StepBatches, boolean]>([
    ['the measured drain: falling', drainedLong, true],
    ['rising (a queue building)', rising, false],
    ['flat', flat(30), false],
  ])('%s → spoilt: %s', (_name, batches, spoilt) => {
    const why = backlogUndecided(batches);
    expect(why !== undefined).toBe(spoilt);
    if (spoilt) expect(why).toMatch(/^the service was still draining the previous step's backlog: mean latency fell from \d+\.\dms to 2\d\.\dms through the step; the level is re-run on a drained service$/);
  });

  it('judgeStep: undecided after a failed step while draining → inconclusive limited (re-run), not undecided', () => {
    // p99 153 ms against 200 ms, none over it, but the near-tail came in one long run: undecided.
    const base = {
      level: 317, startedAt: '', durationMs: 4000, partial: false, offeredRps: 318, achievedRps: 318, sent: 1240, completed: 1240,
      errors: {}, errorCount: 0, errorRate: 0, statusCodes: { '200': 1240 }, bytesReceived: 0,
      latencyMs: { p50: 30, p90: 100, p95: 120, p99: 153, max: 180, mean: 43 }, latencyUncorrectedMs: { p50: 30, p90: 100, p95: 120, p99: 153, max: 180, mean: 43 },
      byRequest: [], metrics: { p99: 153, error_rate: 0, mean: 43, p50: 30 },
      batches: { ...drainedLong, above: [{ thresholdMs: 200, counts: drainedLong.latencyN.map(() => 0) }, { thresholdMs: 100, counts: drainedLong.latencyN.map((x, i) => (i < 20 ? x : 0)) }] },
    } as unknown as StepStats;
    const p99Only = { ...scenario, slo: scenario.slo.filter((r) => r.text === 'p99 < 200ms') };
    const latency = { count: 1240, countAbove: () => 0 };
    expect(judgeStep(base, p99Only, { latency }).inconclusiveKind).toBe('undecided');
    const after = judgeStep(base, p99Only, { latency, afterFailedStep: true });
    expect(after.verdict).toBe('inconclusive');
    expect(after.inconclusiveKind).toBe('limited');
    expect(after.inconclusiveReasons[0]).toMatch(/^the service was still draining the previous step's backlog/);
  });
});
