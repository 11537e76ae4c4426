// The answer of a run: from the steps that ran (and why the run stopped) to the maximum servable load,
// what limited it, how precisely it is known, and one line a human reads first. Pure.
// The capacity is a tested level, never a measured rate: the highest level that passed and the lowest
// that failed bracket it (the truth lies in [pass, fail)); a Poisson draw's offered rate and the
// achieved rate are shown beside it, not in its place. Inconclusive steps bound nothing.
import type { Capacity, StepResult, StopReason } from '../result.js';
import { levelUnitOf, loadLabel, type LevelUnit } from '../scenario/level-unit.js';
import { findBottleneck, type BottleneckRules, type BottleneckStep } from './bottleneck.js';
import { adviceToDecide, fmtSeconds, undecidedLevels, type UndecidedStep } from './undecided-levels.js';

/** The step fields capacity reads (a StepResult satisfies it). */
export type CapacityStep = Pick<StepResult, 'level' | 'load' | 'verdict' | 'breaches' | 'inconclusiveReasons' | 'partial'> &
  Partial<Pick<StepResult, 'achievedRps' | 'metrics' | 'services' | 'inconclusiveKind' | 'index' | 'durationMs' | 'samplesNeeded' | 'pooledWith'>>;

export interface CapacityContext {
  stopReason: StopReason;
  levelUnit: 'rps' | 'share';
  /** load.max of the plan (plan units), for the above-max line. */
  max: number;
  mode: 'generate' | 'shift';
  /** Generate mode with `traffic.sessions`: levels are sessions/s. */
  sessions?: boolean;
  /** With `services:`: every party's rules, to name the bottleneck and each rule's headroom (bottleneck.ts). */
  rules?: BottleneckRules;
  /**
   * The plan's step length and warm-up (ms): with them, a found capacity whose bracket holds levels
   * too close to call says what step length would decide the lowest (undecided-levels.ts).
   */
  steps?: { stepDurationMs: number; warmupMs: number };
}

/** Requests/s as people write them: 812, 1.5k is not used (precision matters here), 12.5 below 100. */
export function formatRps(rps: number): string {
  if (!Number.isFinite(rps)) return String(rps);
  return rps >= 100 ? String(Math.round(rps)) : String(Math.round(rps * 10) / 10);
}

