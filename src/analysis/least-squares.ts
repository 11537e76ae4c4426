// Nonlinear least squares in a box: Levenberg–Marquardt on the free parameters, the others held
// where the caller pins them. A step that would leave the box is rejected (the damping grows and the
// step shrinks), so an answer is always feasible; a parameter that wants to cross a bound stalls
// next to it, and the caller finds the true constrained optimum by also fitting with that parameter
// pinned *on* the bound and the rest refitted (see usl.ts), never by clamping one and keeping the
// others. Small and dense on purpose: the models here have two or three parameters. Pure.

export interface BoxProblem {
  /** Starting values, inside [lo, hi]. */
  start: readonly number[];
  lo: readonly number[];
  hi: readonly number[];
  /** Which parameters move; the others stay at their start value. */
  free: readonly boolean[];
  /** Residuals (observed − model) at p. */
  residuals(p: readonly number[]): number[];
  /** ∂model_i/∂p_j at p (rows: observations). */
  jacobian(p: readonly number[]): number[][];
}

export interface BoxFit {
  params: number[];
  /** Sum of squared residuals at params. */
  sse: number;
  iterations: number;
}

const MAX_ITERATIONS = 500;

export function fitInBox(pb: BoxProblem): BoxFit {
  const free = pb.free.map((f, j) => (f ? j : -1)).filter((j) => j >= 0);
  let p = [...pb.start];
  let sse = sumSquares(pb.residuals(p));
  if (free.length === 0 || !Number.isFinite(sse)) return { params: p, sse, iterations: 0 };
  let mu = 1e-3;
  let it = 0;
  for (; it < MAX_ITERATIONS; it++) {
    const r = pb.residuals(p);
    const jac = pb.jacobian(p).map((row) => free.map((j) => row[j]!));
    // Normal equations JᵀJ δ = Jᵀr on the free parameters.
    const k = free.length;
    const jtj = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const jtr = new Array<number>(k).fill(0);
    jac.forEach((row, i) => {
      for (let a = 0; a < k; a++) {
        jtr[a]! += row[a]! * r[i]!;
        for (let b = 0; b < k; b++) jtj[a]![b]! += row[a]! * row[b]!;
      }
    });
    let improved = false;
    // Marquardt's damping scales with diag(JᵀJ), so parameters of very different sizes (λ ≈ 100,
    // κ ≈ 1e-4) are treated alike.
    while (mu < 1e12) {
      const m = jtj.map((row, a) => row.map((v, b) => (a === b ? v + mu * Math.max(v, 1e-300) : v)));
      const delta = solveLinear(m, jtr);
      if (!delta) {
        mu *= 10;
        continue;
      }
      const next = [...p];
      free.forEach((j, a) => (next[j] = p[j]! + delta[a]!));
      const inside = free.every((j) => next[j]! >= pb.lo[j]! && next[j]! <= pb.hi[j]!);
      const s = inside ? sumSquares(pb.residuals(next)) : Infinity;
      if (s < sse) {
        const small = sse - s <= 1e-14 * sse || free.every((j) => Math.abs(next[j]! - p[j]!) <= 1e-12 * (Math.abs(p[j]!) + 1e-300));
        p = next;
        sse = s;
        mu = Math.max(mu / 10, 1e-12);
        improved = !small;
        break;
      }
      mu *= 10;
    }
    if (!improved) break;
  }
  return { params: p, sse, iterations: it };
}

export function sumSquares(r: readonly number[]): number {
  let s = 0;
  for (const v of r) s += v * v;
  return s;
}

/** Gaussian elimination with partial pivoting; null when singular. */
export function solveLinear(m: readonly (readonly number[])[], v: readonly number[]): number[] | null {
  const n = v.length;
  const a = m.map((row, i) => [...row, v[i]!]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
    if (!(Math.abs(a[piv]![col]!) > 1e-300)) return null;
    [a[col], a[piv]] = [a[piv]!, a[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= n; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  const out = a.map((row, i) => row[n]! / row[i]!);
  return out.every(Number.isFinite) ? out : null;
}
