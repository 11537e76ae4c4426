// The step plan: which load to try next, and for how long, as a pure function of the plan and what
// the steps so far said. No timers, no I/O: the capacity search (find-capacity.ts) asks it before
// every step, and the `plan` command asks it what a run could cost.
//
// The search: ramp from `start` by `step` (additive) or `factor` (geometric) up to `max` (the last
// ramp level is exactly `max` when the sequence would overshoot it); stop ramping at the first
// failing step; with `refine`, bisect between the highest passing and the lowest failing level until
// (fail − pass) / pass ≤ refine — and, when a gate needs it (`decided`), until the bracket decides
// the gate, down to MIN_GAP.
// Inconclusive steps never count as a pass or a fail. Each is run once more at the same level with
// a new schedule (a busy neighbour or a GC pause often passes); an 'undecided' one (an SLO too close
// to its limit for the requests seen) for twice as long — and, when its level would decide a pending
// gate (`targets`), once more for four times as long (GATE_RETRIES), every run pooled — unless it
// needs far more requests than the re-runs would add (HOPELESS). If it stays
// inconclusive the search goes on around it rather than ending:
//   - an undecided level lies near the capacity: the bisection splits the bracket at it and
//     narrows the wider side; when no level passed and the lowest one tried is undecided (the start
//     was too close to call, the next level failed), the search probes below it (generate mode);
//   - a 'limited' level (the generator could not drive it, a metric was missing) is a ceiling: the
//     search never goes above it and bisects below it; the run then ends 'inconclusive' unless a
//     fail below it bracketed the capacity.
// Steps at low rates are lengthened (up to MAX_STRETCH × step_duration) so that their judged window
// holds the arrivals the SLOs need to be shown met (`samplesToProve`: requests, or sessions, counted
// by step-need.ts from the requests of the rule's name each arrival sends).
import { settleCapMs } from './settle.js';
import { targetLevel, type GateTarget } from '../analysis/capacity-change.js';
import type { RuleNeed } from '../analysis/step-verdict.js';
import type { LoadSpec } from '../scenario/scenario.js';
import type { StepVerdict } from '../slo/slo.js';
import type { StopReason } from '../result.js';

export interface PlanHistoryEntry {
  level: number;
  verdict: StepVerdict;
  /** Inconclusive steps: spoilt evidence ('limited', the default) or too thin to decide ('undecided'). */
  kind?: 'limited' | 'undecided';
  /**
   * An undecided step: the requests its SLOs need to be decided, over the requests it had (its
   * samplesNeeded / sent). Far beyond what the re-runs can add (HOPELESS), it is not re-run.
   */
  shortfall?: number;
}

/** A capacity bracket of levels: the truth lies in [low, high); null = no pass / no fail yet. */
export interface LevelBracket {
  low: number | null;
  high: number | null;
}

export type NextStep = { level: number; phase: 'ramp' | 'refine'; durationMs: number } | { done: true; reason: StopReason };

/** The plan fields the step plan reads (a LoadSpec satisfies it). */
export type PlanSpec = Pick<LoadSpec, 'unit' | 'start' | 'step' | 'factor' | 'max' | 'refine' | 'stepDurationMs'> &
  Partial<Pick<LoadSpec, 'warmupMs'>> & {
    /** Times an inconclusive step is re-run at the same level before the search goes around it; default 1. */
    inconclusiveRetries?: number;
    /**
     * Arrivals — requests, or sessions with `traffic.sessions` — a judged window needs to show every
     * SLO met (proportion.ts samplesToProve, divided by the requests of the rule's name one arrival
     * sends: step-need.ts); 0 = any.
     */
    samplesToProve?: number;
    /** Keep refining until this says the bracket is precise enough (a gate against a baseline). */
    decided?: (bracket: LevelBracket) => boolean;
    /**
     * Levels whose verdict would decide the gate at once (gate.ts gateTargets), in plan units:
     * while the gate is undecided, a bracket that holds one is probed there before bisecting.
     */
    targets?: readonly PlanTarget[];
  };