function formatLevel(step: CapacityStep, unit: LevelUnit): string {
  if (unit !== 'share') return `${formatRps(step.load)} ${loadLabel(unit)}`;
  return `${formatRps(step.load)} rps (${step.level}x fair share)`;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

export function computeCapacity(steps: readonly CapacityStep[], given: CapacityContext): Capacity {
  // Only how levels are written differs with sessions (the capacity is still the level that passed).
  const ctx = { ...given, levelUnit: levelUnitOf({ unit: given.levelUnit }, given.sessions === true) };
  // A partial step that passed never happens (verdict.ts makes it inconclusive), but be explicit.
  const fails = steps.filter((s) => s.verdict === 'fail');
  const best = highestPass(steps);
  const firstFail = fails.reduce<CapacityStep | undefined>((a, s) => (a === undefined || s.level < a.level ? s : a), undefined);

  const base: Omit<Capacity, 'verdict' | 'summary'> = {
    maxServableLoad: best ? best.load : null,
    level: best ? best.level : null,
    unit: 'rps',
    levelUnit: given.levelUnit,
    limitedBy: firstFail ? unique(firstFail.breaches.map((b) => b.slo)) : [],
    resolution: best && firstFail && best.load > 0 ? (firstFail.load - best.load) / best.load : null,
    firstFailingLoad: firstFail ? firstFail.load : null,
    bracket: { low: best ? best.load : null, high: firstFail ? firstFail.load : null },
    ...(best?.achievedRps !== undefined ? { achievedRps: best.achievedRps } : {}),
  };
  let who = '';
  if (given.rules && given.rules.services.length > 0) {
    const b = findBottleneck(steps.map((s): BottleneckStep => ({ ...s, metrics: s.metrics ?? {} })), given.rules);
    base.limitedBy = b.limitedBy;
    base.headroom = b.headroom;
    if (b.bottleneck !== undefined) {
      base.bottleneck = b.bottleneck;
      base.alsoBroke = b.alsoBroke;
      who = ` (bottleneck: ${b.bottleneck}${b.alsoBroke.length > 0 ? `; ${b.alsoBroke.join(', ')} broke at the same step` : ''})`;
    }
  }
  const limited = base.limitedBy.length > 0 ? `, limited by ${base.limitedBy.join(', ')}${who}` : '';

  if (best && firstFail) {
    // The truth lies in [pass, fail): say where the failing level is, not a symmetric ±.
    const pm = base.resolution !== null ? ` (${formatRps(firstFail.load)} failed: +${Math.max(1, Math.round(base.resolution * 100))}%)` : '';
    const undecided = undecidedInBracket(steps, best, firstFail, ctx);
    return { ...base, ...(undecided ? { undecided } : {}), verdict: 'found', summary: `max servable load: ${formatLevel(best, ctx.levelUnit)}${pm}${limited}` };
  }
  if (firstFail) {
    // No level passed. Below-start means the lowest level measured failed; when levels below the
    // failing one were inconclusive (too close to call, or spoilt) nothing says the service cannot
    // serve them: no answer, and the failing level is only an upper bound.
    const below = steps.filter((s) => s.verdict === 'inconclusive' && !s.partial && s.level < firstFail.level);
    if (below.length > 0) {
      const ceiling = `; ${formatLevel(firstFail, ctx.levelUnit)} failed (${base.limitedBy.join(', ') || 'its SLOs'})`;
      return { ...base, verdict: 'inconclusive', summary: `no trustworthy answer: ${whyInconclusive(below, undefined, ctx)}${ceiling}` };
    }
    return {
      ...base,
      verdict: 'below-start',
      summary: `max servable load: < ${formatLevel(firstFail, ctx.levelUnit)} (the first step already breached ${base.limitedBy.join(', ') || 'its SLOs'}; lower load.start)`,
    };
  }
  // The ramp reached load.max, but the levels above the last pass (or every level) stayed
  // inconclusive: "every step up to the plan's max passed" would not be true, and a run that decided
  // nothing has no answer — it is inconclusive, with what would decide it.
  const unsettledToMax = ctx.stopReason === 'max-reached' && steps.some((s) => s.verdict === 'inconclusive' && (!best || s.level > best.level));
  if (ctx.stopReason === 'inconclusive' || unsettledToMax) {
    const floor = best ? `; at least ${formatLevel(best, ctx.levelUnit)} passed` : '';
    return { ...base, verdict: 'inconclusive', summary: `no trustworthy answer: ${whyInconclusive(steps, best, ctx)}${floor}` };
  }
  if (best && ctx.stopReason === 'max-reached') {
    return {
      ...base,
      verdict: 'above-max',
      summary: `max servable load: ≥ ${formatLevel(best, ctx.levelUnit)} (every step up to the plan's max passed)`,
    };
  }
  const why =
    ctx.stopReason === 'interrupted'
      ? 'the run was interrupted'
      : ctx.stopReason === 'stopped'
        ? 'the run was stopped by `loadtest stop`'
      : ctx.stopReason === 'data-exhausted'
        ? 'a unique data feeder ran out'
        : ctx.stopReason === 'error' ? 'the run failed' : 'the run ended';
  const floor = best ? `; at least ${formatLevel(best, ctx.levelUnit)} passed` : ' before any step had a verdict';
  return { ...base, verdict: 'unknown', summary: `max servable load: unknown (${why}${floor})` };
}

/**
 * The levels between the highest pass and the lowest fail left too close to call: the truth may lie
 * above the answer, up to the failing level. With the plan's step length, what would decide the
 * lowest of them (the one that would raise the answer first). Generate mode: a shift-mode level is
 * a share of live traffic, its load what the step measured.
 */
function undecidedInBracket(steps: readonly CapacityStep[], best: CapacityStep, firstFail: CapacityStep, ctx: Omit<CapacityContext, 'levelUnit'> & { levelUnit: LevelUnit }): Capacity['undecided'] {
  if (ctx.mode !== 'generate') return undefined;
  const withIndex = steps.map((s, i): CapacityStep & UndecidedStep => ({ ...s, index: s.index ?? i, durationMs: s.durationMs ?? 0 }));
  const levels = undecidedLevels(withIndex, best.level, firstFail.level);
  if (levels.length === 0) return undefined;
  const L = loadLabel(ctx.levelUnit);
  const loads = levels.map((s) => s.load);
  const r = (x: number): string => formatRps(x);
  const list =
    loads.length === 1
      ? `${r(loads[0]!)} ${L} was`
      : loads.length === 2
        ? `${r(loads[0]!)} and ${r(loads[1]!)} ${L} were`
        : `${r(loads[0]!)}–${r(loads.at(-1)!)} ${L} (${loads.length} levels) were`;
  // Requests per arrival differ from one with sessions: the verdict's count is of requests.
  const advice = ctx.steps && !ctx.sessions ? adviceToDecide(levels[0]!, withIndex, ctx.steps) : undefined;
  const how = advice
    ? `: deciding ${r(advice.load)} ${L} takes ≈ ${Math.round(advice.requests)} requests (≈ ${fmtSeconds(advice.seconds)} at that rate; it was judged on ${fmtSeconds(advice.judgedSeconds)}), which a load.step_duration of about ${advice.stepDurationS}s would give it`
    : ': longer steps (load.step_duration) would decide them';
  const note = `${list} too close to call, so the capacity may lie anywhere in [${r(best.load)}, ${r(firstFail.load)}) ${L}${how}`;
  return { loads, note, ...(advice ? { decideWith: { load: advice.load, requests: advice.requests, stepDurationS: advice.stepDurationS } } : {}) };
}

/**
 * The inconclusive step an inconclusive run stopped on: the lowest spoilt one above the last pass
 * (the generator, metrics, a backlog), else the lowest merely undecided one. A step without a kind
 * (older reports) counts as spoilt.
 */
export function stoppingStep<S extends CapacityStep>(steps: readonly S[], best = highestPass(steps)): S | undefined {
  const above = steps.filter((s) => s.verdict === 'inconclusive' && (!best || s.level > best.level));
  const lowest = (xs: S[]) => xs.reduce<S | undefined>((a, s) => (a === undefined || s.level < a.level ? s : a), undefined);
  return lowest(above.filter((s) => s.inconclusiveKind !== 'undecided')) ?? lowest(above);
}

function highestPass<S extends CapacityStep>(steps: readonly S[]): S | undefined {
  return steps.filter((s) => s.verdict === 'pass' && !s.partial).reduce<S | undefined>((a, s) => (a === undefined || s.level > a.level ? s : a), undefined);
}

/**
 * Why a run ended without an answer, naming the step that stopped the search. Steps above the last
 * pass were inconclusive for one of two reasons, and they call for different remedies: the evidence
 * was spoilt ('limited': the generator fell behind, metrics were missing, a backlog) — the step to
 * name, even when a lower level was merely too close to call — or it was too thin to decide
 * ('undecided': near the limit, the step was too short).
 */
function whyInconclusive(steps: readonly CapacityStep[], best: CapacityStep | undefined, ctx: Pick<CapacityContext, 'mode'> & { levelUnit: LevelUnit }): string {
  const bad = stoppingStep(steps, best);
  const at = bad ? formatLevel(bad, ctx.levelUnit) : 'the last step';
  const why = bad && bad.inconclusiveReasons.length > 0 ? ` (${bad.inconclusiveReasons.join('; ')})` : '';
  if (bad?.inconclusiveKind === 'undecided') {
    return `at ${at} the SLOs were too close to call${why}: use longer steps (load.step_duration), or a coarser load.refine`;
  }
  if (ctx.mode !== 'generate') {
    return `the live metrics could not judge ${at}${why}: use longer steps (load.step_duration) or windows, or a metrics source with more samples`;
  }
  if (bad && !bad.inconclusiveReasons.some((r) => r.startsWith('generator limited'))) {
    return `the step at ${at} could not be judged${why}: see its reasons; a re-run, or longer steps, may decide it`;
  }
  return (
    `the load generator, not the service, was the limit at ${at}${why}: ` +
    'run loadtest on a bigger or less busy machine, raise traffic.workers or traffic.connections, or lower load.max'
  );
}
