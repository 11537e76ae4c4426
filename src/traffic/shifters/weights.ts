// Weight arithmetic for shifting live traffic: which server weights give the targets a share of the
// backend, and how to get there without jumping more than the allowed step. Pure: no I/O, table-tested.
//
// Model: with a weighted balancer (HAProxy roundrobin/leastconn, most LBs) a server's share of the
// backend's requests is its weight / the sum of the weights of the backend's servers. The targets'
// fair share is their ORIGINAL weight / the original total (with equal weights this is simply
// count(targets) / count(servers)); level L means the targets get L × fair share.

/** HAProxy's runtime weights are 0..256 (`set server b/s weight N`). */
export const MAX_WEIGHT = 256;

export interface WeightLimits {
  /** Highest share of the backend's traffic the targets may get (fraction). */
  maxShare?: number;
  /** Largest change of one server's weight in one `set weight` (see rampWeights). */
  maxWeightStep?: number;
}

export interface WeightPlan {
  /** Weight of every server of the backend (targets and control). */
  weights: Record<string, number>;
  /** The share asked for, before clamping. */
  requestedShare: number;
  /** The share these integer weights really give the targets (what the balancer will do). */
  share: number;
  /** Why the share differs from the requested one (clamped to max_share, weight range …). */
  clamped: string[];
}

/** Rounding tolerance: a plan whose share is within this (relative) of the goal needs no rescaling. */
const SHARE_TOLERANCE = 0.01;

function sum(ws: Record<string, number>, names: string[]): number {
  let s = 0;
  for (const n of names) s += ws[n] ?? 0;
  return s;
}

/** Targets' fair share: their original weight over the backend's original total weight. */
export function fairShare(original: Record<string, number>, targets: string[]): number {
  const all = Object.keys(original);
  const total = sum(original, all);
  if (total <= 0) throw new RangeError('every server of the backend has weight 0: no fair share');
  return sum(original, targets) / total;
}

/** The share of the backend a level (multiple of the fair share) asks for; at most 1. */
export function shareFor(level: number, original: Record<string, number>, targets: string[]): number {
  return Math.min(1, Math.max(0, level * fairShare(original, targets)));
}

