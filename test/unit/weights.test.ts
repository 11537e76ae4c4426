import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_WEIGHT,
  changedServers,
  fairShare,
  rampWeights,
  shareFor,
  shareOf,
  weightsForShare,
} from '../../src/traffic/shifters/weights.js';

const eq3 = { web1: 1, web2: 1, web3: 1 };
const hundred3 = { web1: 100, web2: 100, web3: 100 };

describe('fairShare / shareFor', () => {
  it.each([
    [eq3, ['web1'], 1 / 3],
    [{ a: 2, b: 1, c: 1 }, ['a'], 0.5],
    [{ a: 2, b: 1, c: 1 }, ['b', 'c'], 0.5],
    [{ a: 0, b: 1 }, ['a'], 0],
  ])('%j targets %j → %d', (orig, targets, want) => {
    expect(fairShare(orig, targets)).toBeCloseTo(want, 10);
  });
  it('refuses a backend whose weights are all 0', () => {
    expect(() => fairShare({ a: 0, b: 0 }, ['a'])).toThrow(/weight 0/);
  });
  it.each([
    [1, 1 / 3],
    [1.5, 0.5],
    [2, 2 / 3],
    [4, 1],
    [0, 0],
  ])('level %d of 1/3 → share %d', (level, want) => {
    expect(shareFor(level, eq3, ['web1'])).toBeCloseTo(want, 10);
  });
});

describe('weightsForShare', () => {
  it.each([
    // base, targets, share, limits, expected weights, expected share
    ['1x keeps original weights', hundred3, ['web1'], 1 / 3, {}, { web1: 100, web2: 100, web3: 100 }, 1 / 3],
    ['raises only the target', hundred3, ['web1'], 0.5, {}, { web1: 200, web2: 100, web3: 100 }, 0.5],
    ['lowers controls only when the target cannot go higher', hundred3, ['web1'], 0.75, {}, { web1: 256, web2: 43, web3: 43 }, 256 / 342],
    ['rescales small weights for resolution', eq3, ['web1'], 5 / 12, {}, { web1: 256, web2: 179, web3: 179 }, 256 / 614],
    ['share 1 drains the controls', hundred3, ['web1'], 1, {}, { web1: 100, web2: 0, web3: 0 }, 1],
    ['share 0 drains the target', hundred3, ['web1'], 0, {}, { web1: 0, web2: 100, web3: 100 }, 0],
    ['maxShare clamps', hundred3, ['web1'], 0.9, { maxShare: 0.5 }, { web1: 200, web2: 100, web3: 100 }, 0.5],
    ['two targets keep their proportion', { a: 50, b: 100, c: 150 }, ['a', 'b'], 0.6, {}, { a: 75, b: 150, c: 150 }, 0.6],
  ])('%s', (_name, base, targets, share, limits, weights, got) => {
    const plan = weightsForShare(base, targets, share, limits);
    expect(plan.weights).toEqual(weights);
    expect(plan.share).toBeCloseTo(got, 6);
  });

  it('reports a clamp to max_share', () => {
    const plan = weightsForShare(hundred3, ['web1'], 0.9, { maxShare: 0.5 });
    expect(plan.clamped).toEqual(['share 90.0% clamped to max_share 50.0%']);
    expect(plan.requestedShare).toBe(0.9);
  });

  it.each([
    // targets of a 4-server backend, requested share, max_share → the group's weights and share
    ['two targets: max_share caps their combined share, not each one', ['web1', 'web2'], 0.9, 0.6, { web1: 150, web2: 150, web3: 100, web4: 100 }, 0.6],
    ['three targets: combined share capped', ['web1', 'web2', 'web3'], 0.95, 0.8, { web1: 133, web2: 133, web3: 133, web4: 100 }, 399 / 499],
    ['below the cap: untouched', ['web1', 'web2'], 0.55, 0.6, { web1: 122, web2: 122, web3: 100, web4: 100 }, 244 / 444],
  ])('max_share applies to the whole group of targets: %s', (_n, targets, share, maxShare, weights, got) => {
    const hundred4 = { web1: 100, web2: 100, web3: 100, web4: 100 };
    const plan = weightsForShare(hundred4, targets, share, { maxShare });
    expect(plan.weights).toEqual(weights);
    expect(plan.share).toBeCloseTo(got, 6);
    expect(shareOf(plan.weights, targets)).toBeLessThanOrEqual(maxShare + 1e-12);
  });

  it('refuses an unknown target', () => {
    expect(() => weightsForShare(hundred3, ['web9'], 0.5)).toThrow(/web9.*not in the backend/);
  });

  it('properties: weights in 0..256, share ≤ maxShare, controls kept ≥ 1, share close to the goal', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 256 }), { minLength: 2, maxLength: 6 }),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.option(fc.double({ min: 0.05, max: 1, noNaN: true }), { nil: undefined }),
        (ws, nTargets, share, maxShare) => {
          const base: Record<string, number> = {};
          ws.forEach((w, i) => (base[`s${i}`] = w));
          const targets = Object.keys(base).slice(0, Math.min(nTargets, ws.length - 1));
          const plan = weightsForShare(base, targets, share, maxShare === undefined ? {} : { maxShare });
          for (const w of Object.values(plan.weights)) {
            expect(Number.isInteger(w)).toBe(true);
            expect(w).toBeGreaterThanOrEqual(0);
            expect(w).toBeLessThanOrEqual(MAX_WEIGHT);
          }
          for (const [s, w] of Object.entries(plan.weights)) if (!targets.includes(s)) expect(w).toBeGreaterThanOrEqual(1);
          const goal = maxShare === undefined ? share : Math.min(share, maxShare);
          expect(plan.share).toBeCloseTo(shareOf(plan.weights, targets), 12);
          // A hard limit: never more, even after rounding.
          if (maxShare !== undefined) expect(plan.share).toBeLessThanOrEqual(maxShare + 1e-12);
          if (plan.clamped.length === 0 || maxShare !== undefined) expect(Math.abs(plan.share - goal)).toBeLessThan(0.05);
        },
      ),
    );
  });
});

