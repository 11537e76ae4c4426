// Issue #10's targets for the capacity search, measured by the decision simulator on a few fixed
// seeds (npm run validate-decisions runs 1,000): the real findCapacity and decision code against
// simulated services of known capacity. A target the rules on main do not meet yet is `it.fails`,
// with the figure measured: when the rules improve, that test starts failing — flip it to `it`.
import { describe, expect, it } from 'vitest';
import { allCases, type SimCase } from '../../src/simulator/cases.js';
import { runCase, type CaseStats } from '../../src/simulator/run-case.js';
import { TARGETS } from '../../src/simulator/table.js';

const SEEDS = 30;
const byName = (name: string): SimCase => {
  const c = allCases().find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name}`);
  return c;
};
const memo = new Map<string, Promise<CaseStats>>();
const stats = (name: string): Promise<CaseStats> => {
  if (!memo.has(name)) memo.set(name, runCase(byName(name), SEEDS));
  return memo.get(name)!;
};

const containsTruth = async (name: string) => {
  const s = await stats(name);
  expect(s.answers).toBeGreaterThan(0);
  expect(s.correct / s.answers, `${name}: ${s.correct} of ${s.answers} brackets contain ${s.truth.toFixed(1)}`).toBeGreaterThanOrEqual(TARGETS.bracketContainsTruth);
};

describe('healthy generator: the bracket contains the true capacity in ≥ 95% of answers', () => {
  // Under the plan users get by default (30 s steps, 5 s warm-up; cases.ts PLANS). With 5 s steps
  // (`--plan ci`) the M/M/8 queue is missed more often: near saturation it takes longer than a
  // 4 s window to reach its steady state (README "Decision quality").
  it.each(['bucket-uniform', 'cliff-uniform', 'slow-uniform', 'slow-poisson', 'bucket-poisson', 'cliff-poisson', 'mmc-poisson', 'mmc-uniform'])('%s', containsTruth, 120_000);
});

describe('healthy generator: at most 1% inconclusive', () => {
  it.each(['mmc-poisson', 'bucket-poisson', 'cliff-poisson', 'slow-poisson', 'mmc-uniform', 'slow-uniform'])(
    '%s',
    async (name) => {
      const s = await stats(name);
      expect(s.inconclusive / s.runs).toBeLessThanOrEqual(TARGETS.inconclusiveHealthy);
    },
    180_000,
  );
});

describe('starved generator: never a capacity, always inconclusive naming the generator', () => {
  it.each(['mmc-poisson-starved', 'mmc-uniform-starved', 'slow-poisson-starved'])(
    '%s',
    async (name) => {
      const s = await stats(name);
      expect(s.answers).toBe(0);
      expect(s.generatorNamed).toBe(s.runs);
    },
    180_000,
  );
});
