// Builds the shift Traffic a scenario asks for: the HAProxy or command shifter, with the metrics
// source of `metrics:` (HAProxy stats by default, Prometheus, or a direct /metrics scrape).
import { LoadtestError } from '../../errors.js';
import { createPrometheusSampler } from '../../metrics/samplers/prometheus-sampler.js';
import type { Sampler } from '../../metrics/samplers/sampler.js';
import { createScrapeSampler } from '../../metrics/samplers/scrape-sampler.js';
import type { MetricsSourceSpec, Scenario, ShiftTrafficSpec } from '../../scenario/scenario.js';
import { createCommandShifter } from './command-shifter.js';
import { createHaproxyShifter } from './haproxy-shifter.js';
import type { ShiftTraffic } from './shift-traffic.js';

export interface ShiftTuning {
  /** Pause between ramp sub-steps (ms). */
  rampIntervalMs?: number;
  /** How long close() retries restoring weights (ms). */
  restoreDeadlineMs?: number;
  /** HAProxy stats polling interval (ms); default min(1 s, window). */
  haproxyIntervalMs?: number;
}

type SamplerFactory = (targets: string[], controls: string[]) => Sampler;

function externalSampler(m: MetricsSourceSpec | undefined): SamplerFactory | undefined {
  if (!m || m.type === 'haproxy') return undefined;
  if (m.type === 'prometheus') {
    return (targets, controls) => createPrometheusSampler({ url: m.url, queries: m.queries, intervalMs: m.intervalMs }, targets, controls);
  }
  return () => createScrapeSampler({ targetUrls: [m.url], controlUrls: m.controlUrls, histogram: m.histogram, intervalMs: m.intervalMs });
}

export function createShifter(scenario: Scenario, tuning: ShiftTuning = {}): ShiftTraffic {
  const spec = scenario.traffic as ShiftTrafficSpec;
  const windowMs = scenario.load.windowMs;
  const common = {
    limits: spec.limits,
    journalFile: spec.journalFile,
    stopFile: spec.stopFile,
    scenarioName: scenario.name,
    ...(windowMs !== undefined ? { windowMs } : {}),
    ...(scenario.load.minSamples !== undefined ? { minSamples: scenario.load.minSamples } : {}),
    ...(tuning.rampIntervalMs !== undefined ? { rampIntervalMs: tuning.rampIntervalMs } : {}),
    ...(tuning.restoreDeadlineMs !== undefined ? { restoreDeadlineMs: tuning.restoreDeadlineMs } : {}),
  };
  const sampler = externalSampler(scenario.metrics);
  if (spec.shifter.type === 'haproxy') {
    return createHaproxyShifter({
      ...common,
      spec: spec.shifter,
      sampleIntervalMs: tuning.haproxyIntervalMs ?? Math.min(1000, windowMs ?? 1000),
      ...(sampler ? { makeSampler: sampler } : {}),
    });
  }
  if (!sampler) {
    throw new LoadtestError('the command shifter needs a metrics source: metrics: { prometheus: {…} } or { scrape: {…} }');
  }
  return createCommandShifter({ ...common, spec: spec.shifter, makeSampler: sampler });
}
