// The Universal Scalability Law fitted to a run's steps: throughput X against concurrency N,
//   X(N) = λN / (1 + σ(N − 1) + κN(N − 1))
// (λ: throughput of one request in flight, σ: contention, κ: coherency/crosstalk). It answers "what
// throughput could this service reach at all?" — a ceiling at or above the SLO-bound capacity, which
// is the answer loadtest gives; the ceiling is a reading aid and is refused, with the reason, where
// the data cannot carry it.
//
// An open-model run does not set N; Little's law gives it per step: N = achieved rate × mean latency
// measured from the write (what the server saw — the latency from the intended send also holds the
// generator's own waiting, which is not concurrency at the service). Steps with N < 1 are left out:
// below one request in flight there is nothing to contend, so they say nothing about σ or κ.
//
// The fit is what R's `usl` 3.x does: nonlinear least squares on X itself, σ, κ ∈ [0, 1], λ > 0 free.
// Bounds are honoured by fitting every face of the box (σ free/0/1 × κ free/0, the pinned ones held
// on the bound and the others refitted) and keeping the feasible fit with the least squared error;
// nothing is clamped after the fact. Checked against the package's published fits in
// test/unit/usl-reference.test.ts. Pure.
import { fitInBox, sumSquares } from './least-squares.js';
import { numText } from './number-text.js';

export interface UslPoint {
  /** Requests in flight (Little's law). */
  n: number;
  /** Throughput, requests/s. */
  x: number;
}

export interface UslFit {
  points: number;
  /** Requests/s with one request in flight. */
  lambda: number;
  sigma: number;
  kappa: number;
  /** R² of the fitted X(N) against the measured throughput. */
  r2: number;
  /**
   * The throughput ceiling, requests/s: X(N*) at the peak N* = √((1 − σ)/κ) when κ > 0, else the
   * asymptote λ/σ. Null when refused (see `refused`).
   */
  peakThroughput: number | null;
  /** N*, requests in flight; null when the ceiling is an asymptote or refused. */
  peakConcurrency: number | null;
  /** Which kind of ceiling `peakThroughput` is; null when refused. */
  ceiling: 'peak' | 'asymptote' | null;
  /** Why no ceiling is given, in plain words; null when one is. */
  refused: string | null;
  /** What the fit stood on: the measured concurrency range and the highest measured throughput. */
  measured: { minConcurrency: number; maxConcurrency: number; maxThroughput: number };
  /** Usable steps left out because fewer than one request was in flight. */
  belowOneInFlight: number;
  caveats: string[];
}

export const USL_MIN_POINTS = 4;
export const USL_POOR_R2 = 0.8;
/** A peak further than this multiple of the highest measured concurrency is not in the data: κ is taken as 0. */
export const USL_MAX_EXTRAPOLATION = 10;
/** A run whose best throughput is under this share of the fitted ceiling stopped too far below saturation. */
export const USL_MIN_REACHED = 0.5;
/** A fitted ceiling beyond this multiple of the best measured throughput says only "still linear". */
export const USL_LINEAR = 10;
/** Under this share, the ceiling is given but called indicative. */
export const USL_WELL_REACHED = 0.8;

/** The minimal step shape the fit reads (a StepResult fits it). */
export interface UslStep {
  verdict: string;
  partial: boolean;
  achievedRps: number;
  latencyMs: { count: number; mean: number };
  latencyUncorrectedMs?: { count: number; mean: number };
}

/** Concurrency and throughput per usable step (Little's law), and how many had N < 1. */
export function uslPoints(steps: readonly UslStep[]): { points: UslPoint[]; belowOneInFlight: number } {
  const points: UslPoint[] = [];
  let belowOneInFlight = 0;
  for (const s of steps) {
    if (s.verdict === 'inconclusive' || s.partial || s.latencyMs.count === 0 || !(s.achievedRps > 0)) continue;
    // Reports written before the uncorrected latency existed fall back to the corrected one.
    const lat = s.latencyUncorrectedMs && s.latencyUncorrectedMs.count > 0 ? s.latencyUncorrectedMs : s.latencyMs;
    const n = s.achievedRps * (lat.mean / 1000);
    if (!(n > 0) || !Number.isFinite(n)) continue;
    if (n < 1) belowOneInFlight++;
    else points.push({ n, x: s.achievedRps });
  }
  return { points: points.sort((a, b) => a.n - b.n), belowOneInFlight };
}

export function fitUsl(steps: readonly UslStep[]): UslFit | null {
  const { points, belowOneInFlight } = uslPoints(steps);
  return fitUslPoints(points, belowOneInFlight);
}