/** A level whose verdict decides a gate (analysis/capacity-change.ts GateTarget). */
export type PlanTarget = GateTarget;

export const DEFAULT_INCONCLUSIVE_RETRIES = 1;
/** Longest a step is stretched to hold the requests its SLOs need, in step durations. */
export const MAX_STRETCH = 4;
/** Narrowest gap (relative) the bisection still splits: finer than this, measurement noise rules. */
export const MIN_GAP = 0.005;
/**
 * Re-runs beyond inconclusiveRetries for an undecided level that decides a pending gate: the first
 * re-run is twice as long, this one four times (MAX_STRETCH), all pooled — 7 steps' worth of requests.
 */
export const GATE_RETRIES = 1;
/**
 * An undecided step needing more than this many times its requests is not re-run (a re-run adds 2×,
 * pooled: 3× in all); at a gate's level, on its first look, twice this (the re-runs add 2× and 4×).
 */
export const HOPELESS = 4;
/** Steps beyond the ramp and the plain bisection: retries, detours around undecided levels, a gate's finer bracket. */
export const EXTRA_STEPS = 6;

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

/** Upper bound on the steps a run takes: the whole ramp, the longest bisection, and EXTRA_STEPS (the search stops there). */
export function worstCaseSteps(plan: PlanSpec): number {
  return plannedRamp(plan).length + maxRefineSteps(plan) + (plan.refine !== undefined && plan.refine > 0 ? EXTRA_STEPS : 2);
}

/** Upper bound on a run's length: the ramp's own step lengths, and the rest at the longest of them. */
export function worstCaseDurationMs(plan: PlanSpec): number {
  const ramp = rampDurationsMs(plan);
  return ramp.reduce((a, b) => a + b, 0) + (worstCaseSteps(plan) - ramp.length) * Math.max(plan.stepDurationMs, ...ramp);
}

/** Each ramp step's length (stepDurationFor). */
function rampDurationsMs(plan: PlanSpec): number[] {
  return plannedRamp(plan).map((l) => stepDurationFor(plan, l));
}

/**
 * Generate mode: upper bound on the time spent waiting, between steps, for a backlog to drain
 * (controller/settle.ts): every step but the first after one that did not pass, each wait at its cap.
 */
export function worstCaseDrainMs(plan: PlanSpec): number {
  return Math.max(0, worstCaseSteps(plan) - 1) * settleCapMs(Math.max(plan.stepDurationMs, ...rampDurationsMs(plan)));
}

/**
 * The step length at a level: load.step_duration, stretched (up to MAX_STRETCH times) so the judged
 * window holds `samplesToProve` arrivals at that rate.
 */
export function stepDurationFor(plan: PlanSpec, level: number): number {
  const need = plan.samplesToProve ?? 0;
  if (!(need > 0) || plan.unit !== 'rps' || !(level > 0)) return plan.stepDurationMs;
  // A Poisson draw of the expected count falls short by up to 3√n: aim above it.
  const judgedMs = Math.ceil(((need + 3 * Math.sqrt(need)) / level) * 1000);
  const wanted = (plan.warmupMs ?? 0) + judgedMs;
  return Math.min(plan.stepDurationMs * MAX_STRETCH, Math.max(plan.stepDurationMs, Math.ceil(wanted / 100) * 100));
}

/** What the steps so far say of each level (the last step at a level speaks for it). */
function readHistory(history: readonly PlanHistoryEntry[]) {
  const last = new Map<number, PlanHistoryEntry>();
  for (const h of history) last.set(h.level, h);
  let pass = -Infinity;
  let fail = Infinity;
  for (const h of last.values()) {
    if (h.verdict === 'pass') pass = Math.max(pass, h.level);
    else if (h.verdict === 'fail') fail = Math.min(fail, h.level);
  }
  let ceiling = Infinity;
  const undecided: number[] = [];
  for (const h of last.values()) {
    if (h.verdict !== 'inconclusive' || h.level <= pass || h.level >= fail) continue;
    if (h.kind === 'undecided') undecided.push(h.level);
    else ceiling = Math.min(ceiling, h.level);
  }
  return { pass, fail, ceiling, undecided: undecided.filter((l) => l < ceiling).sort((a, b) => a - b) };
}

