// The step plan: which load to try next, as a pure function of the plan and what the steps so far
// said. No timers, no I/O: the capacity search (find-capacity.ts) asks it before every step, and the
// `plan` command asks it what a run could cost.
//
// The search: ramp from `start` by `step` (additive) or `factor` (geometric) up to `max` (the last
// ramp level is exactly `max` when the sequence would overshoot it); stop ramping at the first
// failing step; with `refine`, bisect between the highest passing and the lowest failing level until
// (fail − pass) / pass ≤ refine. An inconclusive step (the generator, or the live metrics, could not
// give a trustworthy verdict) is run once more at the same level — a busy neighbour or a GC pause
// often passes — and if it is inconclusive again the search ends: a bisection built on it would be
// fiction. Inconclusive steps never count as a pass or a fail.
import type { LoadSpec } from '../scenario/scenario.js';
import type { StepVerdict } from '../slo/slo.js';
import type { StopReason } from '../result.js';

export interface PlanHistoryEntry {
  level: number;
  verdict: StepVerdict;
}

export type NextStep = { level: number; phase: 'ramp' | 'refine' } | { done: true; reason: StopReason };

/** The plan fields the step plan reads (a LoadSpec satisfies it). */
export type PlanSpec = Pick<LoadSpec, 'unit' | 'start' | 'step' | 'factor' | 'max' | 'refine' | 'stepDurationMs'> & {
  /** Times an inconclusive step is re-run at the same level before the search gives up; default 1. */
  inconclusiveRetries?: number;
};

export const DEFAULT_INCONCLUSIVE_RETRIES = 1;

/**
 * Levels are rounded so steps read well and bisection ends: whole requests/s in generate mode
 * (tenths below 10 rps, so a slow plan does not round to 0), hundredths of the fair share in shift
 * mode (finer than any weight change HAProxy can make).
 */
export function roundLevel(unit: LoadSpec['unit'], level: number): number {
  if (unit === 'share') return Math.round(level * 100) / 100;
  return level >= 9.5 ? Math.round(level) : Math.max(0.1, Math.round(level * 10) / 10);
}

/** Hard cap on ramp length so a plan with a tiny step cannot loop for ever (validation should catch it first). */
const MAX_RAMP_STEPS = 1000;

/** The ramp levels in order, from start to max (inclusive; the last one is max if the sequence overshoots). */
export function plannedRamp(plan: PlanSpec): number[] {
  const levels: number[] = [];
  if (!(plan.start > 0) || !(plan.max >= plan.start)) return plan.start > 0 ? [roundLevel(plan.unit, plan.start)] : levels;
  let raw = plan.start;
  for (let i = 0; i < MAX_RAMP_STEPS; i++) {
    const level = roundLevel(plan.unit, Math.min(raw, plan.max));
    if (levels.length === 0 || level > levels[levels.length - 1]!) levels.push(level);
    if (raw >= plan.max) break;
    const next = plan.factor !== undefined ? raw * plan.factor : raw + (plan.step ?? plan.max - plan.start);
    // A step that does not move (factor ≤ 1, step ≤ 0) would never reach max: jump there.
    raw = next > raw ? next : plan.max;
  }
  if (levels[levels.length - 1] !== roundLevel(plan.unit, plan.max)) levels.push(roundLevel(plan.unit, plan.max));
  return levels;
}

/** Bisection steps needed to close a gap between pass `lo` and fail `hi` to `refine` (0 if none). */
export function refineStepsFor(lo: number, hi: number, refine: number | undefined): number {
  if (refine === undefined || !(refine > 0) || !(lo > 0) || hi <= lo) return 0;
  const ratio = (hi - lo) / (refine * lo);
  return ratio <= 1 ? 0 : Math.ceil(Math.log2(ratio));
}

/** Most refine steps any bracket of the ramp could need (the first step failing needs none). */
export function maxRefineSteps(plan: PlanSpec): number {
  const ramp = plannedRamp(plan);
  let most = 0;
  for (let i = 1; i < ramp.length; i++) most = Math.max(most, refineStepsFor(ramp[i - 1]!, ramp[i]!, plan.refine));
  return most;
}

/** Upper bound on the steps a run takes: the whole ramp plus the longest bisection. */
export function worstCaseSteps(plan: PlanSpec): number {
  return plannedRamp(plan).length + maxRefineSteps(plan);
}

export function worstCaseDurationMs(plan: PlanSpec): number {
  return worstCaseSteps(plan) * plan.stepDurationMs;
}

/** The next step to run, or why the search is over. `history` is every step so far, in order. */
export function nextStep(plan: PlanSpec, history: readonly PlanHistoryEntry[]): NextStep {
  const ramp = plannedRamp(plan);
  if (ramp.length === 0) return { done: true, reason: 'max-reached' };
  if (history.length === 0) return { level: ramp[0]!, phase: 'ramp' };
  const last = history[history.length - 1]!;
  if (last.verdict === 'inconclusive') {
    let attempts = 0;
    for (let i = history.length - 1; i >= 0 && history[i]!.verdict === 'inconclusive' && history[i]!.level === last.level; i--) attempts++;
    if (attempts > (plan.inconclusiveRetries ?? DEFAULT_INCONCLUSIVE_RETRIES)) return { done: true, reason: 'inconclusive' };
    return { level: last.level, phase: history.some((h) => h.verdict === 'fail') ? 'refine' : 'ramp' };
  }

  let highestPass = -Infinity;
  let lowestFail = Infinity;
  for (const h of history) {
    if (h.verdict === 'pass') highestPass = Math.max(highestPass, h.level);
    else if (h.verdict === 'fail') lowestFail = Math.min(lowestFail, h.level);
  }

  if (lowestFail === Infinity) {
    // Still ramping: the next planned level above everything tried so far.
    const next = ramp.find((level) => level > highestPass);
    return next === undefined ? { done: true, reason: 'max-reached' } : { level: next, phase: 'ramp' };
  }

  // A failure bounds the search. No pass below it (the first step failed) → nothing to bisect.
  if (highestPass === -Infinity || highestPass >= lowestFail) return { done: true, reason: 'slo-breach' };
  if (refineStepsFor(highestPass, lowestFail, plan.refine) === 0) return { done: true, reason: 'slo-breach' };
  const mid = roundLevel(plan.unit, (highestPass + lowestFail) / 2);
  // Rounding can land on a bound when they are one unit apart: the bracket is as tight as levels go.
  if (mid <= highestPass || mid >= lowestFail) return { done: true, reason: 'slo-breach' };
  return { level: mid, phase: 'refine' };
}
