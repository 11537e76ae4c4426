// The weighted request mix: cumulative weights computed once, one uniform draw per send.
import type { RequestSpec } from '../../scenario/scenario.js';

export interface Mix {
  /** Index of the request for a uniform draw u in [0, 1). */
  pick(u: number): number;
  readonly size: number;
}

/** Cumulative weights normalised to 1; the last bound is exactly 1 so every u < 1 maps to an index. */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  const total = weights.reduce((a, b) => a + b, 0);
  const cum = new Float64Array(weights.length);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]! / total;
    cum[i] = acc;
  }
  if (cum.length > 0) cum[cum.length - 1] = 1;
  return cum;
}

export function createMix(requests: readonly Pick<RequestSpec, 'weight'>[]): Mix {
  const cum = cumulativeWeights(requests.map((r) => r.weight));
  const n = cum.length;
  if (n === 1) return { size: 1, pick: () => 0 };
  return {
    size: n,
    pick(u: number): number {
      // Linear scan: mixes are small (a handful of requests), and this beats a binary search there.
      for (let i = 0; i < n - 1; i++) if (u < cum[i]!) return i;
      return n - 1;
    },
  };
}
