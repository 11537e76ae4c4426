import { describe, expect, it } from 'vitest';
import {
  EXTRA_STEPS,
  MAX_STRETCH,
  maxRefineSteps,
  nextStep,
  plannedRamp,
  stepDurationFor,
  stepLengthNotes,
  worstCaseDurationMs,
  worstCaseDrainMs,
  worstCaseSteps,
  type PlanHistoryEntry,
  type PlanSpec,
} from '../../src/controller/step-plan.js';
import type { StepVerdict } from '../../src/slo/slo.js';

const plan = (p: Partial<PlanSpec>): PlanSpec => ({ unit: 'rps', start: 100, step: 100, max: 1000, stepDurationMs: 1000, ...p });

type Outcome = StepVerdict | 'undecided';

/** Runs the plan against a service whose verdict is a function of the level; returns the levels tried. */
function simulate(p: PlanSpec, verdictAt: (level: number) => Outcome): { levels: number[]; reason: string; durations: number[] } {
  const history: PlanHistoryEntry[] = [];
  const durations: number[] = [];
  for (let i = 0; i < 100; i++) {
    const next = nextStep(p, history);
    if ('done' in next) return { levels: history.map((h) => h.level), reason: next.reason, durations };
    const v = verdictAt(next.level);
    durations.push(next.durationMs);
    history.push(v === 'undecided' ? { level: next.level, verdict: 'inconclusive', kind: 'undecided' } : { level: next.level, verdict: v });
  }
  throw new Error('plan did not end');
}

/** The bracket a finished history states: highest pass, lowest fail. */
function bracketOf(levels: number[], verdictAt: (level: number) => Outcome): [number, number] {
  const pass = Math.max(...levels.filter((l) => verdictAt(l) === 'pass'));
  const fail = Math.min(...levels.filter((l) => verdictAt(l) === 'fail'));
  return [pass, fail];
}

describe('plannedRamp', () => {
  it.each([
    ['additive', plan({ start: 100, step: 100, max: 500 }), [100, 200, 300, 400, 500]],
    ['additive overshoot ends exactly at max', plan({ start: 100, step: 150, max: 500 }), [100, 250, 400, 500]],
    ['geometric', plan({ start: 100, step: undefined, factor: 2, max: 800 }), [100, 200, 400, 800]],
    ['geometric overshoot ends exactly at max', plan({ start: 100, step: undefined, factor: 2, max: 1000 }), [100, 200, 400, 800, 1000]],
    ['geometric rounds to whole rps', plan({ start: 100, step: undefined, factor: 1.5, max: 400 }), [100, 150, 225, 338, 400]],
    ['start equals max', plan({ start: 300, step: 100, max: 300 }), [300]],
    ['share unit keeps hundredths', plan({ unit: 'share', start: 1, step: 0.25, max: 2 }), [1, 1.25, 1.5, 1.75, 2]],
    ['below 10 rps keeps tenths', plan({ start: 0.5, step: undefined, factor: 2, max: 12 }), [0.5, 1, 2, 4, 8, 12]],
    ['geometric from 0.3 rps', plan({ start: 0.3, step: undefined, factor: 1.5, max: 1 }), [0.3, 0.5, 0.7, 1]],
  ])('%s', (_name, p, expected) => {
    expect(plannedRamp(p)).toEqual(expected);
  });
});