/** Why `fitUsl` gave no fit, for the reports; null when it gave one. */
export function uslSkipReason(steps: readonly UslStep[]): string | null {
  const { points, belowOneInFlight } = uslPoints(steps);
  if (fitUslPoints(points, belowOneInFlight)) return null;
  const distinct = new Set(points.map((p) => p.n)).size;
  const left = belowOneInFlight ? ` (${belowOneInFlight} more had under one request in flight, which says nothing about contention)` : '';
  if (points.length < USL_MIN_POINTS) return `${points.length} usable step${points.length === 1 ? '' : 's'}${left}: too few to fit (need ${USL_MIN_POINTS})`;
  if (distinct < 3) return `only ${distinct} distinct concurrenc${distinct === 1 ? 'y' : 'ies'}: too few to fit three parameters`;
  return 'the fit failed (degenerate points)';
}

const usl = (p: readonly number[], n: number) => (p[0]! * n) / (1 + p[1]! * (n - 1) + p[2]! * n * (n - 1));

/** The fitted X(N). */
export function uslThroughput(u: Pick<UslFit, 'lambda' | 'sigma' | 'kappa'>, n: number): number {
  return usl([u.lambda, u.sigma, u.kappa], n);
}

interface Candidate {
  p: number[];
  sse: number;
}

/** The constrained least-squares fit on one face of the box: σ and κ free or pinned. */
function fitFace(pts: readonly UslPoint[], sigmaAt: number | null, kappaAt: number | null): Candidate | null {
  const start = gridStart(pts, sigmaAt, kappaAt);
  if (!start) return null;
  const lambdaHi = Math.max(...pts.map((q) => q.x / q.n)) * 1e6;
  const fit = fitInBox({
    start: start.p,
    lo: [0, 0, 0],
    hi: [lambdaHi, 1, 1],
    free: [true, sigmaAt === null, kappaAt === null],
    residuals: (p) => pts.map((q) => q.x - usl(p, q.n)),
    jacobian: (p) =>
      pts.map(({ n }) => {
        const d = 1 + p[1]! * (n - 1) + p[2]! * n * (n - 1);
        return [n / d, (-p[0]! * n * (n - 1)) / (d * d), (-p[0]! * n * n * (n - 1)) / (d * d)];
      }),
  });
  return fit.params.every(Number.isFinite) && Number.isFinite(fit.sse) ? { p: fit.params, sse: fit.sse } : null;
}

/**
 * A starting point that is near the global optimum of the face: σ and κ on a coarse grid (κ on a log
 * scale spanning the concurrencies measured), λ solved exactly for each (X is linear in λ).
 */
function gridStart(pts: readonly UslPoint[], sigmaAt: number | null, kappaAt: number | null): Candidate | null {
  const maxN = pts[pts.length - 1]!.n;
  const sigmas = sigmaAt !== null ? [sigmaAt] : [0, ...logSpace(1e-4, 1, 33)];
  const kappas = kappaAt !== null ? [kappaAt] : [0, ...logSpace(1e-4 / (maxN * maxN), 1, 41)];
  let best: Candidate | null = null;
  for (const s of sigmas) {
    for (const k of kappas) {
      let sxg = 0;
      let sgg = 0;
      for (const { n, x } of pts) {
        const g = n / (1 + s * (n - 1) + k * n * (n - 1));
        sxg += x * g;
        sgg += g * g;
      }
      if (!(sgg > 0) || !(sxg > 0)) continue;
      const p = [sxg / sgg, s, k];
      const sse = sumSquares(pts.map((q) => q.x - usl(p, q.n)));
      if (!best || sse < best.sse) best = { p, sse };
    }
  }
  return best;
}

function logSpace(lo: number, hi: number, count: number): number[] {
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: count }, (_, i) => Math.exp(a + ((b - a) * i) / (count - 1)));
}

/** The best feasible fit over the faces given, preferring the simpler face on a tie. */
function bestOf(pts: readonly UslPoint[], faces: Array<[number | null, number | null]>): Candidate | null {
  let best: Candidate | null = null;
  for (const [s, k] of faces) {
    const c = fitFace(pts, s, k);
    if (c && (!best || c.sse < best.sse * (1 - 1e-9))) best = c;
  }
  return best;
}

