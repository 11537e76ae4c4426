import { describe, expect, it } from 'vitest';
import { judgeStep, offeredHeld, type VerdictScenario } from '../../src/analysis/step-verdict.js';
import type { GeneratorHealth, StepMetrics, StepStats } from '../../src/metrics/step-stats.js';
import { createHistogram, summarize } from '../../src/metrics/histogram.js';
import { parseSlo } from '../../src/slo/parse.js';

const rules = ['p99 < 250ms', 'error_rate < 1%'].map(parseSlo);
const generate: VerdictScenario = {
  slo: rules,
  load: { unit: 'rps', start: 1, step: 1, max: 2, stepDurationMs: 1000, warmupMs: 0 },
  traffic: { kind: 'generate' },
};
const shift: VerdictScenario = {
  slo: rules,
  load: { unit: 'share', start: 1, step: 1, max: 2, stepDurationMs: 1000, warmupMs: 0, windowMs: 250, persist: 2, minSamples: 50 },
  traffic: { kind: 'shift' },
};

const limited: GeneratorHealth = {
  sendLagP99Ms: 48, sendLagMaxMs: 90, eventLoopDelayP99Ms: 20, cpuPercent: 99, cpuUsPerRequest: 800,
  dropped: 0, peakInFlight: 30, workers: 1, limited: true, reasons: ['send lag p99 48ms > 10ms'],
};

function stats(metrics: StepMetrics, extra: Partial<StepStats> = {}): StepStats {
  const empty = summarize(createHistogram());
  return {
    level: 100, startedAt: '', durationMs: 1000, partial: false, offeredRps: 100, achievedRps: 100, sent: 100, completed: 100,
    errors: {}, errorCount: 0, errorRate: 0, statusCodes: {}, bytesReceived: 0, latencyMs: empty, latencyUncorrectedMs: empty,
    byRequest: [], metrics, ...extra,
  };
}

const ok = { p99: 100, error_rate: 0 };
const slow = { p99: 400, error_rate: 0 };

describe('judgeStep', () => {
  it.each<[string, StepStats, VerdictScenario, string, string[], string[]]>([
    ['all SLOs met → pass', stats(ok), generate, 'pass', [], []],
    ['a breach, generator healthy → fail', stats(slow), generate, 'fail', ['p99 < 250ms'], []],
    // limited: send lag max 90 + event-loop delay p99 20 = 110 ms the generator may have added
    ['a breach within the generator’s lag → inconclusive (the breach may be ours)', stats({ p99: 300, error_rate: 0 }, { generator: limited }), generate, 'inconclusive', ['p99 < 250ms'], ['generator limited: send lag p99 48ms > 10ms']],
    ['a latency breach beyond the generator’s lag → fail (the service’s own)', stats({ p99: 400, error_rate: 0 }, { generator: limited }), generate, 'fail', ['p99 < 250ms'], []],
    ['an error-rate breach while limited → inconclusive', stats({ p99: 10, error_rate: 0.5 }, { generator: limited }), generate, 'inconclusive', ['error_rate < 1%'], ['generator limited: send lag p99 48ms > 10ms']],
    ['no breach, limited in timing only, asked rate offered → pass (conservative)', stats(ok, { generator: limited }), generate, 'pass', [], []],
    ['no breach, limited, 90% of the rate offered → inconclusive', stats(ok, { generator: limited, offeredRps: 90 }), generate, 'inconclusive', [], ['generator limited: send lag p99 48ms > 10ms']],
    ['no breach, limited, sends dropped → inconclusive', stats(ok, { generator: { ...limited, dropped: 3 } }), generate, 'inconclusive', [], ['generator limited: send lag p99 48ms > 10ms']],
    ['no breach, limited and a metric missing → inconclusive', stats({ error_rate: 0 }, { generator: limited }), generate, 'inconclusive', [], ['generator limited: send lag p99 48ms > 10ms', 'not measured: p99']],
    ['a metric the SLOs name was not measured → inconclusive', stats({ error_rate: 0 }), generate, 'inconclusive', [], ['not measured: p99']],
    ['a measured breach beats a missing metric → fail', stats({ error_rate: 0.5 }), generate, 'fail', ['error_rate < 1%'], []],
    ['no requests at all → inconclusive', stats(ok, { sent: 0 }), generate, 'inconclusive', [], ['only 0 requests in the judged window (need 1)']],
    ['cut short without a breach → inconclusive', stats(ok, { partial: true }), generate, 'inconclusive', [], ['the step was cut short before its end']],
    ['cut short after a breach → fail', stats(slow, { partial: true }), generate, 'fail', ['p99 < 250ms'], []],
    // shift: windows; a breach must persist 2 windows
    ['shift: one noisy window → pass', stats(ok, { windows: [ok, slow, ok, ok].map((w) => ({ ...w, samples: 60 })) }), shift, 'pass', [], []],
    ['shift: two windows in a row → fail', stats(ok, { windows: [ok, slow, slow, ok].map((w) => ({ ...w, samples: 60 })) }), shift, 'fail', ['p99 < 250ms'], []],
    ['shift: thin windows → inconclusive', stats(ok, { windows: [ok, ok].map((w, i) => ({ ...w, samples: i === 0 ? 10 : 60 })) }), shift, 'inconclusive', [], ['1 of 2 windows had fewer than 50 samples']],
  ])('%s', (_name, s, sc, verdict, breached, reasons) => {
    const j = judgeStep(s, sc);
    expect(j.verdict).toBe(verdict);
    expect(j.breaches.map((b) => b.slo)).toEqual(breached);
    expect(j.inconclusiveReasons).toEqual(reasons);
  });

  it('a conservative pass carries a note naming the lag', () => {
    const j = judgeStep(stats(ok, { generator: limited }), generate);
    expect(j.notes).toEqual(['passed although the generator lagged (send lag p99 48ms > 10ms): its latencies include that lag, so the pass is conservative']);
  });

  it.each<[number, number, number, 'poisson' | 'uniform', boolean]>([
    [100, 1000, 98, 'uniform', true], // 99% less one send for rounding
    [100, 1000, 97, 'uniform', false],
    [100, 1000, 75, 'poisson', true], // 100 expected: 3σ = 30
    [100, 1000, 65, 'poisson', false],
    [300, 1000, 250, 'poisson', true], // √300 ≈ 17
    [300, 1000, 240, 'poisson', false],
    [10_000, 1000, 9_850, 'uniform', false],
  ])('offeredHeld(level %d, %d ms, offered %d, %s) = %s', (level, durationMs, offeredRps, arrival, held) => {
    expect(offeredHeld({ level, durationMs, offeredRps }, arrival)).toBe(held);
  });

  it('extra breaches (an abort rule) fail the step', () => {
    const j = judgeStep(stats(ok, { partial: true }), generate, [{ slo: 'error_rate < 50%', metric: 'error_rate', threshold: 0.5, value: 0.9 }]);
    expect(j.verdict).toBe('fail');
    expect(j.breaches[0]!.slo).toBe('error_rate < 50%');
  });
});
