// How sure can a step be that a share of bad requests is above or below an SLO's limit? Every
// error-rate rule (`error_rate < 1%`) and every percentile rule (`p99 < 200ms` ⟺ "fewer than 1% of
// requests slower than 200 ms") is a claim about a proportion, and a step sees only a sample of it.
// Pure.
//
// The interval is Wilson's score interval at z = DECISION_Z (two-sided 95%): unlike the normal
// approximation it stays inside [0, 1] and behaves with 0 bad requests, and unlike Clopper–Pearson
// it is not needlessly wide. A rule is
//   breached   when even the interval's low end is above the limit,
//   met        when even its high end is at or below the limit,
//   undecided  otherwise: the step was too short to tell at this distance from the limit.
// So "3 errors in 200 requests" (1.5%, interval 0.5–4.3%) neither fails nor passes `error_rate < 1%`;
// it asks for a longer step. Each one-sided error rate is 2.5% at the limit itself and falls fast
// away from it; the decision simulator (npm run validate-decisions) measures what that means for
// whole runs.

/** z of the decision interval: 1.96 = two-sided 95%, each side wrong at most 2.5% of the time at the limit. */
export const DECISION_Z = 1.96;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval of k bad out of n. n = 0 gives [0, 1]: nothing is known. */
export function wilson(k: number, n: number, z = DECISION_Z): Interval {
  if (!(n > 0)) return { low: 0, high: 1 };
  const p = Math.min(1, Math.max(0, k / n));
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export type Certainty = 'breached' | 'met' | 'undecided';

/** Is the true share of bad requests above `limit` (breached), at or below it (met), or unknown? */
export function judgeProportion(k: number, n: number, limit: number, z = DECISION_Z): Certainty {
  const { low, high } = wilson(k, n, z);
  if (low > limit) return 'breached';
  if (high <= limit) return 'met';
  return 'undecided';
}

/** Requests a step needs before 0 bad ones prove a share ≤ `limit` (Wilson's high end at k = 0 is z²/(n+z²)). */
export function samplesToProve(limit: number, z = DECISION_Z): number {
  if (!(limit > 0)) return Infinity;
  if (limit >= 1) return 0;
  return Math.ceil((z * z * (1 - limit)) / limit);
}

/**
 * Requests a step would need to tell an observed share `p` from `limit` (the normal approximation
 * n = z²·p(1−p)/(p − limit)², at least samplesToProve when p ≤ limit). Infinity when p = limit.
 */
export function samplesToDecide(p: number, limit: number, z = DECISION_Z): number {
  const gap = Math.abs(p - limit);
  if (gap === 0) return Infinity;
  const v = Math.max(p * (1 - p), limit * (1 - limit) * 0.25);
  const n = Math.ceil((z * z * v) / (gap * gap));
  return p <= limit ? Math.max(n, samplesToProve(limit, z)) : n;
}

/**
 * How much more a share of bad requests varied between slices of a step than independent requests
 * would (Pearson's dispersion φ over the slices; 1 when they vary no more than chance, or when
 * there is too little to tell). Requests near capacity come bad in runs — a queue, a rate
 * limiter's bucket — so an interval counting them as independent would be too narrow; dividing the
 * counts by φ (a quasi-binomial interval) widens it by √φ.
 */
export function dispersion(bad: readonly number[], n: readonly number[]): number {
  let k = 0;
  let total = 0;
  let slices = 0;
  for (let b = 0; b < n.length; b++) {
    if (!(n[b]! > 0)) continue;
    k += bad[b]!;
    total += n[b]!;
    slices++;
  }
  if (slices < 3 || total <= 0) return 1;
  const p = k / total;
  if (p <= 0 || p >= 1) return 1;
  let chi2 = 0;
  for (let b = 0; b < n.length; b++) {
    if (!(n[b]! > 0)) continue;
    const e = n[b]! * p;
    chi2 += (bad[b]! - e) ** 2 / (e * (1 - p));
  }
  return Math.max(1, chi2 / (slices - 1));
}

/** Fewest groups a variance–time scale needs for its dispersion to be worth reading. */
const MIN_GROUPS = 5;

/**
 * How much more the share of bad requests varies over a whole window than independent requests
 * would: the dispersion a window-level interval needs. Slices are short, and near capacity bad
 * requests are correlated over longer spans than a slice (a queue's excursions, a rate limiter's
 * one-second memory), so the slices' own dispersion understates it (a simulated error cliff: 3 at
 * slice scale, 35 over the window). The variance–time method: merge neighbouring slices into groups
 * of m = 1, 2, 4, … (while at least MIN_GROUPS remain) and take the dispersion at each scale; when
 * it still grows at the largest scale, the correlation outlasts the groups, and the growth (its
 * exponent over the last two doublings, capped at 1) is carried on to the whole window. Noisy
 * where there are few slices, so never below the largest dispersion seen at any scale.
 * `extrapolate: false` stops at the largest scale measured (for a share far from its limit, where
 * a run of bad requests is an outage, not the burstiness near a limit: it need not be projected).
 */
export function windowDispersion(bad: readonly number[], n: readonly number[], extrapolate = true): number {
  const scales: Array<{ m: number; groups: number; phi: number }> = [];
  for (let m = 1; Math.floor(n.length / m) >= MIN_GROUPS; m *= 2) {
    const groups = Math.floor(n.length / m);
    const gb: number[] = [];
    const gn: number[] = [];
    for (let g = 0; g < groups; g++) {
      let kb = 0;
      let kn = 0;
      for (let i = g * m; i < (g + 1) * m; i++) {
        kb += bad[i]!;
        kn += n[i]!;
      }
      gb.push(kb);
      gn.push(kn);
    }
    scales.push({ m, groups, phi: dispersion(gb, gn) });
  }
  if (scales.length === 0) return dispersion(bad, n);
  let envelope = 1;
  for (const s of scales) {
    envelope = Math.max(envelope, s.phi);
    s.phi = envelope;
  }
  const last = scales[scales.length - 1]!;
  const base = scales[Math.max(0, scales.length - 3)]!;
  if (!extrapolate || base === last || last.phi <= base.phi) return last.phi;
  const beta = Math.min(1, Math.log(last.phi / base.phi) / Math.log(last.m / base.m));
  // At most the whole window as one run (all bad or all good: worth one independent request). An
  // outage filling half a step must still fail it.
  const total = n.reduce((a, x) => a + x, 0);
  return Math.max(last.phi, Math.min(total, last.phi * Math.pow(last.groups, beta)));
}
