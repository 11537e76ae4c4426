// Fixtures for findCapacity against a scripted Traffic (test doubles whose stats are a function of
// the level): a generate-mode scenario with 1 s steps, and one step's stats with given metrics.
import type { StepMetrics, StepStats } from '../../src/metrics/step-stats.js';
import type { Scenario } from '../../src/scenario/scenario.js';
import { parseSlo } from '../../src/slo/parse.js';
import { createHistogram, summarize } from '../../src/metrics/histogram.js';

/** A generate-mode scenario: +100 rps from 100 to 2000, 1 s steps without warm-up, refine 5%. */
export function scriptedScenario(over: Partial<Scenario> = {}, load: Partial<Scenario['load']> = {}): Scenario {
  return {
    name: 'scripted',
    traffic: {
      kind: 'generate',
      target: 'http://127.0.0.1:1',
      requests: [{ name: 'root', method: 'GET', path: '/', headers: {}, weight: 1 }],
      arrival: 'poisson',
      maxInFlight: 100,
      timeoutMs: 1000,
      connections: 1,
      workers: 1,
      errorStatuses: [[500, 599]],
      insecure: false,
    },
    load: { unit: 'rps', start: 100, step: 100, max: 2000, stepDurationMs: 1000, warmupMs: 0, refine: 0.05, ...load },
    slo: [parseSlo('p99 < 250ms'), parseSlo('error_rate < 1%')],
    abort: [],
    guard: [],
    report: {},
    gate: {},
    secrets: [],
    ...over,
  };
}

/** One 1 s step at `level` with these metrics (offered = achieved = the level). */
export function scriptedStats(level: number, metrics: StepMetrics, partial = false): StepStats {
  const empty = summarize(createHistogram());
  return {
    level,
    startedAt: new Date(0).toISOString(),
    durationMs: 1000,
    partial,
    offeredRps: level,
    achievedRps: level,
    // 10 s worth: enough requests at every level to show `error_rate < 1%` met (381 at least)
    sent: level * 10,
    completed: level * 10,
    errors: {},
    errorCount: 0,
    errorRate: metrics['error_rate'] ?? 0,
    statusCodes: {},
    bytesReceived: 0,
    latencyMs: empty,
    latencyUncorrectedMs: empty,
    byRequest: [],
    metrics,
  };
}
