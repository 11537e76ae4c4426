// Levels a run could not decide, and what would decide one. Pure.
//
// Near the limit the SLOs' bad requests come in runs (a queue's excursions, a rate limiter's bucket):
// a step then holds far fewer independent readings than requests, and a level just under the truth
// stays too close to call (step-verdict.ts 'undecided'). The answer remains the highest level that
// passed; the levels above it left undecided are why its bracket is wide. A user asks two things of
// them: how far up the truth may be, and how long a step would settle the nearest one. The step
// length is the one a run needs, not a guess: the requests the verdict said it needed at that
// level's burstiness, over the time that level was judged (its re-runs pooled).
import type { StepResult } from '../result.js';

/** The step fields these read (a StepResult satisfies it). */
export type UndecidedStep = Pick<StepResult, 'index' | 'level' | 'load' | 'verdict' | 'durationMs'> &
  Partial<Pick<StepResult, 'inconclusiveKind' | 'samplesNeeded' | 'pooledWith' | 'partial'>>;

/** Room for the estimate of the requests needed (runs of bad requests make it rough). */
export const NEED_ROOM = 1.5;

/** What would decide an undecided level. */
export interface DecideAdvice {
  /** The level's load (requests/s, or sessions/s). */
  load: number;
  /** Requests its verdict said it needed (an estimate, at the burstiness it saw). */
  requests: number;
  /** Those requests at this load, seconds. */
  seconds: number;
  /** Seconds of judged window the run gave the level (its re-runs pooled). */
  judgedSeconds: number;
  /** A load.step_duration (s) whose judged window holds them, with NEED_ROOM to spare. */
  stepDurationS: number;
}

/**
 * The steps that speak for each level (the last at it: a re-run is judged pooled with the runs
 * before it) whose verdict was 'undecided', strictly between `low` and `high` (either may be null:
 * unbounded), in ascending load.
 */
export function undecidedLevels<S extends UndecidedStep>(steps: readonly S[], low: number | null, high: number | null): S[] {
  const last = new Map<number, S>();
  for (const s of steps) last.set(s.level, s);
  return [...last.values()]
    .filter((s) => s.verdict === 'inconclusive' && s.inconclusiveKind === 'undecided' && !s.partial)
    .filter((s) => (low === null || s.level > low) && (high === null || s.level < high))
    .sort((a, b) => a.load - b.load);
}

/**
 * The step length that would decide `step` (an undecided level): undefined without an estimate of
 * the requests it needs, without a load, or when the plan's steps are already long enough (then a
 * re-run, not a longer step, is what it lacked).
 */
export function adviceToDecide(step: UndecidedStep, steps: readonly UndecidedStep[], load: { stepDurationMs: number; warmupMs: number }): DecideAdvice | undefined {
  if (step.samplesNeeded === undefined || !(step.load > 0) || !Number.isFinite(step.samplesNeeded)) return undefined;
  const pooled = steps.filter((p) => step.pooledWith?.includes(p.index));
  const judgedSeconds = [step, ...pooled].reduce((a, p) => a + p.durationMs, 0) / 1000;
  if (!(judgedSeconds > 0)) return undefined;
  const seconds = step.samplesNeeded / step.load;
  const longer = (NEED_ROOM * seconds) / judgedSeconds;
  const stepDurationS = Math.ceil(((load.stepDurationMs - load.warmupMs) * longer + load.warmupMs) / 1000);
  if (!(stepDurationS * 1000 > load.stepDurationMs)) return undefined;
  return { load: step.load, requests: step.samplesNeeded, seconds, judgedSeconds, stepDurationS };
}

/** "4.2 s", "94 s". */
export const fmtSeconds = (s: number): string => `${s < 10 ? Math.round(s * 10) / 10 : Math.round(s)} s`;

/** "363 rps was too close to call after 4 s judged — deciding it takes ≈ 34277 requests (≈ 94 s at that rate): a load.step_duration of about 142s would give it that". */
export function describeAdvice(a: DecideAdvice, loadText: string): string {
  return (
    `${loadText} was too close to call after ${fmtSeconds(a.judgedSeconds)} judged — deciding it takes ≈ ${Math.round(a.requests)} requests ` +
    `(≈ ${fmtSeconds(a.seconds)} at that rate): a load.step_duration of about ${a.stepDurationS}s would give it that`
  );
}
