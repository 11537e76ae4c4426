// The weighted request mix: cumulative weights computed once, one uniform draw per send.
import type { RequestSpec } from '../../scenario/scenario.js';

export interface Mix {
  /** Index of the request for a uniform draw u in [0, 1). */
  pick(u: number): number;
  readonly size: number;
}

/** Cumulative weights normalised to 1; the last bound is exactly 1 so every u < 1 maps to an index. */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  let total = 0;
  for (const w of weights) total += w;
  const cum = new Float64Array(weights.length);
  let acc = 0;
  for (let i = 0; i < weights.length; i++) {
    acc += weights[i]! / total;
    cum[i] = acc;
  }
  if (cum.length > 0) cum[cum.length - 1] = 1;
  return cum;
}

/**
 * Up to this many requests a linear scan beats a binary search (hand-written mixes have a
 * handful); above it — a replayed access log has thousands of distinct requests — the binary
 * search's ⌈log2 n⌉ comparisons win (17 for 100k).
 */
const LINEAR_MAX = 16;

export function createMix(requests: readonly Pick<RequestSpec, 'weight'>[]): Mix {
  const cum = cumulativeWeights(requests.map((r) => r.weight));
  const n = cum.length;
  if (n === 1) return { size: 1, pick: () => 0 };
  if (n <= LINEAR_MAX) {
    return {
      size: n,
      pick(u: number): number {
        for (let i = 0; i < n - 1; i++) if (u < cum[i]!) return i;
        return n - 1;
      },
    };
  }
  return {
    size: n,
    pick(u: number): number {
      // The first i with u < cum[i] (cum[n − 1] = 1 > u): the same index the linear scan gives.
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (u < cum[mid]!) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
  };
}

/**
 * The names requests are recorded under, each once, in order of first use, and for each request
 * the index of its name. Written requests have unique names (one entry each); a replayed log's
 * thousands of requests share one name, so they cost one set of stats, not one per path.
 */
export function requestNames(requests: readonly Pick<RequestSpec, 'name'>[]): { names: string[]; nameOf: Uint32Array } {
  const index = new Map<string, number>();
  const nameOf = new Uint32Array(requests.length);
  requests.forEach((r, i) => {
    let k = index.get(r.name);
    if (k === undefined) index.set(r.name, (k = index.size));
    nameOf[i] = k;
  });
  return { names: [...index.keys()], nameOf };
}