/** Share the targets get with these weights (0 when every weight is 0). */
export function shareOf(weights: Record<string, number>, targets: string[]): number {
  const total = sum(weights, Object.keys(weights));
  return total > 0 ? sum(weights, targets) / total : 0;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/**
 * Weights giving the targets `share` of the backend, starting from `base` (the original weights).
 * First only the targets are rescaled (control servers keep their weights: the least intrusive
 * change). Where that cannot reach the share — a target would need more than 256, or integer
 * rounding misses the share by more than 1% — every weight is rescaled so the largest is 256, which
 * lowers the control servers relative to the targets. Control servers keep at least weight 1 below
 * share 1 (weight 0 would drain them and leave no control group). The share is first clamped to
 * limits.maxShare. (Step limits are applied by rampWeights, not here.)
 */
export function weightsForShare(
  base: Record<string, number>,
  targets: string[],
  share: number,
  limits: WeightLimits = {},
): WeightPlan {
  const servers = Object.keys(base);
  for (const t of targets) {
    if (!(t in base)) throw new RangeError(`target server "${t}" is not in the backend (${servers.join(', ')})`);
  }
  const controls = servers.filter((s) => !targets.includes(s));
  const clamped: string[] = [];
  const requestedShare = share;
  let goal = Math.min(1, Math.max(0, share));
  if (limits.maxShare !== undefined && goal > limits.maxShare) {
    clamped.push(`share ${pct(goal)} clamped to max_share ${pct(limits.maxShare)}`);
    goal = limits.maxShare;
  }
  if (controls.length === 0 && goal < 1) {
    clamped.push('the targets are the whole backend: their share is always 100%');
    goal = 1;
  }
  const T = sum(base, targets);
  const C = sum(base, controls);
  // Raw (real-valued) weights: targets scaled by a, controls by b.
  const raw: Record<string, number> = {};
  const tBase = (t: string) => (T > 0 ? (base[t] ?? 0) : 1); // all-zero targets: spread evenly
  const tTotal = T > 0 ? T : targets.length;
  if (goal >= 1) {
    for (const t of targets) raw[t] = tBase(t);
    for (const c of controls) raw[c] = 0;
  } else if (goal <= 0) {
    for (const t of targets) raw[t] = 0;
    for (const c of controls) raw[c] = base[c] ?? 0;
  } else {
    const cTotal = C > 0 ? C : controls.length;
    const a = (goal * cTotal) / ((1 - goal) * tTotal);
    for (const t of targets) raw[t] = tBase(t) * a;
    for (const c of controls) raw[c] = C > 0 ? (base[c] ?? 0) : 1;
  }

  // Attempt 1: controls untouched, targets rounded.
  const first = roundWeights(raw, targets, controls, goal, 1);
  if (first && withinTolerance(shareOf(first, targets), goal)) {
    capShare(first, targets, limits.maxShare);
    return { weights: first, requestedShare, share: shareOf(first, targets), clamped };
  }
  // Attempt 2: rescale everything so the largest weight is 256 (finest resolution available).
  const peak = Math.max(...Object.values(raw));
  const scaled = roundWeights(raw, targets, controls, goal, peak > 0 ? MAX_WEIGHT / peak : 1)!;
  capShare(scaled, targets, limits.maxShare);
  const got = shareOf(scaled, targets);
  if (!withinTolerance(got, goal)) {
    clamped.push(`integer weights give ${pct(got)} instead of ${pct(goal)}`);
  }
  return { weights: scaled, requestedShare, share: got, clamped };
}

/** max_share is a hard limit: rounding up must not cross it, so take weight off the largest target. */
function capShare(weights: Record<string, number>, targets: string[], maxShare: number | undefined): void {
  if (maxShare === undefined) return;
  while (shareOf(weights, targets) > maxShare) {
    let top: string | undefined;
    for (const t of targets) if ((weights[t] ?? 0) > 0 && (top === undefined || weights[t]! > weights[top]!)) top = t;
    if (top === undefined) return;
    weights[top]! -= 1;
  }
}

function withinTolerance(got: number, goal: number): boolean {
  return Math.abs(got - goal) <= Math.max(SHARE_TOLERANCE * goal, 0.001);
}

/** Scales and rounds; undefined when a weight leaves 0..256. Controls with weight keep ≥ 1 below share 1. */
function roundWeights(
  raw: Record<string, number>,
  targets: string[],
  controls: string[],
  goal: number,
  scale: number,
): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  for (const [s, w] of Object.entries(raw)) {
    let r = Math.round(w * scale);
    if (w > 0 && r === 0 && (goal < 1 || targets.includes(s)) && (goal > 0 || controls.includes(s))) r = 1;
    if (r > MAX_WEIGHT) return undefined;
    out[s] = r;
  }
  return out;
}

/**
 * The `set weight` sub-steps from `current` to `goal` so no server's weight changes by more than
 * maxStep at once: n = ceil(largest change / maxStep) evenly spaced sub-steps, the last being
 * `goal`; `targets`' weights are rounded down and the others' up, so no sub-step gives the targets
 * more share than the larger end. [] when nothing changes; [goal] when there is no step limit.
 */
export function rampWeights(
  current: Record<string, number>,
  goal: Record<string, number>,
  maxStep?: number,
  targets: string[] = [],
): Array<Record<string, number>> {
  const servers = Object.keys(goal);
  let largest = 0;
  for (const s of servers) largest = Math.max(largest, Math.abs((goal[s] ?? 0) - (current[s] ?? 0)));
  if (largest === 0) return [];
  if (maxStep === undefined || maxStep <= 0 || largest <= maxStep) return [{ ...goal }];
  const n = Math.ceil(largest / Math.max(1, Math.floor(maxStep)));
  const steps: Array<Record<string, number>> = [];
  for (let k = 1; k <= n; k++) {
    const w: Record<string, number> = {};
    for (const s of servers) {
      const from = current[s] ?? 0;
      // Targets rounded down, the others up: a sub-step's share never exceeds the larger of the two
      // ends' (the exact path's share is monotone between them), so max_share holds on the way too.
      const exact = from + (((goal[s] ?? 0) - from) * k) / n;
      w[s] = k === n ? (goal[s] ?? 0) : targets.includes(s) ? Math.floor(exact + 1e-9) : Math.ceil(exact - 1e-9);
    }
    steps.push(w);
  }
  return steps;
}

/** Only the servers whose weight differs between two maps (what needs a `set weight`). */
export function changedServers(from: Record<string, number>, to: Record<string, number>): string[] {
  return Object.keys(to).filter((s) => from[s] !== to[s]);
}
