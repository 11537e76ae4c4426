// The one histogram factory. Latencies are recorded as integer microseconds; summaries are
// reported in milliseconds. Histograms are mergeable (workers, shards) and serialisable.
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** One hour in microseconds: the largest latency we expect to record; autoResize covers the rest. */
const HIGHEST_US = 3_600_000_000;

export function createHistogram(): Histogram {
  // Pure-JS Int32 buckets: no WASM start-up, no per-record allocation, and safe in worker threads.
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Latency percentiles in milliseconds (fractional). All zero for an empty histogram. */
export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export function summarize(h: Histogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) return { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const ms = (us: number) => Math.round(us) / 1000;
  return {
    count,
    min: ms(h.minNonZeroValue),
    mean: ms(meanOf(h)),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}

/** The parts of hdr-histogram-js's JsHistogram that meanOf reads (public methods, not in its typings). */
interface Buckets {
  countsArrayLength: number;
  getCountAtIndex(i: number): number;
  valueFromIndex(i: number): number;
  highestEquivalentValue(v: number): number;
  medianEquivalentValue(v: number): number;
}

/**
 * Exactly the library's `mean` (the same terms, summed in the same order), without its iterator:
 * that walks every bucket with an object per step and cost ~2 ms for a 2,000-request step, twice
 * per step (corrected and uncorrected) and again in every progress report.
 */
export function meanOf(h: Histogram): number {
  if (h.totalCount === 0) return 0;
  const b = h as unknown as Buckets;
  let total = 0;
  let seen = 0;
  // Past the last recorded value every count is 0: stop there, as the library's iterator does.
  for (let i = 0; i < b.countsArrayLength && seen < h.totalCount; i++) {
    const c = b.getCountAtIndex(i);
    if (c === 0) continue;
    total += b.medianEquivalentValue(b.highestEquivalentValue(b.valueFromIndex(i))) * c;
    seen += c;
  }
  return total / h.totalCount;
}

/** Adds `from` into `into` (into += from) and returns `into`. */
export function mergeInto(into: Histogram, from: Histogram): Histogram {
  into.add(from);
  return into;
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(base64: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(base64, 32, false);
  // Re-home into a histogram from our factory so every histogram has the same settings.
  const h = createHistogram();
  h.add(decoded);
  return h;
}

/**
 * The r-th smallest latency (ms, 1 ≤ r ≤ count) of a base64 corrected histogram (µs), for intervals
 * of percentiles (analysis/latency-change.ts); undefined when it is not a histogram.
 */
export function rankedLatencies(base64: string): { count: number; atRankMs(r: number): number } | undefined {
  let h: Histogram;
  try {
    h = decodeHistogram(base64);
  } catch {
    return undefined;
  }
  const n = h.totalCount;
  return { count: n, atRankMs: (r: number) => h.getValueAtPercentile((100 * r) / n) / 1000 };
}

/**
 * The judged window's latency distribution as the step verdict reads it (analysis/step-verdict.ts):
 * how many requests were slower than a threshold, from a base64 corrected histogram (µs).
 */
export function latencyDistribution(base64: string): { count: number; countAbove(ms: number): number } | undefined {
  let h: Histogram;
  try {
    h = decodeHistogram(base64);
  } catch {
    return undefined; // not a histogram (a hand-made StepStats): percentiles are judged on their value
  }
  const n = h.totalCount;
  // Value (µs, the top of its bucket) of the r-th smallest sample, 1 ≤ r ≤ n.
  const atRank = (r: number): number => h.getValueAtPercentile((100 * r) / n);
  return {
    count: n,
    countAbove(ms: number): number {
      const us = ms * 1000;
      let lo = 0; // largest rank known ≤ threshold
      let hi = n; // ranks above hi are unknown … search (lo, hi]
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (atRank(mid) <= us) lo = mid;
        else hi = mid - 1;
      }
      return n - lo;
    },
  };
}

/**
 * How many recorded values are at or below each bound (microseconds, ascending): the cumulative
 * buckets of a Prometheus histogram. Exact to the histogram's precision (3 significant digits).
 */
export function countsAtOrBelow(h: Histogram, boundsUs: readonly number[]): number[] {
  const counts = boundsUs.map(() => 0);
  const js = h as unknown as JsIterable;
  const it = js.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    const value = js.lowestEquivalentValue(v.valueIteratedTo);
    for (let i = boundsUs.length - 1; i >= 0 && value <= boundsUs[i]!; i--) counts[i]! += v.countAtValueIteratedTo;
  }
  return counts;
}

/** The part of hdr-histogram-js's JsHistogram (what createHistogram builds) that iterates recorded values. */
interface JsIterable {
  recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } };
  lowestEquivalentValue(value: number): number;
}
