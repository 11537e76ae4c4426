// Has the capacity changed beyond what is allowed? The rule the CI gate (`run --baseline`) and
// `compare` share. Pure.
//
// Each run knows its capacity only as a bracket of tested levels: the truth lies in [low, high),
// low the highest passing level, high the lowest failing one (high = ∞ when every step passed,
// low = 0 when the first step failed). The regression r = 1 − current/baseline therefore lies in
//   [1 − cur.high / base.low,  1 − cur.low / base.high].
// Three answers, never a guess:
//   regressed     even the most favourable reading drops more than allowed (r_min ≥ maxRegression:
//                 the current truth lies strictly below its failing level);
//   pass          even the least favourable reading stays within it (r_max ≤ maxRegression);
//   inconclusive  the brackets are too wide to tell — refine further (the run does, with a baseline:
//                 refineUntilDecided), or look at the reason.
// There is no "within noise" pass: a change the brackets cannot resolve is inconclusive.

/** A capacity as the run measured it: the truth lies in [low, high). Levels in requests/s. */
export interface CapacityBracket {
  /** Highest passing level; null when no step passed (the capacity is below `high`). */
  low: number | null;
  /** Lowest failing level; null when no step failed (the capacity is at least `low`). */
  high: number | null;
}

/**
 * A level whose verdict decides a gate: a fail at or below `level` ('fail-at-or-below': the capacity
 * regressed, or is below --expect-min), or a pass at or above it ('pass-at-or-above'). The search
 * probes it (controller/step-plan.ts) while the gate is undecided.
 */
export interface GateTarget {
  level: number;
  decides: 'fail-at-or-below' | 'pass-at-or-above';
}

/**
 * A gate target as a level a plan can run — whole requests/s from 10 up, tenths below, hundredths of
 * the fair share in shift mode — rounded toward the side that decides: down for a fail that must be
 * at or below it, up for a pass that must be at or above it (352.8 → 352; 368.1 → 369).
 */
export function targetLevel(t: GateTarget, unit: 'rps' | 'share' = 'rps'): number {
  const step = unit === 'share' ? 0.01 : t.level >= 9.5 ? 1 : 0.1;
  const n = t.decides === 'fail-at-or-below' ? Math.floor(t.level / step + 1e-9) : Math.ceil(t.level / step - 1e-9);
  return Math.round(n * step * 100) / 100;
}

export type CapacityChangeOutcome = 'pass' | 'regressed' | 'inconclusive';

export interface CapacityChange {
  outcome: CapacityChangeOutcome;
  /** Smallest and largest regression the brackets allow (fractions; negative = improvement). */
  minRegression: number;
  maxRegression: number;
  /** Plain words: why this outcome (and, when inconclusive, what would decide it). */
  reason: string;
}

/** Float slack for ratios of whole levels (1 − 360/400 is 0.09999999999999998). */
const EPS = 1e-9;

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(Math.abs(x) < 0.1 ? 1 : 0)}%` : x > 0 ? '∞' : '−∞');

/** The regression range of a current bracket against a baseline one. */
export function regressionRange(base: CapacityBracket, cur: CapacityBracket): { min: number; max: number } {
  const bLow = base.low ?? 0;
  const bHigh = base.high ?? Infinity;
  const cLow = cur.low ?? 0;
  const cHigh = cur.high ?? Infinity;
  // r = 1 − c/b: smallest with c high and b low, largest with c low and b high.
  const min = bLow > 0 ? 1 - cHigh / bLow : -Infinity;
  const max = Number.isFinite(bHigh) ? 1 - cLow / bHigh : 1;
  return { min, max };
}

export function judgeCapacityChange(base: CapacityBracket, cur: CapacityBracket, allowed: number): CapacityChange {
  const { min, max } = regressionRange(base, cur);
  const range = `the brackets allow a change of ${pct(-max)} to ${pct(-min)}`;
  if (base.low === null) {
    return { outcome: 'inconclusive', minRegression: min, maxRegression: max, reason: 'the baseline has no passing level to compare against (its first step failed)' };
  }
  // The current truth lies strictly below its failing level, so a fail at exactly (1 − allowed) × the
  // baseline's highest pass already shows a drop beyond the allowed one (the README's "a fail at or
  // below 360 rps" against 400 and 10%); EPS keeps 1 − 360/400 = 0.0999…98 from missing it.
  if (min >= allowed - EPS) return { outcome: 'regressed', minRegression: min, maxRegression: max, reason: `${range}: a drop of more than the allowed ${pct(allowed)} in every case` };
  if (max <= allowed + EPS) return { outcome: 'pass', minRegression: min, maxRegression: max, reason: `${range}: within the allowed ${pct(allowed)} drop in every case` };
  return {
    outcome: 'inconclusive',
    minRegression: min,
    maxRegression: max,
    reason: `${range}, which straddles the allowed ${pct(allowed)} drop: narrower brackets (a finer load.refine, or steps long enough to judge near the boundary) would decide it`,
  };
}

/** For the search: true once the current bracket decides the change against the baseline. */
export function capacityChangeDecided(base: CapacityBracket, allowed: number): (cur: CapacityBracket) => boolean {
  return (cur) => judgeCapacityChange(base, cur, allowed).outcome !== 'inconclusive';
}
