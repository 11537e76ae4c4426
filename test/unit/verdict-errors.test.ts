// Error-rate breaches while the generator lagged: errors its lag cannot explain make the step FAIL
// (HTTP statuses, refused, TLS, DNS, protocol always — the service's answer whatever our timing;
// resets when they are most of the step; timeouts when the lag is under half the timeout); its own
// drops, and burst-sized resets, leave it inconclusive. Found by the fault tests: a target
// answering 500 on a busy machine was judged "inconclusive" instead of "fail".
import { describe, expect, it } from 'vitest';
import { errorBreachesBeyondGenerator, judgeStep, type VerdictScenario } from '../../src/analysis/step-verdict.js';
import type { ErrorClass, GeneratorHealth, StepStats } from '../../src/metrics/step-stats.js';
import { createHistogram, summarize } from '../../src/metrics/histogram.js';
import { parseSlo } from '../../src/slo/parse.js';

const rules = ['p99 < 2s', 'error_rate < 1%'].map(parseSlo);
const scenario = (timeoutMs?: number): VerdictScenario => ({
  slo: rules,
  load: { unit: 'rps', start: 1, step: 1, max: 2, stepDurationMs: 1000, warmupMs: 0 },
  traffic: timeoutMs === undefined ? { kind: 'generate' } : { kind: 'generate', timeoutMs },
});
const lagging: GeneratorHealth = {
  sendLagP99Ms: 30, sendLagMaxMs: 60, eventLoopDelayP99Ms: 25, cpuPercent: 90, cpuUsPerRequest: 500,
  dropped: 0, peakInFlight: 20, workers: 1, limited: true, reasons: ['send lag p99 30ms > 10ms'],
};

/** 100 requests finished, `errors` of them failed in these classes (×10: 1000 requests, so proportions can be decided). */
function stats(errors: Partial<Record<ErrorClass, number>>, generator: GeneratorHealth = lagging): StepStats {
  const empty = summarize(createHistogram());
  const scaled = Object.fromEntries(Object.entries(errors).map(([c, n]) => [c, (n ?? 0) * 10])) as Partial<Record<ErrorClass, number>>;
  const errorCount = Object.values(scaled).reduce((a, b) => a + (b ?? 0), 0);
  return {
    level: 100, startedAt: '', durationMs: 10_000, partial: false, offeredRps: 100, achievedRps: 100, sent: 1000,
    completed: 1000 - errorCount + (scaled.http ?? 0), errors: scaled, errorCount, errorRate: errorCount / 1000, statusCodes: {}, bytesReceived: 0,
    latencyMs: empty, latencyUncorrectedMs: empty, byRequest: [], generator,
    metrics: { p99: 10, error_rate: errorCount / 1000 },
  };
}

describe('judgeStep: error-rate breaches while the generator lagged', () => {
  it.each<[string, Partial<Record<ErrorClass, number>>, number | undefined, string]>([
    ['every request answered 500 → fail', { http: 100 }, 500, 'fail'],
    ['refused (target down) → fail', { refused: 100 }, 500, 'fail'],
    ['reset mid-response on most requests → fail', { reset: 60 }, 500, 'fail'],
    // A lagging generator sends in bursts; a burst can overload a service into some 503s/resets.
    ['some 503s (10%) while lagging → fail (a status code is the service’s answer)', { http: 10 }, 500, 'fail'],
    ['some resets (40%) while lagging → inconclusive', { reset: 40 }, 500, 'inconclusive'],
    ['garbage HTTP → fail', { protocol: 100 }, 500, 'fail'],
    ['untrusted TLS → fail', { tls: 100 }, 500, 'fail'],
    ['name does not resolve → fail', { dns: 100 }, 500, 'fail'],
    ['dropped at our in-flight cap → inconclusive', { dropped: 30 }, 500, 'inconclusive'],
    ['timeouts, lag 85 ms ≪ timeout 500 ms → fail (the lag cannot explain them)', { timeout: 100 }, 500, 'fail'],
    ['timeouts, lag 85 ms ≥ half the timeout 150 ms → inconclusive', { timeout: 100 }, 150, 'inconclusive'],
    ['timeouts, timeout unknown → inconclusive', { timeout: 100 }, undefined, 'inconclusive'],
    ['drops plus 5% refused → fail (refused is never ours)', { dropped: 30, refused: 5 }, 500, 'fail'],
    ['drops plus 5% 503s → fail', { dropped: 30, http: 5 }, 500, 'fail'],
    ['drops plus 0.5% 503s → inconclusive (not certainly over 1%)', { dropped: 30, http: 0.5 }, 500, 'inconclusive'],
    ['2% refused alone → fail', { refused: 2 }, 500, 'fail'],
  ])('%s', (_name, errors, timeoutMs, verdict) => {
    const j = judgeStep(stats(errors), scenario(timeoutMs));
    expect(j.verdict).toBe(verdict);
    expect(j.breaches.map((b) => b.metric)).toEqual(['error_rate']);
    if (verdict === 'fail') expect(j.notes.join(' ')).toMatch(/errors its limits cannot explain \(/);
  });

  it('the note names only the classes counted against the service', () => {
    expect(judgeStep(stats({ dropped: 30, refused: 5 }), scenario(500)).notes.join(' ')).toMatch(/cannot explain \(refused\)$/);
    expect(judgeStep(stats({ timeout: 30, reset: 5, tls: 2 }), scenario(500)).notes.join(' ')).toMatch(/cannot explain \(timeout, tls\)$/);
    expect(judgeStep(stats({ http: 55, reset: 5 }), scenario(500)).notes.join(' ')).toMatch(/cannot explain \(http, reset\)$/);
  });

  it('a healthy generator: any error-rate breach fails, as before', () => {
    expect(judgeStep(stats({ dropped: 30 }, { ...lagging, limited: false, reasons: [] }), scenario(500)).verdict).toBe('fail');
  });

  it('errorBreachesBeyondGenerator keeps only error_rate rules with an upper bound, certainly breached', () => {
    expect(errorBreachesBeyondGenerator([...rules, parseSlo('error_rate > 0.1%')], stats({ http: 50 }), 500).map((b) => b.slo)).toEqual(['error_rate < 1%']);
    expect(errorBreachesBeyondGenerator(rules, stats({ http: 1 }), 500)).toEqual([]);
  });
});
