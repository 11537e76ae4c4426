// Issue #10's targets for the CI gate (--max-regression 10%), measured by the decision simulator on
// fixed seeds: a baseline run, then the same service again (a regression verdict is a false fail,
// ≤ 5%) and a 15% slower build (a pass is a false pass, ≤ 1%). The gated runs refine until the gate
// is decided (find-capacity `decided`), as `loadtest run --baseline` does.
import { describe, expect, it } from 'vitest';
import { gateCases } from '../../src/simulator/cases.js';
import { runGate } from '../../src/simulator/run-case.js';
import { TARGETS } from '../../src/simulator/table.js';

const SEEDS = 30;

// The gate never passes what it could not measure: false fail ≤ 5% and false pass ≤ 1% hold for
// both services. How often it can decide at all differs: the rate-limited service's brackets are
// sharp, while an M/M/8 queue's tail near saturation is bursty (its share over the threshold varies
// hundreds of times more than binomial between windows), so most of its gates are inconclusive
// (README "Decision quality").
describe('gate: false fail ≤ 5%, false pass ≤ 1%', () => {
  it.each(['gate-mmc', 'gate-bucket'])(
    '%s',
    async (name) => {
      const g = await gate(name);
      expect(g.truthSlower / g.truth).toBeLessThan(0.86);
      expect(g.same.regressed / g.runs).toBeLessThanOrEqual(TARGETS.falseFail);
      expect(g.slower.pass / g.runs).toBeLessThanOrEqual(TARGETS.falsePass);
    },
    180_000,
  );

  it('gate-bucket decides more often than not', async () => {
    const g = await gate('gate-bucket');
    expect(g.same.pass / g.runs).toBeGreaterThan(0.5);
  }, 180_000);

  // Not met yet: most gates decide. On 300 seeds (default plan) the 15%-slower build is inconclusive
  // in 96% of gate-mmc runs and 70% of gate-bucket's: honest (a −16% build against a 10% limit leaves
  // 6% for both brackets, and levels near the capacity stay undecided), but not decisive.
  it.fails.each(['gate-mmc', 'gate-bucket'])('%s: the slower build is called regressed in most runs (not met yet)', async (name) => {
    const g = await gate(name);
    expect(g.slower.regressed / g.runs).toBeGreaterThan(0.8);
  }, 180_000);
});

const memo = new Map<string, ReturnType<typeof runGate>>();
function gate(name: string): ReturnType<typeof runGate> {
  if (!memo.has(name)) memo.set(name, runGate(gateCases().find((c) => c.name === name)!, SEEDS));
  return memo.get(name)!;
}
