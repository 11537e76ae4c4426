// The step verdict as a table: statistics on proportions, the generator's limits, missing evidence.
import { describe, expect, it } from 'vitest';
import { judgeStep, ruleDispersions, samplesToShowMet, type LatencyDistribution, type VerdictScenario } from '../../src/analysis/step-verdict.js';
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

/** A step of n requests (default 1000) with these metrics; the uncorrected p99 as given. */
function stats(metrics: StepMetrics, extra: Partial<StepStats> = {}, uncorrectedP99 = 5): StepStats {
  const empty = summarize(createHistogram());
  const n = extra.sent ?? 1000;
  const errorRate = metrics.error_rate ?? 0;
  return {
    level: 100, startedAt: '', durationMs: 10_000, partial: false, offeredRps: 100, achievedRps: 100, sent: n, completed: n,
    errors: errorRate > 0 ? { http: Math.round(errorRate * n) } : {}, errorCount: Math.round(errorRate * n), errorRate,
    statusCodes: {}, bytesReceived: 0, latencyMs: empty,
    latencyUncorrectedMs: { ...empty, count: n, p50: 1, p90: 2, p95: 3, p99: uncorrectedP99, p999: uncorrectedP99, max: uncorrectedP99, mean: 1 },
    byRequest: [], metrics, ...extra,
  };
}

/** k of n requests slower than any threshold in the table. */
const tail = (k: number, n = 1000): LatencyDistribution => ({ count: n, countAbove: () => k });

const ok = { p99: 100, error_rate: 0 };
const slow = { p99: 400, error_rate: 0 };

