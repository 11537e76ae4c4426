// The weighted pick for large mixes (a replayed log: thousands of distinct requests): a binary
// search that picks exactly what the linear scan picks, in the weights' proportions, and one set
// of stats per name however many requests share it.
import { describe, expect, it } from 'vitest';
import { createMix, cumulativeWeights, requestNames } from '../../src/traffic/generator/mix.js';
import { mulberry32 } from '../../src/traffic/generator/schedule.js';
import { StepRecorder } from '../../src/traffic/generator/step-recorder.js';

/** The reference: the first i with u < cum[i]. */
function linearPick(cum: Float64Array, u: number): number {
  for (let i = 0; i < cum.length - 1; i++) if (u < cum[i]!) return i;
  return cum.length - 1;
}

describe('large mixes: binary search', () => {
  it('picks what the linear scan picks, at and around every bound', () => {
    const rand = mulberry32(11);
    const weights = Array.from({ length: 1000 }, () => 1 + Math.floor(rand() * 50));
    const cum = cumulativeWeights(weights);
    const mix = createMix(weights.map((weight) => ({ weight })));
    for (let i = 0; i < cum.length; i++) {
      for (const u of [cum[i]!, Math.max(0, cum[i]! - 1e-12), Math.min(0.9999999999, cum[i]! + 1e-12)]) {
        if (u < 1) expect(mix.pick(u)).toBe(linearPick(cum, u));
      }
    }
    for (let k = 0; k < 10_000; k++) {
      const u = rand();
      expect(mix.pick(u)).toBe(linearPick(cum, u));
    }
  });

  it.each([17, 100, 5000])('exact counts on an even grid of draws (%s requests)', (n) => {
    // With u on an even grid k/N, request i is picked for exactly the grid points in its interval:
    // its count is weight_i / total × N up to rounding at the two bounds (±1).
    const weights = Array.from({ length: n }, (_, i) => (i % 7) + 1 + (i === 0 ? 1000 : 0));
    const total = weights.reduce((a, b) => a + b, 0);
    const mix = createMix(weights.map((weight) => ({ weight })));
    const N = total * 100;
    const counts = new Array<number>(n).fill(0);
    for (let k = 0; k < N; k++) counts[mix.pick(k / N)]!++;
    weights.forEach((w, i) => expect(Math.abs(counts[i]! - w * 100)).toBeLessThanOrEqual(1));
  });

  it('random draws follow a skewed distribution (Zipf over 2,000 paths)', () => {
    const weights = Array.from({ length: 2000 }, (_, i) => 1 / (i + 1));
    const total = weights.reduce((a, b) => a + b, 0);
    const mix = createMix(weights.map((weight) => ({ weight })));
    const rand = mulberry32(5);
    const draws = 400_000;
    const counts = new Array<number>(2000).fill(0);
    for (let k = 0; k < draws; k++) counts[mix.pick(rand())]!++;
    for (const i of [0, 1, 2, 9, 99]) {
      const p = weights[i]! / total;
      const sd = Math.sqrt((p * (1 - p)) / draws);
      expect(Math.abs(counts[i]! / draws - p)).toBeLessThan(5 * sd);
    }
  });

  it('100k distinct requests: built and picked within sane memory and time', () => {
    const before = process.memoryUsage().heapUsed;
    const requests = Array.from({ length: 100_000 }, (_, i) => ({ name: 'replay', weight: 1 + (i % 13) }));
    const mix = createMix(requests);
    const { names, nameOf } = requestNames(requests);
    const rand = mulberry32(1);
    let sum = 0;
    for (let k = 0; k < 1_000_000; k++) sum += mix.pick(rand());
    expect(sum).toBeGreaterThan(0);
    expect(names).toEqual(['replay']);
    expect(nameOf.length).toBe(100_000);
    // One Float64Array and one Uint32Array of 100k: ~1.2 MB, well under this bound (GC noise included).
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('requestNames: stats per name, not per request', () => {
  it('written requests: one name each; replayed ones: one name for all', () => {
    expect(requestNames([{ name: 'a' }, { name: 'b' }])).toEqual({ names: ['a', 'b'], nameOf: Uint32Array.from([0, 1]) });
    const r = requestNames(Array.from({ length: 5 }, () => ({ name: 'replay' })));
    expect(r.names).toEqual(['replay']);
    expect(Array.from(r.nameOf)).toEqual([0, 0, 0, 0, 0]);
  });

  it('a recorder for one name keeps no per-name histogram (the total is its histogram)', () => {
    const rec = new StepRecorder(requestNames(Array.from({ length: 100_000 }, () => ({ name: 'replay' }))).names.length);
    expect(rec.names).toHaveLength(1);
    expect(rec.names[0]!.corrected).toBeNull();
  });
});
