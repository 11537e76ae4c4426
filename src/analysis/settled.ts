// Had the service settled at this load? A step starts from whatever the last one left (usually an
// idle service: the generator lets the last step's requests finish), and near capacity a queue
// takes longer than a short step to reach its steady state — or, past capacity, grows for ever. A
// step that only looked fine because its queue was still building must not pass. So a would-be pass
// whose mean latency rose steadily through the judged window (a significant upward trend over its
// slices, and a material one) is undecided: a longer step would decide. Pure.

/** t-statistic of the slope above which a rise is significant (one-sided, ≈1% with 8 degrees of freedom). */
export const RISING_T = 3;
/** A rise across the window smaller than this share of the mean latency is immaterial … */
export const RISING_SHARE = 0.25;
/** … and so is one under a millisecond (0.3 → 0.5 ms is +60% and means nothing) … */
export const RISING_MIN_MS = 1;
/**
 * … and so is any rise that ends below this share of the SLOs' smallest latency limit (see
 * quietLatencyMs): nginx going 0.5 → 2.8 ms under `p99 < 200ms` is noise, not a queue on its way
 * to 200 ms.
 */
export const QUIET_SHARE = 0.1;

/**
 * Latency (ms) below which a climb is immaterial for these latency limits (the thresholds of the
 * step's latency rules; the request timeout when none): QUIET_SHARE of the smallest; 0 without
 * limits. Why that is safe:
 *   - a queue fed faster than it drains grows its wait by (λ − μ)/μ per unit of time, so a window of
 *     W ms whose mean ended below L ms was overloaded by less than L/W — under 20/4000 = 0.5% for a
 *     200 ms limit and a 4 s window, inside any load.refine;
 *   - a queue still settling toward a steady state that breaches the limit already has a mean near
 *     a fifth of it (an exponential tail's p99 is 4.6 × its mean) — far above a tenth. A floor on
 *     the rise itself (5% of the limit) was tried and let the decision simulator's M/M/8 pass levels
 *     whose mean was still creeping from 60 to 68 ms (28 of 30 brackets held the truth, from 30).
 */
export function quietLatencyMs(limitsMs: readonly number[]): number {
  const positive = limitsMs.filter((t) => t > 0 && Number.isFinite(t));
  return positive.length === 0 ? 0 : QUIET_SHARE * Math.min(...positive);
}

export interface Rise {
  /** Mean latency (ms) of the first and the last slice with requests. */
  firstMs: number;
  lastMs: number;
}

/** The trend is read over at most this many groups of slices (its t threshold assumes about 8 degrees of freedom). */
export const TREND_GROUPS = 10;

/**
 * The rise when the slices' mean latency climbed significantly and materially (by at least
 * RISING_SHARE of the mean and RISING_MIN_MS, to at least `quietMs`: quietLatencyMs); undefined otherwise.
 */
export function latencyRising(meansMs: readonly number[], counts: readonly number[], quietMs = 0): Rise | undefined {
  const per = Math.max(1, Math.ceil(meansMs.length / TREND_GROUPS));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let g = 0; g * per < meansMs.length; g++) {
    let n = 0;
    let sum = 0;
    for (let i = g * per; i < Math.min(meansMs.length, (g + 1) * per); i++) {
      n += counts[i]!;
      sum += meansMs[i]! * counts[i]!;
    }
    if (n > 0) {
      xs.push(g);
      ys.push(sum / n);
    }
  }
  const n = xs.length;
  if (n < 4) return undefined;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxy / sxx;
  if (!(slope > 0) || !(my > 0)) return undefined;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (ys[i]! - (my + slope * (xs[i]! - mx))) ** 2;
  const se = Math.sqrt(rss / (n - 2) / sxx);
  const t = se > 0 ? slope / se : Infinity;
  const rise = slope * (xs[n - 1]! - xs[0]!);
  if (t < RISING_T || rise < Math.max(RISING_SHARE * my, RISING_MIN_MS) || ys[n - 1]! < quietMs) return undefined;
  return { firstMs: ys[0]!, lastMs: ys[n - 1]! };
}