describe('nextStep', () => {
  it('starts at start', () => {
    expect(nextStep(plan({}), [])).toEqual({ level: 100, phase: 'ramp', durationMs: 1000 });
  });

  it.each<[string, PlanSpec, number, number[], string]>([
    // capacity 812, no refinement: stop at the first fail
    ['ramp stops at the first fail', plan({ max: 2000 }), 812, [100, 200, 300, 400, 500, 600, 700, 800, 900], 'slo-breach'],
    // refine 5%: bisect 800..900 → 850 (fail) → 825 (fail) → gap 25/800 = 3.1% ≤ 5%, done
    ['refine bisects to ±5%', plan({ max: 2000, refine: 0.05 }), 812, [100, 200, 300, 400, 500, 600, 700, 800, 900, 850, 825], 'slo-breach'],
    // refine 1%: … 825 (fail) → 813 (fail) → 807 (pass) → 6/807 = 0.7%
    ['refine bisects to ±1%', plan({ max: 2000, refine: 0.01 }), 812, [100, 200, 300, 400, 500, 600, 700, 800, 900, 850, 825, 813, 807], 'slo-breach'],
    ['geometric + refine 10%', plan({ step: undefined, factor: 2, max: 3200, refine: 0.1 }), 812, [100, 200, 400, 800, 1600, 1200, 1000, 900, 850], 'slo-breach'],
    ['every step passes → max-reached', plan({ max: 500 }), 10_000, [100, 200, 300, 400, 500], 'max-reached'],
    ['fail at the start → done, nothing to bisect', plan({ refine: 0.05 }), 50, [100], 'slo-breach'],
  ])('%s', (_name, p, capacity, levels, reason) => {
    const run = simulate(p, (level) => (level <= capacity ? 'pass' : 'fail'));
    expect(run.levels).toEqual(levels);
    expect(run.reason).toBe(reason);
  });

  it('retries a limited step once; it then caps the search, which bisects below it and ends inconclusive', () => {
    expect(simulate(plan({}), (l) => (l < 300 ? 'pass' : 'inconclusive'))).toMatchObject({ levels: [100, 200, 300, 300], reason: 'inconclusive' });
    const run = simulate(plan({ refine: 0.05 }), (l) => (l < 300 ? 'pass' : 'inconclusive'));
    expect(run.levels.slice(0, 5)).toEqual([100, 200, 300, 300, 250]);
    expect(run.reason).toBe('inconclusive');
    // never above the level it could not drive; the floor closes in on it
    expect(Math.max(...run.levels)).toBe(300);
    expect(Math.max(...run.levels.filter((l) => l < 300))).toBeGreaterThanOrEqual(286);
    expect(simulate(plan({ inconclusiveRetries: 0 }), (l) => (l < 300 ? 'pass' : 'inconclusive')).levels).toEqual([100, 200, 300]);
  });

  it('a limited level above a fail does not hide the bracket', () => {
    // capacity 460, but 450 could not be driven
    const at = (l: number): Outcome => (l === 450 ? 'inconclusive' : l <= 460 ? 'pass' : 'fail');
    const run = simulate(plan({ refine: 0.01 }), at);
    expect(run.levels).toEqual([100, 200, 300, 400, 500, 450, 450, 425, 438, 444, 447]);
    // the search bisects below it and says so; the bracket [447, 500) still holds the truth
    expect(run.reason).toBe('inconclusive');
  });

  it('an undecided step is re-run twice as long; if it stays undecided the search goes on around it', () => {
    // capacity 812; levels within ±1% of it cannot be told apart
    const at = (l: number): Outcome => (Math.abs(l - 812) / 812 <= 0.01 ? 'undecided' : l <= 812 ? 'pass' : 'fail');
    for (const p of [plan({ max: 2000, refine: 0.05 }), plan({ max: 2000, refine: 0.01 }), plan({ step: undefined, factor: 1.5, max: 3000, refine: 0.02 })]) {
      const run = simulate(p, at);
      expect(run.reason).toBe('slo-breach');
      const [pass, fail] = bracketOf(run.levels, at);
      expect(pass).toBeLessThanOrEqual(812);
      expect(fail).toBeGreaterThan(812);
      expect(run.levels.length).toBeLessThanOrEqual(worstCaseSteps(p));
    }
    const run = simulate(plan({ max: 2000, refine: 0.01 }), at);
    const i = run.levels.findIndex((l) => at(l) === 'undecided');
    expect(run.levels[i + 1]).toBe(run.levels[i]);
    expect(run.durations[i + 1]).toBe(2 * run.durations[i]!);
  });

  it('an undecided start and a failing next level: the search probes below the start and brackets the capacity', () => {
    // capacity 105: the start (100) is too close to call, 200 fails; 50 = 100² / 200 passes
    const at = (l: number): Outcome => (Math.abs(l - 105) / 105 <= 0.06 ? 'undecided' : l <= 105 ? 'pass' : 'fail');
    const run = simulate(plan({ refine: 0.05 }), at);
    expect(run.levels.slice(0, 5)).toEqual([100, 100, 200, 50, 75]);
    expect(run.reason).toBe('slo-breach');
    const [pass, fail] = bracketOf(run.levels, at);
    expect(pass).toBeLessThanOrEqual(105);
    expect(fail).toBeGreaterThan(105);
    // geometric: 50 undecided, 75 fails → 33
    expect(nextStep(plan({ start: 50, step: undefined, factor: 1.5, refine: 0.1 }), [
      { level: 50, verdict: 'inconclusive', kind: 'undecided' },
      { level: 50, verdict: 'inconclusive', kind: 'undecided' },
      { level: 75, verdict: 'fail' },
    ])).toEqual({ level: 33, phase: 'refine', durationMs: 1000 });
    // a probe itself too close to call: the next one below by the same ratio (50 → 25), not 50² / 200
    expect(nextStep(plan({ refine: 0.05 }), [
      { level: 100, verdict: 'inconclusive', kind: 'undecided' },
      { level: 200, verdict: 'fail' },
      { level: 50, verdict: 'inconclusive', kind: 'undecided' },
      { level: 50, verdict: 'inconclusive', kind: 'undecided' },
    ])).toMatchObject({ level: 25, phase: 'refine' });
  });

  it.each<[string, Partial<PlanSpec>, PlanHistoryEntry[]]>([
    ['the start failed', { refine: 0.05 }, [{ level: 100, verdict: 'fail' }]],
    ['the start could not be driven (spoilt, not undecided)', { refine: 0.05 }, [{ level: 100, verdict: 'inconclusive' }, { level: 100, verdict: 'inconclusive' }, { level: 200, verdict: 'fail' }]],
    ['no refine asked', {}, [{ level: 100, verdict: 'inconclusive', kind: 'undecided' }, { level: 100, verdict: 'inconclusive', kind: 'undecided' }, { level: 200, verdict: 'fail' }]],
    ['shift mode (levels are shares of live traffic)', { unit: 'share', start: 1, step: 0.5, max: 3, refine: 0.05 }, [{ level: 1, verdict: 'inconclusive', kind: 'undecided' }, { level: 1, verdict: 'inconclusive', kind: 'undecided' }, { level: 1.5, verdict: 'fail' }]],
  ])('no probe below the start: %s', (_name, p, history) => {
    expect(nextStep(plan(p), history)).toMatchObject({ done: true });
  });

  it('an undecided level in the ramp does not stop the ramp', () => {
    const at = (l: number): Outcome => (l === 300 ? 'undecided' : l <= 650 ? 'pass' : 'fail');
    expect(simulate(plan({}), at).levels).toEqual([100, 200, 300, 300, 400, 500, 600, 700]);
  });

  it('a retried step that then passes (or fails) continues the search as if nothing happened', () => {
    const h: PlanHistoryEntry[] = [
      { level: 100, verdict: 'pass' },
      { level: 200, verdict: 'inconclusive' },
    ];
    expect(nextStep(plan({}), h)).toMatchObject({ level: 200, phase: 'ramp' });
    expect(nextStep(plan({}), [...h, { level: 200, verdict: 'pass' }])).toMatchObject({ level: 300, phase: 'ramp' });
    const r = [...h, { level: 200, verdict: 'fail' as const }, { level: 150, verdict: 'inconclusive' as const }];
    expect(nextStep(plan({ refine: 0.05 }), r)).toMatchObject({ level: 150, phase: 'refine' });
    expect(nextStep(plan({ refine: 0.05 }), [...r, { level: 150, verdict: 'pass' }])).toMatchObject({ level: 175, phase: 'refine' });
  });

  it('refines past load.refine until `decided` says the bracket answers the gate', () => {
    const at = (l: number): Outcome => (l <= 812 ? 'pass' : 'fail');
    const plain = simulate(plan({ max: 2000, refine: 0.05 }), at);
    const gated = simulate(plan({ max: 2000, refine: 0.05, decided: (b) => b.high !== null && b.low !== null && (b.high - b.low) / b.low <= 0.01 }), at);
    expect(gated.levels.length).toBeGreaterThan(plain.levels.length);
    const [pass, fail] = bracketOf(gated.levels, at);
    expect((fail - pass) / pass).toBeLessThanOrEqual(0.01);
  });

  it('a gate still undecided probes the level that decides it (targets) instead of the middle', () => {
    // Baseline bracket [400, 416), --max-regression 10%: a fail at or below 360 is a regression, a
    // pass at or above 374.4 is within the tolerance. This service's capacity is 339.
    const decided = (b: { low: number | null; high: number | null }) =>
      (b.high !== null && b.high <= 360) || (b.low !== null && b.low >= 374.4);
    const targets = [
      { level: 360, decides: 'fail-at-or-below' as const },
      { level: 374.4, decides: 'pass-at-or-above' as const },
    ];
    const at = (l: number): Outcome => (l <= 339 ? 'pass' : Math.abs(l - 339) / 339 <= 0.03 ? 'undecided' : 'fail');
    const p = plan({ start: 50, factor: 1.5, step: undefined, max: 2000, refine: 0.025, decided });
    const plain = simulate(p, at);
    const probed = simulate({ ...p, targets }, at);
    // The ramp went 50, 75, 113, 169, 253, 380 (fail); bisection would try 317 next …
    expect(plain.levels.slice(0, 7)).toEqual([50, 75, 113, 169, 253, 380, 317]);
    // … the probe goes straight to 360, and that fail decides the gate (the run still refines to load.refine).
    expect(probed.levels.slice(0, 7)).toEqual([50, 75, 113, 169, 253, 380, 360]);
    const [, fail] = bracketOf(probed.levels, at);
    expect(fail).toBeLessThanOrEqual(360);
    // A service of capacity 378: 360 passes (not decided yet), then 375 — 374.4 rounded up, toward
    // the side that decides — passes and decides the gate.
    const same = (l: number): Outcome => (l <= 378 ? 'pass' : 'fail');
    expect(simulate({ ...p, targets }, same).levels.slice(6, 8)).toEqual([360, 375]);
    // A decided gate, or no target inside the bracket: plain bisection.
    expect(simulate({ ...p, targets: [{ level: 5000, decides: 'fail-at-or-below' }] }, at).levels).toEqual(plain.levels);
  });

  it('an undecided level that would decide a pending gate gets one more, longer look (GATE_RETRIES)', () => {
    const decided = (b: { low: number | null; high: number | null }) => (b.high !== null && b.high <= 360) || (b.low !== null && b.low >= 374.4);
    const targets = [
      { level: 360, decides: 'fail-at-or-below' as const },
      { level: 374.4, decides: 'pass-at-or-above' as const },
    ];
    // 360 stays undecided however long it runs (capacity ≈ 358).
    const at = (l: number): Outcome => (l <= 350 ? 'pass' : l < 370 ? 'undecided' : 'fail');
    const p = plan({ start: 50, factor: 1.5, step: undefined, max: 2000, refine: 0.025, decided, stepDurationMs: 1000 });
    const gated = simulate({ ...p, targets }, at);
    // 360 is run three times: 1×, 2×, 4× the step (the last two pooled with it), then the search goes around it.
    expect(gated.levels.slice(6, 9)).toEqual([360, 360, 360]);
    expect(gated.durations.slice(6, 9)).toEqual([1000, 2000, 4000]);
    expect(gated.levels[9]).not.toBe(360);
    // Without the gate, or at a level that decides nothing, one re-run as before.
    const plain = simulate(p, at);
    expect(plain.levels.filter((l) => l === 360).length).toBeLessThanOrEqual(2);
    const other = simulate({ ...p, targets: [{ level: 5000, decides: 'fail-at-or-below' as const }] }, at);
    for (const l of new Set(other.levels)) expect(other.levels.filter((x) => x === l).length).toBeLessThanOrEqual(2);
    // Hopeless (needing far more requests than the re-runs add): 6× the step's requests is worth
    // the gate's 2× + 4× re-runs, not a plain level's single 2×; 9× is not worth either.
    const withShortfall = (p2: PlanSpec, shortfall: number) => {
      const history: PlanHistoryEntry[] = [];
      for (let i = 0; i < 100; i++) {
        const next = nextStep(p2, history);
        if ('done' in next) return history.map((h) => h.level);
        const v = at(next.level);
        history.push(v === 'undecided' ? { level: next.level, verdict: 'inconclusive', kind: 'undecided', shortfall: shortfall / 2 ** history.filter((h) => h.level === next.level).length } : { level: next.level, verdict: v });
      }
      throw new Error('plan did not end');
    };
    expect(withShortfall({ ...p, targets }, 6).filter((l) => l === 360)).toHaveLength(3);
    expect(withShortfall({ ...p, targets }, 9).filter((l) => l === 360)).toHaveLength(1);
    const plainShort = withShortfall(p, 6);
    for (const l of new Set(plainShort)) expect(plainShort.filter((x) => x === l)).toHaveLength(1);
    // A decided gate: no extra look.
    const decidedAlready = simulate({ ...p, decided: () => true, targets }, at);
    for (const l of new Set(decidedAlready.levels)) expect(decidedAlready.levels.filter((x) => x === l).length).toBeLessThanOrEqual(2);
  });

  it('stretches steps at low rates to hold the requests the SLOs need, up to MAX_STRETCH', () => {
    const p = plan({ start: 50, step: 50, max: 1000, samplesToProve: 381, warmupMs: 500 });
    expect(stepDurationFor(p, 1000)).toBe(1000);
    // 381 + 3√381 = 440 requests (a Poisson draw falls short of its mean by up to 3√n) at 200 rps = 2.2 s judged + 0.5 s warm-up
    expect(stepDurationFor(p, 200)).toBe(2700);
    expect(stepDurationFor(p, 50)).toBe(MAX_STRETCH * 1000);
    expect(nextStep(p, [])).toEqual({ level: 50, phase: 'ramp', durationMs: MAX_STRETCH * 1000 });
  });

  it('ends when rounding cannot split the bracket further', () => {
    // pass 10, fail 11: 10.5 rounds to 11 (or 10) — no level in between.
    const p = plan({ start: 10, step: 1, max: 20, refine: 0.001 });
    expect(nextStep(p, [{ level: 10, verdict: 'pass' }, { level: 11, verdict: 'fail' }])).toEqual({ done: true, reason: 'slo-breach' });
  });

  it('never leaves the bracket and always ends (any capacity, any plan)', () => {
    for (const capacity of [1, 99, 100, 101, 333, 812, 999, 1000, 5000]) {
      for (const p of [plan({ refine: 0.05 }), plan({ step: undefined, factor: 1.7, refine: 0.02 }), plan({ step: 37, refine: 0.2 })]) {
        const run = simulate(p, (l) => (l <= capacity ? 'pass' : 'fail'));
        expect(run.levels.length).toBeLessThanOrEqual(worstCaseSteps(p));
        const passes = run.levels.filter((l) => l <= capacity);
        const fails = run.levels.filter((l) => l > capacity);
        if (passes.length > 0 && fails.length > 0) {
          const gap = (Math.min(...fails) - Math.max(...passes)) / Math.max(...passes);
          expect(gap <= p.refine! || Math.min(...fails) - Math.max(...passes) <= 1).toBe(true);
        }
      }
    }
  });
});

