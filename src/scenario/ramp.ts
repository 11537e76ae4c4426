// The ramp a load spec describes: start, start+step (or ×factor), …, up to max (the last level is
// max itself). Used by `validate` and the rules to count steps; the controller's StepPlan owns
// the real run-time decisions (refinement, stopping early).
import type { LoadSpec } from './scenario.js';

/** Ramps longer than this are rejected: a typo (step: 1 instead of 100) would run for days. */
export const MAX_RAMP_STEPS = 1000;

/** The levels of the ramp, at most MAX_RAMP_STEPS + 1 (enough to tell "too many"). */
export function rampLevels(load: Pick<LoadSpec, 'start' | 'step' | 'factor' | 'max'>): number[] {
  const { start, step, factor, max } = load;
  const levels: number[] = [];
  if (!(start > 0) || !(max >= start)) return levels;
  let level = start;
  // Rounding keeps 0.1-sized steps from drifting into 0.30000000000000004.
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  while (level < max && levels.length <= MAX_RAMP_STEPS) {
    levels.push(level);
    const next = step !== undefined ? round(level + step) : factor !== undefined ? round(level * factor) : NaN;
    if (!(next > level)) break;
    level = next;
  }
  if (levels.length <= MAX_RAMP_STEPS) levels.push(max);
  return levels;
}
