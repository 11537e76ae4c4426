// Shared bits of the generator integration tests: a spec builder and histogram counting.
import { decodeHistogram } from '../../src/metrics/histogram.js';
import type { GenerateTrafficSpec } from '../../src/scenario/scenario.js';
import type { StepRequest } from '../../src/traffic/traffic.js';

export function genSpec(target: string, over: Partial<GenerateTrafficSpec> = {}): GenerateTrafficSpec {
  return {
    kind: 'generate',
    target,
    requests: [{ name: 'home', method: 'GET', path: '/', headers: {}, weight: 1 }],
    arrival: 'uniform',
    maxInFlight: 10_000,
    timeoutMs: 5000,
    connections: 10,
    workers: 1,
    errorStatuses: [[500, 599]],
    insecure: false,
    ...over,
  };
}

export function stepReq(level: number, durationMs: number, warmupMs: number, over: Partial<StepRequest> = {}): StepRequest {
  return { index: 0, level, durationMs, warmupMs, signal: new AbortController().signal, ...over };
}

/** Number of values above `ms` in a base64 µs histogram (bisection on percentiles, ±0.01%). */
export function countAboveMs(base64: string, ms: number): number {
  const h = decodeHistogram(base64);
  const total = h.totalCount;
  if (total === 0 || h.maxValue <= ms * 1000) return 0;
  let lo = 0;
  let hi = 100;
  while (hi - lo > 0.001) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) > ms * 1000) hi = mid;
    else lo = mid;
  }
  return Math.round(total * (1 - hi / 100));
}
