// The Universal Scalability Law fitted to a run's steps: throughput X against concurrency N,
//   X(N) = λN / (1 + σ(N − 1) + κN(N − 1))
// (λ: throughput of one request in flight, σ: contention, κ: coherency/crosstalk). An open-model run
// does not set N; Little's law gives it per step: N = achieved rate × mean latency. N/X is a quadratic
// in N, so the fit is a linear least-squares fit of N/X = a + bN + cN² (Gunther's linearisation),
// judged by R² on X itself. It answers "what throughput could this service reach at all?" — a ceiling
// that is at or above the SLO-bound capacity, which is the answer loadtest gives. Pure.
import type { StepResult } from '../result.js';

export interface UslFit {
  points: number;
  /** Requests/s with one request in flight. */
  lambda: number;
  sigma: number;
  kappa: number;
  /** R² of the fitted X(N) against the measured throughput. */
  r2: number;
  /** Highest throughput the fit allows, requests/s, and the concurrency where it peaks (null: no peak, X → λ/σ). */
  peakThroughput: number | null;
  peakConcurrency: number | null;
  caveats: string[];
}

export const USL_MIN_POINTS = 4;

/** Concurrency and throughput per usable step (Little's law). */
export function uslPoints(steps: StepResult[]): Array<{ n: number; x: number }> {
  const pts: Array<{ n: number; x: number }> = [];
  for (const s of steps) {
    if (s.verdict === 'inconclusive' || s.partial || s.latencyMs.count === 0 || !(s.achievedRps > 0)) continue;
    const n = s.achievedRps * (s.latencyMs.mean / 1000);
    if (n > 0 && Number.isFinite(n)) pts.push({ n, x: s.achievedRps });
  }
  return pts.sort((a, b) => a.n - b.n);
}

export function fitUsl(steps: StepResult[]): UslFit | null {
  const pts = uslPoints(steps);
  if (pts.length < USL_MIN_POINTS) return null;
  // Least squares of y = N/X on [1, N, N²].
  const rows = pts.map((p) => [1, p.n, p.n * p.n]);
  const ys = pts.map((p) => p.n / p.x);
  const coef = leastSquares3(rows, ys);
  if (!coef) return null;
  const [a, b, c] = coef;
  const inv = a + b + c; // = 1/λ at N = 1
  if (!(inv > 0)) return null;
  const lambda = 1 / inv;
  let kappa = c * lambda;
  let sigma = (b + c) * lambda;
  const caveats: string[] = [];
  // Physical range: 0 ≤ σ ≤ 1, κ ≥ 0. A slightly negative κ is the usual "no retrograde" and is
  // taken as 0; a σ outside [0, 1] means the data do not look like USL at all, and is said.
  kappa = Math.max(0, kappa);
  if (sigma < 0 || sigma > 1) {
    caveats.push(`contention σ fitted as ${sigma.toFixed(2)}, outside 0…1: the steps do not follow the USL`);
    sigma = Math.min(1, Math.max(0, sigma));
  }
  const model = (n: number) => (lambda * n) / (1 + sigma * (n - 1) + kappa * n * (n - 1));
  const mean = pts.reduce((s, p) => s + p.x, 0) / pts.length;
  const sst = pts.reduce((s, p) => s + (p.x - mean) ** 2, 0);
  const sse = pts.reduce((s, p) => s + (p.x - model(p.n)) ** 2, 0);
  const r2 = sst > 0 ? Math.max(0, 1 - sse / sst) : 1;
  let peakConcurrency: number | null = null;
  let peakThroughput: number | null = null;
  if (kappa > 0) {
    peakConcurrency = Math.sqrt((1 - sigma) / kappa);
    peakThroughput = model(peakConcurrency);
  } else if (sigma > 0) {
    peakThroughput = lambda / sigma; // the asymptote
  }
  const maxX = Math.max(...pts.map((p) => p.x));
  // Rounding leaves a linear service with a vanishing σ/κ and an absurd "ceiling": call it none.
  if (peakThroughput !== null && peakThroughput > maxX * 100) {
    peakThroughput = null;
    peakConcurrency = null;
  }
  if (peakThroughput === null) caveats.push('throughput still rises linearly: no ceiling in sight of the measured loads');
  else if (peakThroughput > maxX * 1.5) caveats.push('the ceiling is far beyond the measured throughput: indicative only');
  if (r2 < 0.8) caveats.push(`poor fit (R² ${r2.toFixed(2)})`);
  return { points: pts.length, lambda, sigma, kappa, r2, peakThroughput, peakConcurrency, caveats };
}

/** Ordinary least squares for three coefficients via the normal equations (Gaussian elimination). */
function leastSquares3(rows: number[][], ys: number[]): [number, number, number] | null {
  const m = [0, 1, 2].map(() => [0, 0, 0, 0]);
  rows.forEach((r, k) => {
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) m[i]![j]! += r[i]! * r[j]!;
      m[i]![3]! += r[i]! * ys[k]!;
    }
  });
  for (let col = 0; col < 3; col++) {
    let piv = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[piv]![col]!)) piv = r;
    if (Math.abs(m[piv]![col]!) < 1e-300) return null;
    [m[col], m[piv]] = [m[piv]!, m[col]!];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let k = col; k < 4; k++) m[r]![k]! -= f * m[col]![k]!;
    }
  }
  const out = [m[0]![3]! / m[0]![0]!, m[1]![3]! / m[1]![1]!, m[2]![3]! / m[2]![2]!];
  return out.every(Number.isFinite) ? (out as [number, number, number]) : null;
}

/** One sentence for the reports. */
export function describeUsl(u: UslFit | null): string {
  if (!u) return `Throughput against concurrency (Universal Scalability Law): fewer than ${USL_MIN_POINTS} usable steps, not fitted.`;
  const n = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Number(v.toPrecision(3))));
  const ceiling =
    u.peakThroughput === null
      ? 'no ceiling in sight'
      : u.peakConcurrency !== null
        ? `ceiling ≈${n(u.peakThroughput)} rps at ≈${n(u.peakConcurrency)} requests in flight`
        : `ceiling ≈${n(u.peakThroughput)} rps (asymptote)`;
  return (
    `Throughput against concurrency (Universal Scalability Law, concurrency from Little's law, ${u.points} steps): ${ceiling}; ` +
    `contention σ ${u.sigma.toFixed(3)}, coherency κ ${u.kappa.toPrecision(2)}, R² ${u.r2.toFixed(2)}.`
  );
}
