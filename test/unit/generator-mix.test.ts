import { describe, expect, it } from 'vitest';
import { createMix, cumulativeWeights } from '../../src/traffic/generator/mix.js';
import { mulberry32 } from '../../src/traffic/generator/schedule.js';

describe('request mix', () => {
  it('precomputes cumulative weights ending exactly at 1', () => {
    expect(Array.from(cumulativeWeights([1, 1, 2]))).toEqual([0.25, 0.5, 1]);
    expect(cumulativeWeights([0.1, 0.2, 0.7])[2]).toBe(1);
  });

  it.each([
    [0, 0],
    [0.2499, 0],
    [0.25, 1],
    [0.4999, 1],
    [0.5, 2],
    [0.9999999, 2],
  ])('u=%s picks request %s of weights [1,1,2]', (u, i) => {
    expect(createMix([{ weight: 1 }, { weight: 1 }, { weight: 2 }]).pick(u)).toBe(i);
  });

  it('a single request is always picked', () => {
    expect(createMix([{ weight: 5 }]).pick(0.99)).toBe(0);
  });

  it('picks follow the weights', () => {
    const mix = createMix([{ weight: 1 }, { weight: 3 }, { weight: 6 }]);
    const rand = mulberry32(3);
    const counts = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[mix.pick(rand())]!++;
    expect(counts[0]! / 1e5).toBeCloseTo(0.1, 1);
    expect(counts[1]! / 1e5).toBeCloseTo(0.3, 1);
    expect(counts[2]! / 1e5).toBeCloseTo(0.6, 1);
  });
});