describe('judgeStep', () => {
  it.each<[string, StepStats, VerdictScenario, string, string[], RegExp[]]>([
    ['all SLOs met, 1000 requests → pass', stats(ok), generate, 'pass', [], []],
    ['a breach, generator healthy → fail', stats(slow), generate, 'fail', ['p99 < 250ms'], []],
    ['15 errors in 1000 (1.5%; interval 0.9–2.5%) → undecided', stats({ p99: 100, error_rate: 0.015 }), generate, 'inconclusive', [], [/error_rate < 1%: too close to call — 15 of 1000 requests failed \(1\.5%; 95% interval 0\.91%–2\.5%/]],
    ['30 errors in 1000 (3%) → fail', stats({ p99: 100, error_rate: 0.03 }), generate, 'fail', ['error_rate < 1%'], []],
    ['3 errors in 1000 (0.3%) → pass', stats({ p99: 100, error_rate: 0.003 }), generate, 'pass', [], []],
    ['0 errors in 200: cannot show < 1% → undecided', stats(ok, { sent: 200 }), generate, 'inconclusive', [], [/error_rate < 1%: 200 requests are too few to show it met \(none failed; it takes ≥ 381\)/]],
    // limited: the corrected latency holds our lateness; judged from the write (p99 5 ms) less the event-loop delay
    ['limited: a latency breach the write-side latency does not show → inconclusive', stats({ p99: 300, error_rate: 0 }, { generator: limited }), generate, 'inconclusive', ['p99 < 250ms'], [/^generator limited: send lag p99 48ms > 10ms$/]],
    ['limited: a latency breach the write-side latency shows too → fail', stats({ p99: 400, error_rate: 0 }, { generator: limited }, 320), generate, 'fail', ['p99 < 250ms'], []],
    ['limited: write-side breach within the event-loop delay → inconclusive', stats({ p99: 400, error_rate: 0 }, { generator: limited }, 260), generate, 'inconclusive', ['p99 < 250ms'], [/^generator limited/]],
    ['limited: 5xx are the service’s answer → fail', stats({ p99: 10, error_rate: 0.5 }, { generator: limited }), generate, 'fail', ['error_rate < 1%'], []],
    ['limited, no breach, timing only → pass (conservative)', stats(ok, { generator: limited }), generate, 'pass', [], []],
    ['limited, no breach, sends dropped → inconclusive', stats(ok, { generator: { ...limited, dropped: 3 } }), generate, 'inconclusive', [], [/^generator limited/]],
    ['limited, no breach, a metric missing → inconclusive', stats({ error_rate: 0 }, { generator: limited }), generate, 'inconclusive', [], [/^generator limited/, /^not measured: p99$/]],
    ['a metric the SLOs name was not measured → inconclusive', stats({ error_rate: 0 }), generate, 'inconclusive', [], [/^not measured: p99$/]],
    ['a measured breach beats a missing metric → fail', stats({ error_rate: 0.5 }), generate, 'fail', ['error_rate < 1%'], []],
    ['cut short without a breach → inconclusive', stats(ok, { partial: true }), generate, 'inconclusive', [], [/^the step was cut short before its end$/]],
    ['cut short after a breach → fail', stats(slow, { partial: true }), generate, 'fail', ['p99 < 250ms'], []],
    // shift: windows; a breach must persist 2 windows
    ['shift: one noisy window → pass', stats(ok, { windows: [ok, slow, ok, ok].map((w) => ({ ...w, samples: 60 })) }), shift, 'pass', [], []],
    ['shift: two windows in a row → fail', stats(ok, { windows: [ok, slow, slow, ok].map((w) => ({ ...w, samples: 60 })) }), shift, 'fail', ['p99 < 250ms'], []],
    ['shift: a breach in the last window only, too late to persist → undecided', stats(ok, { windows: [ok, ok, ok, slow].map((w) => ({ ...w, samples: 60 })) }), shift, 'inconclusive', [], [/^p99 < 250ms: breached in the step's last window \(.*\), too late to show whether it persists 2 windows: a longer step would decide$/]],
    ['shift: thin windows → inconclusive', stats(ok, { windows: [ok, ok].map((w, i) => ({ ...w, samples: i === 0 ? 10 : 60 })) }), shift, 'inconclusive', [], [/^1 of 2 windows had fewer than 50 samples$/]],
  ])('%s', (_name, s, sc, verdict, breached, reasons) => {
    const j = judgeStep(s, sc);
    expect(j.verdict).toBe(verdict);
    expect(j.breaches.map((b) => b.slo)).toEqual(breached);
    expect(j.inconclusiveReasons).toHaveLength(reasons.length);
    reasons.forEach((r, i) => expect(j.inconclusiveReasons[i]).toMatch(r));
  });

  it.each<[string, number, number, string]>([
    // p99 < 250ms ⟺ under 1% slower than 250 ms
    ['3 of 1000 slower → pass', 3, 1000, 'pass'],
    ['5 of 1000 slower (0.5%, interval 0.21–1.2%) → undecided', 5, 1000, 'inconclusive'],
    ['10 of 1000 slower (1.0%, interval 0.54–1.8%) → undecided', 10, 1000, 'inconclusive'],
    ['25 of 1000 slower → fail', 25, 1000, 'fail'],
    ['0 of 300 slower → undecided (it takes 381)', 0, 300, 'inconclusive'],
    ['0 of 400 slower → pass', 0, 400, 'pass'],
  ])('percentile as a proportion: %s', (_name, k, n, verdict) => {
    // The point value (p99 = 240) would pass: the distribution decides.
    const j = judgeStep(stats({ p99: 240, error_rate: 0 }, { sent: n }), { ...generate, slo: [parseSlo('p99 < 250ms')] }, { latency: tail(k, n) });
    expect(j.verdict).toBe(verdict);
    if (verdict === 'inconclusive') expect(j.inconclusiveKind).toBe('undecided');
  });

  it('an undecided step says how many requests would decide it', () => {
    const j = judgeStep(stats({ p99: 100, error_rate: 0.015 }), generate);
    expect(j.inconclusiveKind).toBe('undecided');
    // n = z²·p(1−p)/(p − limit)² = 3.84 · 0.0148 / 0.000025 ≈ 2270
    expect(j.samplesNeeded).toBeGreaterThan(2000);
    expect(j.samplesNeeded).toBeLessThan(2500);
  });

  it('spoilt evidence is inconclusive of kind limited', () => {
    expect(judgeStep(stats({ error_rate: 0 }), generate).inconclusiveKind).toBe('limited');
    expect(judgeStep(stats(ok, { generator: { ...limited, dropped: 3 } }), generate).inconclusiveKind).toBe('limited');
  });

  it('a conservative pass carries a note naming the limit', () => {
    const j = judgeStep(stats(ok, { generator: limited }), generate);
    expect(j.notes).toEqual(['passed although the generator was limited (send lag p99 48ms > 10ms): its latencies include its own lateness, so the pass is conservative']);
  });

  it('extra breaches (an abort rule) fail the step', () => {
    const j = judgeStep(stats(ok, { partial: true }), generate, { extraBreaches: [{ slo: 'error_rate < 50%', metric: 'error_rate', threshold: 0.5, value: 0.9 }] });
    expect(j.verdict).toBe('fail');
    expect(j.breaches[0]!.slo).toBe('error_rate < 50%');
  });

  it.each<[string[], number]>([
    [['p99 < 250ms'], 381],
    [['error_rate < 1%', 'p999 < 1s'], 3838],
    [['p50 < 10ms'], 4],
    [['mean < 80ms', 'throughput > 90%'], 0],
  ])('samplesToShowMet(%j) = %d', (texts, n) => {
    expect(samplesToShowMet(texts.map(parseSlo))).toBe(n);
  });
});

describe('judgeStep: bad requests in runs (the window dispersion)', () => {
  const five: VerdictScenario = { ...generate, slo: [parseSlo('error_rate < 5%')] };
  /** 40 slices of `per` requests; slices from..to (exclusive) all failed. */
  const outage = (per: number, from: number, to: number): StepStats => {
    const finished = Array<number>(40).fill(per);
    const errors = finished.map((x, i) => (i >= from && i < to ? x : 0));
    const n = 40 * per;
    const k = errors.reduce((a, b) => a + b, 0);
    return stats({ error_rate: k / n }, { sent: n, batches: { finished, errors, latencyN: finished, latencyMeanMs: finished.map(() => 5), above: [] } });
  };

  it.each<[string, StepStats, string]>([
    // The target died for 0.6 s of a 1.2 s window: 77 of 180 refused, in one run. Projected to the
    // whole window that run is worth under one request, and 43% could not be told from 5%.
    ['an outage over 40% of the window fails: a share far above the limit is a breach', outage(4.5, 12, 29), 'fail'],
    // Near the limit the same projection is what keeps a lucky window from passing.
    ['a single run of errors below the limit (2.5% of 1600, all in one slice) is undecided, not met', outage(40, 20, 21), 'inconclusive'],
  ])('%s', (_name, s, verdict) => {
    expect(judgeStep(s, five).verdict).toBe(verdict);
  });
});

describe('judgeStep: had the service settled? (a rise judged against the SLOs latency limits)', () => {
  /** 1000 requests in 10 slices whose mean latency was `means`. */
  const rising = (means: number[]): StepStats => {
    const n = means.map(() => 100);
    return stats(ok, { batches: { finished: n, errors: n.map(() => 0), latencyN: n, latencyMeanMs: means, above: [] } });
  };
  const nginx = [0.5, 0.6, 0.7, 0.9, 1.0, 1.2, 1.5, 1.9, 2.3, 2.8];
  const queue = [46, 39, 59, 74, 67, 96, 102, 151, 209, 266];
  const errorsOnly: VerdictScenario = { ...generate, slo: [parseSlo('error_rate < 1%')] };
  it.each<[string, StepStats, VerdictScenario, string]>([
    // Measured on nginx at 380 rps: significant, doubled — and it ends at 2.8 ms, 1% of the 250 ms limit.
    ['0.5 → 2.8 ms under p99 < 250ms passes', rising(nginx), generate, 'pass'],
    ['a queue building 46 → 266 ms is undecided', rising(queue), generate, 'inconclusive'],
    // No latency rule: the request timeout is the limit (quiet below 10% of 1 s = 100 ms).
    ['0.5 → 2.8 ms with only an error-rate rule and a 1 s timeout passes', rising(nginx), { ...errorsOnly, traffic: { kind: 'generate', timeoutMs: 1000 } }, 'pass'],
    ['… and with no timeout either, any material rise counts', rising(nginx), errorsOnly, 'inconclusive'],
  ])('%s', (_name, s, scenario, verdict) => {
    expect(judgeStep(s, scenario).verdict).toBe(verdict);
  });
});

describe('judgeStep: burstiness borrowed from nearby levels only in the same regime', () => {
  // p99 41 ms against 250 ms, 1200 requests, none over the threshold: met on its own.
  const step = stats({ p99: 41, error_rate: 0 }, { sent: 1200, completed: 1200 });
  const p99Only: VerdictScenario = { ...generate, slo: [parseSlo('p99 < 250ms')] };
  const judge = (nearby: Array<{ phi: number; value?: number }>) =>
    judgeStep(step, p99Only, { latency: tail(0, 1200), nearbyDispersion: { 'p99 < 250ms': nearby } }).verdict;
  it.each<[string, Array<{ phi: number; value?: number }>, string]>([
    ['no neighbours → pass', [], 'pass'],
    // Measured on HAProxy maxconn 8: 317 r/s (p99 153 ms, right after an overload, φ ≈ 600) made
    // every level from 293 to 392 r/s undecided, their p99s 37–112 ms.
    ['a neighbour with p99 153 ms (3.7×) and φ 600 lends nothing → pass', [{ phi: 600, value: 153 }], 'pass'],
    ['a neighbour with p99 60 ms (1.5×) and φ 600 is the same regime → undecided', [{ phi: 600, value: 60 }], 'inconclusive'],
    ['a neighbour of unknown value still lends', [{ phi: 600 }], 'inconclusive'],
  ])('%s', (_name, nearby, verdict) => {
    expect(judge(nearby)).toBe(verdict);
  });
});

describe('ruleDispersions: which steps lend their burstiness to nearby levels', () => {
  const rules = ['error_rate < 1%', 'p99 < 200ms'].map(parseSlo);
  /** 20 slices of 100 requests; a `share` of them bad (failed, or slower than 200 ms), in runs: every fifth slice. */
  const bursty = (share: number, what: 'errors' | 'slow', cls: 'http' | 'refused' = 'http'): StepStats => {
    const finished = Array<number>(20).fill(100);
    const bad = finished.map((_, i) => (i % 5 === 0 ? Math.round(share * 500) : 0));
    const none = finished.map(() => 0);
    const metrics: StepMetrics = what === 'errors' ? { error_rate: share, p99: 5 } : { error_rate: 0, p99: 400 };
    const errors = what === 'errors' ? { [cls]: Math.round(share * 2000) } : {};
    return stats(metrics, {
      sent: 2000,
      errors,
      errorCount: what === 'errors' ? Math.round(share * 2000) : 0,
      batches: { finished, errors: what === 'errors' ? bad : none, latencyN: finished, latencyMeanMs: finished.map(() => 5), above: [{ thresholdMs: 200, counts: what === 'slow' ? bad : none }] },
    });
  };
  it.each<[string, StepStats, string, boolean]>([
    ['3% failed with 503s, in runs: the error rate lends', bursty(0.03, 'errors'), 'error_rate < 1%', true],
    // nginx limit_req: 5.6% failing at 428 r/s looked like 404's 1.9% (φ ≈ 20 both).
    ['7% failed with 503s (7× the limit): the error rate still lends', bursty(0.07, 'errors'), 'error_rate < 1%', true],
    ['12% failed (12× the limit): nothing', bursty(0.12, 'errors'), 'error_rate < 1%', false],
    // faults-cli: the target down for 0.6 s of a step, over a quarter of it refused, against error_rate < 5%.
    ['7% refused (an outage, not a limiter): nothing', bursty(0.07, 'errors', 'refused'), 'error_rate < 1%', false],
    ['3% refused: lends, as any bad share near the limit', bursty(0.03, 'errors', 'refused'), 'error_rate < 1%', true],
    ['3% slower than 200 ms (3× the 1% p99 allows): p99 lends', bursty(0.03, 'slow'), 'p99 < 200ms', true],
    ['7% slower (7×): nothing — a queue past saturation is another regime', bursty(0.07, 'slow'), 'p99 < 200ms', false],
  ])('%s', (_name, step, rule, lends) => {
    const lent = ruleDispersions(rules, step)[rule];
    if (lends) expect(lent?.phi).toBeGreaterThan(10);
    else expect(lent).toBeUndefined();
  });
});
