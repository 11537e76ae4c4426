// The demo service's true capacity for a latency SLO, the oracle `loadtest demo` checks against.
// The service is a queue of W workers with a fixed service time S (an M/D/W queue under Poisson
// arrivals): its throughput ceiling is W/S, but with random arrivals a queue forms below it, so
// `p99 < 100ms` is met only up to some rate under W/S (≈ 372 rps for 8 × 20 ms). That rate is
// found here by simulating the queue (seeded, so the answer is the same every time) and bisecting
// on the rate. Uniform arrivals (D/D/W) never queue below W/S: their capacity is W/S. Pure.
import { mulberry32 } from '../traffic/generator/schedule.js';

/** Latency rules the oracle understands: `pNN < T` on the whole step. */
export interface LatencyRule {
  /** Quantile in (0, 1): 0.99 for p99. */
  quantile: number;
  thresholdMs: number;
}

const REQUESTS = 200_000;

/** The q-quantile of the response time (ms) of an M/D/W queue at `rate` (req/s), after a warm-up. */
export function mdwQuantile(rate: number, workers: number, serviceMs: number, quantile: number, seed = 1): number {
  const rand = mulberry32(seed);
  const free = new Float64Array(workers);
  const out = new Float64Array(REQUESTS);
  let t = 0;
  for (let i = 0; i < REQUESTS; i++) {
    t += (-Math.log(1 - rand()) * 1000) / rate;
    let k = 0;
    for (let j = 1; j < workers; j++) if (free[j]! < free[k]!) k = j;
    const done = Math.max(t, free[k]!) + serviceMs;
    free[k] = done;
    out[i] = done - t;
  }
  const kept = out.subarray(REQUESTS / 10).sort();
  return kept[Math.min(kept.length - 1, Math.floor(kept.length * quantile))]!;
}

/** Highest rate (req/s, to 0.5%) at which every rule holds; W/S when no rule binds below it. */
export function sloCapacity(workers: number, serviceMs: number, rules: readonly LatencyRule[], arrival: 'poisson' | 'uniform'): number {
  const ceiling = (workers * 1000) / serviceMs;
  const binding = rules.filter((r) => r.thresholdMs > serviceMs);
  if (arrival === 'uniform' || binding.length === 0) return ceiling;
  const holds = (rate: number) => binding.every((r) => mdwQuantile(rate, workers, serviceMs, r.quantile) < r.thresholdMs);
  let lo = ceiling * 0.5;
  let hi = ceiling * 0.999;
  if (holds(hi)) return ceiling;
  while ((hi - lo) / lo > 0.005) {
    const mid = (lo + hi) / 2;
    if (holds(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}