/** The next step to run, or why the search is over. `history` is every step so far, in order. */
export function nextStep(plan: PlanSpec, history: readonly PlanHistoryEntry[]): NextStep {
  const ramp = plannedRamp(plan);
  const at = (level: number, phase: 'ramp' | 'refine', factor = 1): NextStep => ({
    level,
    phase,
    durationMs: Math.min(plan.stepDurationMs * MAX_STRETCH, stepDurationFor(plan, level) * factor),
  });
  if (ramp.length === 0) return { done: true, reason: 'max-reached' };
  if (history.length === 0) return at(ramp[0]!, 'ramp');
  const { pass, fail, ceiling, undecided } = readHistory(history);
  const bounded: StopReason = fail <= ceiling ? 'slo-breach' : 'inconclusive';
  // The step bound (worstCaseSteps) holds whatever the verdicts: retries and detours included.
  if (history.length >= worstCaseSteps(plan)) return { done: true, reason: Math.min(fail, ceiling) === Infinity ? 'max-reached' : bounded };
  const refined = history.some((h) => h.verdict === 'fail');
  const last = history[history.length - 1]!;
  if (last.verdict === 'inconclusive') {
    let attempts = 0;
    for (let i = history.length - 1; i >= 0 && history[i]!.verdict === 'inconclusive' && history[i]!.level === last.level; i--) attempts++;
    // A level whose verdict would decide a pending gate is worth one more, longer look: the gate's
    // question is that one level, and going around it leaves the gate inconclusive.
    const gateLevel = last.kind === 'undecided' && gatePending(plan, pass, fail) && targetLevels(plan).includes(last.level);
    // The re-runs add 2× (and at a gate's level then 4×) the first step's requests: a step needing
    // far more than that would not be decided either.
    const hopeless = last.shortfall !== undefined && last.shortfall > HOPELESS * (gateLevel && attempts === 1 ? 2 : 1);
    if (!hopeless && attempts <= (plan.inconclusiveRetries ?? DEFAULT_INCONCLUSIVE_RETRIES) + (gateLevel ? GATE_RETRIES : 0)) {
      return at(last.level, refined ? 'refine' : 'ramp', last.kind === 'undecided' ? 2 ** attempts : 1);
    }
  }

  const upper = Math.min(fail, ceiling);
  if (upper === Infinity) {
    // Still ramping: the next planned level above everything tried so far.
    const top = Math.max(pass, ...undecided);
    const next = ramp.find((level) => level > top);
    return next === undefined ? { done: true, reason: 'max-reached' } : at(next, 'ramp');
  }
  // No pass, a fail above, and the lowest level tried too close to call: the capacity lies near that
  // level, below the fail. Probe below it (as far below as the fail is above, geometrically), so the
  // search can still bracket it, rather than ending with no answer.
  if (pass === -Infinity && fail <= ceiling && plan.refine !== undefined && plan.refine > 0) {
    const probe = probeBelow(plan, history, undecided, fail);
    if (probe !== undefined) return at(probe, 'refine');
  }
  // No pass below the bound (the first step failed, or could not be driven) → nothing to bisect.
  if (pass === -Infinity || pass >= upper) return { done: true, reason: bounded };
  const bracket: LevelBracket = { low: pass, high: fail === Infinity ? null : fail };
  const precise = (upper - pass) / pass <= (plan.refine ?? 0) && (plan.decided?.(bracket) ?? true);
  if (plan.refine === undefined || !(plan.refine > 0) || precise) return { done: true, reason: bounded };
  // Split the bracket at the undecided levels and bisect the widest part.
  const points = [pass, ...undecided, upper];
  let a = points[0]!;
  let b = points[1]!;
  for (let i = 2; i < points.length; i++) {
    if ((points[i]! - points[i - 1]!) / points[i - 1]! > (b - a) / a) {
      a = points[i - 1]!;
      b = points[i]!;
    }
  }
  if ((b - a) / a <= MIN_GAP) return { done: true, reason: bounded };
  // Undecided levels split the bracket: once every part is within refine, probing them again adds
  // nothing (they lie where the SLO is too close to its limit to tell, which is the capacity).
  if (undecided.length > 0 && (b - a) / a <= plan.refine && (plan.decided?.(bracket) ?? true)) return { done: true, reason: bounded };
  // A gate still undecided: probe the level that would decide it, rather than the middle (a gate's
  // question is one level, not the capacity to the last percent).
  const probe = gateProbe(plan, history, pass, upper, bracket);
  if (probe !== undefined) return at(probe, 'refine');
  const mid = roundLevel(plan.unit, (a + b) / 2);
  // Rounding can land on a bound when they are one unit apart: the bracket is as tight as levels go.
  if (mid <= a || mid >= b) return { done: true, reason: bounded };
  return at(mid, 'refine');
}

