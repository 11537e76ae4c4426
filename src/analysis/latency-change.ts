// Did a percentile rise at one load, between a baseline step and the current one? The rule the CI
// gate's latency checks apply at every load both runs passed. Pure.
//
// A percentile from a step is an estimate: the p99 of 400 requests is the 4th-slowest one, and a
// scheduling hiccup on a busy machine moves it from 3 ms to 15 ms. Comparing two such readings
// called "+353%" a regression between two identical nginx builds (measured: 3 of 7 gate runs on
// this 2-core machine). So each percentile is read as a distribution-free 95% interval — the order
// statistics whose ranks bracket n·q by z·√(n·q·(1−q)) (binomial), read from the step's HDR
// histogram — and a rise counts only when the intervals show it:
//   regressed  even the current interval's low end is above the baseline's high end by more than
//              the tolerance (and by at least the floor in ms);
//   within     even the current high end is within the tolerance (or the floor) of the baseline's
//              low end;
//   undecided  otherwise: too few requests at this load to tell.
// Steps without a histogram (older reports, hand-made ones) are compared on their point values.
import { DECISION_Z } from './proportion.js';

export type LatencyChange = 'regressed' | 'within' | 'undecided';

/** A percentile as a step measured it: its point value and, when known, its 95% interval (ms). */
export interface PercentileReading {
  value: number;
  interval?: { low: number; high: number };
}

/**
 * The 95% interval of the q-quantile of n samples, given the value of the r-th smallest sample
 * (1 ≤ r ≤ n; ms). A rank past the last sample leaves the high end unbounded (Infinity): the
 * slowest request seen is no bound on the percentile.
 */
export function quantileInterval(n: number, q: number, atRank: (r: number) => number, z = DECISION_Z): { low: number; high: number } | undefined {
  if (!(n > 0) || !(q > 0 && q < 1)) return undefined;
  const centre = n * q;
  const spread = z * Math.sqrt(n * q * (1 - q));
  const lo = Math.floor(centre - spread);
  const hi = Math.ceil(centre + spread) + 1;
  return { low: lo >= 1 ? atRank(lo) : 0, high: hi <= n ? atRank(hi) : Infinity };
}

/** One load: did the percentile rise by more than `tolerance` (a fraction) and `floorMs`? */
export function judgeLatencyChange(base: PercentileReading, cur: PercentileReading, tolerance: number, floorMs: number): LatencyChange {
  const b = base.interval ?? { low: base.value, high: base.value };
  const c = cur.interval ?? { low: cur.value, high: cur.value };
  if (c.low > b.high * (1 + tolerance) && c.low - b.high >= floorMs) return 'regressed';
  if (c.high <= b.low * (1 + tolerance) || c.high - b.low < floorMs) return 'within';
  return 'undecided';
}
