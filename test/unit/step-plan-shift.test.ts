// Live-traffic safety of the step plan in shift mode (unit 'share'): after a failing step the search
// refines only between the highest pass and that fail, and never sends a level at or above a level
// that failed — on live traffic a failed level is real users' errors, so it must not be exceeded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextStep, type PlanHistoryEntry, type PlanSpec } from '../../src/controller/step-plan.js';
import type { StepVerdict } from '../../src/slo/slo.js';

const plan: PlanSpec = { unit: 'share', start: 1, step: 0.25, max: 3, stepDurationMs: 1000, refine: 0.02 };

/** Runs the plan with verdicts from `verdictAt` (called in step order); returns the history. */
function simulate(p: PlanSpec, verdictAt: (level: number, i: number) => StepVerdict): PlanHistoryEntry[] {
  const history: PlanHistoryEntry[] = [];
  for (let i = 0; i < 200; i++) {
    const next = nextStep(p, history);
    if ('done' in next) return history;
    history.push({ level: next.level, verdict: verdictAt(next.level, i) });
  }
  throw new Error('plan did not end');
}

/** Every step after the first fail lies strictly between the highest pass and the lowest fail seen before it. */
function assertSafe(history: PlanHistoryEntry[]): void {
  let pass = -Infinity;
  let fail = Infinity;
  for (const h of history) {
    if (fail < Infinity) {
      expect(h.level).toBeLessThan(fail);
      expect(h.level).toBeGreaterThan(pass);
    }
    if (h.verdict === 'pass') pass = Math.max(pass, h.level);
    if (h.verdict === 'fail') fail = Math.min(fail, h.level);
  }
}

describe('shift-mode step plan never goes above a failed level', () => {
  it.each([
    // [name, capacity in multiples of the fair share, levels tried]
    ['capacity 1.6x', 1.6, [1, 1.25, 1.5, 1.75, 1.63, 1.57, 1.6]],
    ['capacity 1.1x', 1.1, [1, 1.25, 1.13, 1.07, 1.1, 1.12]],
    ['capacity 2.9x', 2.9, [1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 2.88, 2.94, 2.91]],
  ])('%s: refines between the last pass and the fail', (_n, capacity, levels) => {
    const h = simulate(plan, (l) => (l <= capacity ? 'pass' : 'fail'));
    expect(h.map((x) => x.level)).toEqual(levels);
    assertSafe(h);
  });

  it('an inconclusive refine step is retried at its own level, still below the fail', () => {
    let firstAt163 = true;
    const h = simulate(plan, (l) => {
      if (l === 1.63 && firstAt163) {
        firstAt163 = false;
        return 'inconclusive';
      }
      return l <= 1.6 ? 'pass' : 'fail';
    });
    expect(h.map((x) => x.level).slice(0, 6)).toEqual([1, 1.25, 1.5, 1.75, 1.63, 1.63]);
    assertSafe(h);
  });

  it('property: with any verdicts (noisy, non-monotonic, inconclusive), no step reaches a level that failed', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<StepVerdict>('pass', 'fail', 'inconclusive'), { minLength: 60, maxLength: 60 }), (verdicts) => {
        assertSafe(simulate(plan, (_l, i) => verdicts[i]!));
      }),
      { numRuns: 300 },
    );
  });
});