/**
 * Generate mode, no pass yet: when the lowest level tried is undecided (and below the lowest fail), the level
 * as far below it as the next level tried is above it (lowest² / next: the fail, at first), rounded; undefined when the lowest level
 * tried is not undecided (a fail or a spoilt step there ends the search), or the probe would not be
 * a new level above 0.
 */
function probeBelow(plan: PlanSpec, history: readonly PlanHistoryEntry[], undecided: readonly number[], fail: number): number | undefined {
  const lowestTried = Math.min(...history.map((h) => h.level));
  if (plan.unit !== 'rps' || undecided.length === 0 || undecided[0] !== lowestTried || !(fail > lowestTried)) return undefined;
  // Mirror the gap to the next level tried above it (the fail, or an undecided probe's predecessor).
  const above = Math.min(...history.map((h) => h.level).filter((l) => l > lowestTried));
  const probe = roundLevel(plan.unit, (lowestTried * lowestTried) / above);
  return probe > 0 && probe < lowestTried ? probe : undefined;
}

/**
 * The first gate target strictly inside (pass, upper) not tried yet, rounded toward the side that
 * decides (down for a fail that must be at or below it, up for a pass that must be at or above it);
 * undefined when the gate is decided, there is none, or the rounding lands on a bound.
 */
function gateProbe(plan: PlanSpec, history: readonly PlanHistoryEntry[], pass: number, upper: number, bracket: LevelBracket): number | undefined {
  if (!plan.targets || plan.targets.length === 0 || (plan.decided?.(bracket) ?? true)) return undefined;
  const tried = new Set(history.map((h) => h.level));
  return targetLevels(plan).find((level) => level > pass && level < upper && !tried.has(level));
}

/** The gate targets as levels the plan can run, in order, each rounded toward the side that decides. */
function targetLevels(plan: PlanSpec): number[] {
  return (plan.targets ?? []).map((t) => roundLevel(plan.unit, targetLevel(t, plan.unit)));
}

/** A gate is waiting on this bracket (pass and fail as readHistory gives them). */
function gatePending(plan: PlanSpec, pass: number, fail: number): boolean {
  if (!plan.decided || !plan.targets || plan.targets.length === 0) return false;
  return !plan.decided({ low: pass === -Infinity ? null : pass, high: fail === Infinity ? null : fail });
}

/**
 * What the SLOs ask of the step length, for `plan` and `validate`: the arrivals a judged window needs
 * to show them met, which ramp levels get stretched for it, and which stay too short even at
 * MAX_STRETCH (their steps will be inconclusive: lengthen load.step_duration or start higher).
 * Nothing when every step is long enough. `label` names the levels' unit (scenario/level-unit.ts:
 * "sessions/s" with `traffic.sessions`). `need` (step-need.ts) says what the arrivals stand for when
 * they are not one request each of what the rule reads: `p99{read}` on a step 0.3 of the sessions
 * run needs ≥ 381 `read` requests, so ≥ 1270 sessions.
 */