export function fitUslPoints(pts: readonly UslPoint[], belowOneInFlight = 0): UslFit | null {
  const sorted = [...pts].filter((p) => p.n > 0 && p.x > 0 && Number.isFinite(p.n) && Number.isFinite(p.x)).sort((a, b) => a.n - b.n);
  if (sorted.length < USL_MIN_POINTS || new Set(sorted.map((p) => p.n)).size < 3) return null;
  const minN = sorted[0]!.n;
  const maxN = sorted[sorted.length - 1]!.n;
  const maxX = Math.max(...sorted.map((p) => p.x));
  const caveats: string[] = [];

  // Simpler faces first, so that an exact tie keeps the simpler model (κ = 0, then σ = 0).
  const kappaZero: Array<[number | null, number | null]> = [[0, 0], [null, 0], [1, 0]];
  const kappaFree: Array<[number | null, number | null]> = [[0, null], [null, null], [1, null]];
  let fit = bestOf(sorted, [...kappaZero, ...kappaFree]);
  if (!fit) return null;
  // A κ whose peak would lie far beyond the measured concurrency is not in the data (often it is
  // rounding noise: κ ≈ 1e-16 puts a "peak" at tens of millions in flight): refit without it.
  if (fit.p[2]! > 0 && Math.sqrt((1 - fit.p[1]!) / fit.p[2]!) > USL_MAX_EXTRAPOLATION * maxN) {
    const flat = bestOf(sorted, kappaZero);
    if (flat) {
      fit = flat;
      caveats.push(`coherency κ left at 0: the peak it would place lies beyond ${USL_MAX_EXTRAPOLATION}× the highest measured concurrency`);
    }
  }
  const [lambda, sigma, kappa] = fit.p as [number, number, number];
  const mean = sorted.reduce((s, p) => s + p.x, 0) / sorted.length;
  const sst = sorted.reduce((s, p) => s + (p.x - mean) ** 2, 0);
  const r2 = sst > 0 ? Math.max(0, 1 - fit.sse / sst) : fit.sse <= 1e-12 * mean * mean * sorted.length ? 1 : 0;

  const out: UslFit = {
    points: sorted.length,
    lambda,
    sigma,
    kappa,
    r2,
    peakThroughput: null,
    peakConcurrency: null,
    ceiling: null,
    refused: null,
    measured: { minConcurrency: minN, maxConcurrency: maxN, maxThroughput: maxX },
    belowOneInFlight,
    caveats,
  };
  decideCeiling(out);
  return out;
}

/** The ceiling, or the reason there is none that means anything. */
function decideCeiling(u: UslFit): void {
  const { minConcurrency: minN, maxConcurrency: maxN, maxThroughput: maxX } = u.measured;
  const refuse = (why: string) => {
    u.refused = why;
  };
  // Falling throughput first: σ > 1 data end on σ = 1 with a poor R², and "it fell" is the better reason.
  const nStar = u.kappa > 0 ? Math.sqrt((1 - u.sigma) / u.kappa) : null;
  if (nStar !== null && nStar < minN) {
    return refuse(
      `throughput fell as concurrency rose from the lowest measured (≈${numText(minN)} in flight): ` +
        `the fitted peak lies below every step; the best measured was ${numText(maxX)} rps`,
    );
  }
  if (u.r2 < USL_POOR_R2) return refuse(`poor fit (R² ${u.r2.toFixed(2)}): throughput does not follow the USL over these steps`);
  const ceiling = nStar !== null ? uslThroughput(u, nStar) : u.sigma > 0 ? u.lambda / u.sigma : Infinity;
  // σ and κ at (or, by rounding, next to) zero: a straight line, whose "ceiling" is noise.
  if (!Number.isFinite(ceiling) || ceiling > USL_LINEAR * maxX) {
    return refuse('throughput still rises (almost) linearly with concurrency: no ceiling within reach of the measured steps');
  }
  if (maxX < USL_MIN_REACHED * ceiling) {
    return refuse(
      `the highest measured throughput (${numText(maxX)} rps) is under ${Math.round(USL_MIN_REACHED * 100)}% of the fitted ceiling: ` +
        'the run stopped too far below saturation for a ceiling to mean anything',
    );
  }
  u.peakThroughput = ceiling;
  u.peakConcurrency = nStar;
  u.ceiling = nStar !== null ? 'peak' : 'asymptote';
  if (nStar !== null && nStar > maxN) u.caveats.push(`the peak lies beyond the highest measured concurrency (≈${numText(maxN)} in flight): extrapolated`);
  if (maxX < USL_WELL_REACHED * ceiling) u.caveats.push(`the run reached ${Math.round((maxX / ceiling) * 100)}% of the ceiling: indicative only`);
}

/** One sentence for the reports. */
export function describeUsl(u: UslFit | null, skipped?: string | null): string {
  const head = "Throughput against concurrency (Universal Scalability Law, concurrency from Little's law on the latency from the write";
  if (!u) return `${head}): not fitted — ${skipped ?? `fewer than ${USL_MIN_POINTS} usable steps`}.`;
  const ceiling =
    u.peakThroughput === null
      ? `no ceiling: ${u.refused ?? 'not given'}`
      : u.peakConcurrency !== null
        ? `ceiling ≈${numText(u.peakThroughput)} rps at ≈${numText(u.peakConcurrency)} requests in flight`
        : `ceiling ≈${numText(u.peakThroughput)} rps (asymptote λ/σ)`;
  return (
    `${head}, ${u.points} steps${u.belowOneInFlight ? `; ${u.belowOneInFlight} with under one request in flight left out` : ''}): ${ceiling}; ` +
    `contention σ ${u.sigma.toFixed(3)}, coherency κ ${kappaText(u.kappa)}, R² ${u.r2.toFixed(2)}.`
  );
}

/** κ is small by nature (1e-4 is large): two significant digits, never an exponent. */
function kappaText(k: number): string {
  if (k === 0) return '0';
  if (k < 1e-10) return '≈0';
  if (k >= 0.01) return k.toFixed(3);
  const digits = Math.min(12, 1 - Math.floor(Math.log10(k)));
  return k.toFixed(digits);
}
