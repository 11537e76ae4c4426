import { describe, expect, it } from 'vitest';
import {
  maxRefineSteps,
  nextStep,
  plannedRamp,
  worstCaseDurationMs,
  worstCaseSteps,
  type PlanHistoryEntry,
  type PlanSpec,
} from '../../src/controller/step-plan.js';
import type { StepVerdict } from '../../src/slo/slo.js';

const plan = (p: Partial<PlanSpec>): PlanSpec => ({ unit: 'rps', start: 100, step: 100, max: 1000, stepDurationMs: 1000, ...p });

/** Runs the plan against a service whose verdict is a function of the level; returns the levels tried. */
function simulate(p: PlanSpec, verdictAt: (level: number) => StepVerdict): { levels: number[]; reason: string } {
  const history: PlanHistoryEntry[] = [];
  for (let i = 0; i < 100; i++) {
    const next = nextStep(p, history);
    if ('done' in next) return { levels: history.map((h) => h.level), reason: next.reason };
    history.push({ level: next.level, verdict: verdictAt(next.level) });
  }
  throw new Error('plan did not end');
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
    expect(nextStep(plan({}), [])).toEqual({ level: 100, phase: 'ramp' });
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

  it('retries an inconclusive step once, then stops, in ramp or refine', () => {
    expect(simulate(plan({}), (l) => (l < 300 ? 'pass' : 'inconclusive'))).toEqual({ levels: [100, 200, 300, 300], reason: 'inconclusive' });
    const refine = simulate(plan({ refine: 0.01 }), (l) => (l <= 400 ? 'pass' : l === 450 ? 'inconclusive' : 'fail'));
    expect(refine).toEqual({ levels: [100, 200, 300, 400, 500, 450, 450], reason: 'inconclusive' });
    expect(simulate(plan({ inconclusiveRetries: 0 }), (l) => (l < 300 ? 'pass' : 'inconclusive')).levels).toEqual([100, 200, 300]);
  });

  it('a retried step that then passes (or fails) continues the search as if nothing happened', () => {
    const h: PlanHistoryEntry[] = [
      { level: 100, verdict: 'pass' },
      { level: 200, verdict: 'inconclusive' },
    ];
    expect(nextStep(plan({}), h)).toEqual({ level: 200, phase: 'ramp' });
    expect(nextStep(plan({}), [...h, { level: 200, verdict: 'pass' }])).toEqual({ level: 300, phase: 'ramp' });
    const r = [...h, { level: 200, verdict: 'fail' as const }, { level: 150, verdict: 'inconclusive' as const }];
    expect(nextStep(plan({ refine: 0.05 }), r)).toEqual({ level: 150, phase: 'refine' });
    expect(nextStep(plan({ refine: 0.05 }), [...r, { level: 150, verdict: 'pass' }])).toEqual({ level: 175, phase: 'refine' });
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
    expect(worstCaseSteps(p)).toBe(ramp + refine);
    expect(worstCaseDurationMs(p)).toBe((ramp + refine) * p.stepDurationMs);
  });
});