export function stepLengthNotes(plan: PlanSpec, why: string, label = 'rps', need?: Pick<RuleNeed, 'samples' | 'perArrival' | 'request'>): { stretched?: string; tooShort?: string } {
  const arrivals = plan.samplesToProve ?? 0;
  if (!(arrivals > 0) || plan.unit !== 'rps') return {};
  const judgedMs = plan.stepDurationMs - (plan.warmupMs ?? 0);
  const ramp = plannedRamp(plan);
  const short = ramp.filter((l) => (l * judgedMs) / 1000 < arrivals);
  if (short.length === 0) return {};
  const maxJudgedMs = plan.stepDurationMs * MAX_STRETCH - (plan.warmupMs ?? 0);
  const tooShort = short.filter((l) => (l * maxJudgedMs) / 1000 < arrivals);
  const s = (ms: number): string => `${Math.round(ms / 100) / 10}s`;
  const notes: { stretched?: string; tooShort?: string } = {
    stretched: `step length: ${why} needs ${needWords(arrivals, label, need)} in a judged window to be shown met; ` +
      `${short.length} ramp step${short.length === 1 ? '' : 's'} below ${Math.ceil((arrivals * 1000) / judgedMs)} ${label} ` +
      `${short.length === 1 ? 'is' : 'are'} stretched (up to ${MAX_STRETCH}× load.step_duration) to hold them`,
  };
  if (tooShort.length > 0) {
    const lowest = Math.min(...tooShort);
    const wantMs = Math.ceil((arrivals / lowest) * 1000) + (plan.warmupMs ?? 0);
    notes.tooShort =
      `step length: even stretched, step${tooShort.length === 1 ? '' : 's'} at ${tooShort.join(', ')} ${label} cannot show it: judged inconclusive, the ramp goes on past ${tooShort.length === 1 ? 'it' : 'them'}; ` +
        `a load.step_duration of ≥ ${s(wantMs / MAX_STRETCH)} (or load.start ≥ ${Math.ceil((arrivals * 1000) / maxJudgedMs)} ${label}) would`;
  }
  return notes;
}

/** A judged window shorter than this cannot see a limit that builds up slowly (shortStepNote). */
export const SHORT_JUDGED_MS = 10_000;

/**
 * For `plan`: steps whose judged window is under SHORT_JUDGED_MS, generating load. A limit that
 * builds up over seconds — a rate limiter's burst (nginx `burst=50` absorbs a 3% excess for about
 * 4 s), a queue just past its capacity, each step starting on an idle service — can look healthy
 * for a whole short window. Measured with 5 s steps (4 s judged): real passes 3% above a limiter's
 * capacity and 8% above HAProxy `maxconn 8`'s; none with the default 30 s steps.
 */
export function shortStepNote(plan: Pick<PlanSpec, 'stepDurationMs' | 'warmupMs'>): string | undefined {
  const judgedMs = plan.stepDurationMs - (plan.warmupMs ?? 0);
  if (judgedMs >= SHORT_JUDGED_MS) return undefined;
  const s = `${Math.round(judgedMs / 100) / 10}s`;
  return (
    `step length: each step is judged on ${s}: a limit that builds up over seconds (a rate limiter's burst, a queue just past its capacity) ` +
    `can stay hidden that long, so a level just above the capacity can pass (on real nginx and HAProxy, 5s steps passed levels 3–8% above it; the default 30s steps did not)`
  );
}

/**
 * "≥ 381 requests"; when the arrivals are not one request each of what the rule reads,
 * "≥ 381 'read' requests (0.3 per session: ≥ 1270 sessions)".
 */
function needWords(arrivals: number, label: string, need: Pick<RuleNeed, 'samples' | 'perArrival' | 'request'> | undefined): string {
  if (!need || (need.perArrival === 1 && label !== 'sessions/s')) return `≥ ${arrivals} requests`;
  const what = `≥ ${need.samples} ${need.request !== undefined ? `'${need.request}' ` : ''}requests`;
  const per = Math.round(need.perArrival * 100) / 100;
  return label === 'sessions/s'
    ? `${what} (${per} per session, by session weight: ≥ ${arrivals} sessions)`
    : `${what} (${per} of the requests sent, by weight: ≥ ${arrivals} requests)`;
}