describe('rampWeights', () => {
  it.each([
    ['no change → no steps', { a: 100, b: 100 }, { a: 100, b: 100 }, 10, []],
    ['no limit → one step', { a: 100, b: 100 }, { a: 200, b: 100 }, undefined, [{ a: 200, b: 100 }]],
    ['within the limit → one step', { a: 100, b: 100 }, { a: 140, b: 100 }, 50, [{ a: 140, b: 100 }]],
    [
      'ramps up in even sub-steps',
      { a: 100, b: 100 },
      { a: 200, b: 50 },
      40,
      [
        { a: 134, b: 84 },
        { a: 167, b: 67 },
        { a: 200, b: 50 },
      ],
    ],
    ['ramps down too', { a: 200, b: 100 }, { a: 100, b: 100 }, 50, [{ a: 150, b: 100 }, { a: 100, b: 100 }]],
  ])('%s', (_n, cur, goal, step, want) => {
    expect(rampWeights(cur, goal, step)).toEqual(want);
  });

  it('property: no sub-step changes a weight by more than maxStep, and the last is the goal', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 256 }), fc.integer({ min: 0, max: 256 })), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 100 }),
        (pairs, maxStep) => {
          const cur: Record<string, number> = {};
          const goal: Record<string, number> = {};
          pairs.forEach(([c, g], i) => {
            cur[`s${i}`] = c;
            goal[`s${i}`] = g;
          });
          const steps = rampWeights(cur, goal, maxStep);
          let prev = cur;
          for (const st of steps) {
            for (const s of Object.keys(goal)) expect(Math.abs(st[s]! - prev[s]!)).toBeLessThanOrEqual(maxStep);
            prev = st;
          }
          if (steps.length > 0) expect(steps[steps.length - 1]).toEqual(goal);
          else expect(cur).toEqual(goal);
        },
      ),
    );
  });
});

describe('rampWeights keeps max_share on the way', () => {
  it('property: with targets given, no sub-step share exceeds the larger end share', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 1, max: 256 })), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 1, max: 64 }),
        (pairs, maxStep) => {
          const cur: Record<string, number> = {};
          const goal: Record<string, number> = {};
          pairs.forEach(([c, g], i) => {
            cur[`s${i}`] = c;
            goal[`s${i}`] = g;
          });
          const targets = ['s0'];
          const bound = Math.max(shareOf(cur, targets), shareOf(goal, targets));
          let prev = cur;
          for (const st of rampWeights(cur, goal, maxStep, targets)) {
            expect(shareOf(st, targets)).toBeLessThanOrEqual(bound + 1e-12);
            for (const s of Object.keys(goal)) expect(Math.abs(st[s]! - prev[s]!)).toBeLessThanOrEqual(maxStep);
            prev = st;
          }
        },
      ),
    );
  });
});

describe('changedServers', () => {
  it('lists only servers whose weight changes', () => {
    expect(changedServers({ a: 1, b: 2, c: 3 }, { a: 1, b: 5, c: 0 })).toEqual(['b', 'c']);
  });
});