describe('worst case', () => {
  it.each<[string, PlanSpec, number, number]>([
    // 10 ramp steps; the widest relative bracket is 100..200: 100/(0.05·100) = 20 → ceil(log2 20) = 5
    ['additive + refine 5%', plan({ refine: 0.05 }), 10, 5],
    ['no refine', plan({}), 10, 0],
    // 100,200,400,800,1000: gaps 100% → log2(1/0.1)=3.32 → 4
    ['geometric + refine 10%', plan({ step: undefined, factor: 2, refine: 0.1 }), 5, 4],
  ])('%s', (_name, p, ramp, refine) => {
    expect(plannedRamp(p)).toHaveLength(ramp);
    expect(maxRefineSteps(p)).toBe(refine);
    const extra = p.refine ? EXTRA_STEPS : 2;
    expect(worstCaseSteps(p)).toBe(ramp + refine + extra);
    expect(worstCaseDurationMs(p)).toBe((ramp + refine + extra) * p.stepDurationMs);
    // Between steps, a wait for a failed step's backlog to drain: at most the step's length.
    expect(worstCaseDrainMs(p)).toBe((ramp + refine + extra - 1) * p.stepDurationMs);
  });
});

describe('stepLengthNotes (plan, validate)', () => {
  it('says which steps are stretched and which stay too short', () => {
    const p = plan({ start: 10, step: undefined, factor: 2, max: 800, stepDurationMs: 5000, warmupMs: 1000, samplesToProve: 381 });
    expect(stepLengthNotes(p, 'p99 < 200ms')).toEqual({
      stretched: 'step length: p99 < 200ms needs ≥ 381 requests in a judged window to be shown met; 4 ramp steps below 96 rps are stretched (up to 4× load.step_duration) to hold them',
      tooShort: 'step length: even stretched, steps at 10, 20 rps cannot show it: judged inconclusive, the ramp goes on past them; a load.step_duration of ≥ 9.8s (or load.start ≥ 21 rps) would',
    });
  });

  it('is silent when every step is long enough', () => {
    expect(stepLengthNotes(plan({ start: 100, stepDurationMs: 5000, samplesToProve: 381 }), 'p99 < 200ms')).toEqual({});
    expect(stepLengthNotes(plan({ start: 1, samplesToProve: 0 }), 'mean < 80ms')).toEqual({});
  });
});
