// Proportions judged with Wilson's interval, and the histogram count the percentile rules read.
import { describe, expect, it } from 'vitest';
import { dispersion, judgeProportion, samplesToDecide, samplesToProve, wilson, windowDispersion } from '../../src/analysis/proportion.js';
import { latencyRising, quietLatencyMs } from '../../src/analysis/settled.js';
import { createHistogram, encodeHistogram, latencyDistribution } from '../../src/metrics/histogram.js';
import { mulberry32 } from '../../src/traffic/generator/schedule.js';

describe('wilson', () => {
  it.each<[number, number, number, number]>([
    // k, n → published Wilson 95% bounds (Newcombe 1998, table I: 0/10, 1/29, 81/263)
    [0, 10, 0, 0.2775],
    [1, 29, 0.0061, 0.1718],
    [81, 263, 0.2553, 0.3662],
  ])('%d of %d → [%f, %f]', (k, n, low, high) => {
    const i = wilson(k, n);
    expect(i.low).toBeCloseTo(low, 3);
    expect(i.high).toBeCloseTo(high, 3);
  });

  it('knows nothing of nothing', () => {
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('judgeProportion', () => {
  it.each<[number, number, number, string]>([
    [3, 200, 0.01, 'undecided'], // the example: 1.5%, interval 0.5–4.3%
    [30, 1000, 0.01, 'breached'],
    [0, 381, 0.01, 'met'],
    [0, 380, 0.01, 'undecided'],
    [2, 1000, 0.01, 'met'],
    [10, 1000, 0.01, 'undecided'],
  ])('%d of %d against %f → %s', (k, n, limit, certainty) => {
    expect(judgeProportion(k, n, limit)).toBe(certainty);
  });

  it('is wrong about as often as it says, at the limit itself (simulated, 4,000 seeded samples)', () => {
    // True share exactly at the limit: a "met" is a false pass, a "breached" a false fail; each ≤ 2.5% + noise.
    const rand = mulberry32(42);
    const n = 2000;
    let met = 0;
    let breached = 0;
    for (let run = 0; run < 4000; run++) {
      let k = 0;
      for (let i = 0; i < n; i++) if (rand() < 0.01) k++;
      const c = judgeProportion(k, n, 0.01);
      if (c === 'met') met++;
      else if (c === 'breached') breached++;
    }
    expect(met / 4000).toBeLessThan(0.035);
    expect(breached / 4000).toBeLessThan(0.035);
  });
});

describe('samples', () => {
  it('to prove a share with none seen: z²(1−p)/p', () => {
    expect(samplesToProve(0.01)).toBe(381);
    expect(samplesToProve(0.001)).toBe(3838);
    expect(samplesToProve(1)).toBe(0);
  });

  it('to decide grows as the share nears the limit', () => {
    expect(samplesToDecide(0.015, 0.01)).toBeLessThan(samplesToDecide(0.012, 0.01));
    expect(samplesToDecide(0.01, 0.01)).toBe(Infinity);
    expect(samplesToDecide(0, 0.01)).toBe(381);
  });
});

describe('latencyDistribution', () => {
  it('counts the requests slower than a threshold from a real histogram', () => {
    const h = createHistogram();
    for (let ms = 1; ms <= 1000; ms++) h.recordValue(ms * 1000); // 1 … 1000 ms
    const d = latencyDistribution(encodeHistogram(h))!;
    expect(d.count).toBe(1000);
    expect(d.countAbove(990.6)).toBe(10);
    // a request of exactly 990 ms does not meet `< 990ms`: its bucket (990.0–990.5 ms) counts as above
    expect(d.countAbove(990)).toBe(11);
    expect(d.countAbove(0.5)).toBe(1000);
    expect(d.countAbove(1001)).toBe(0);
    expect(d.countAbove(500.3)).toBe(500);
  });

  it('is undefined for what is not a histogram', () => {
    expect(latencyDistribution('AAAA')).toBeUndefined();
  });
});

describe('dispersion (slices of a step)', () => {
  it('is 1 when the slices vary as independent requests would, or there is too little to tell', () => {
    expect(dispersion([2, 1, 2, 1, 2, 1, 2, 1, 2, 1], Array(10).fill(100))).toBe(1);
    expect(dispersion([0, 0, 0], [100, 100, 100])).toBe(1);
    expect(dispersion([5, 5], [100, 100])).toBe(1);
  });

  it('is large when the bad requests came in a run', () => {
    // 15 errors of 1000, all in one slice: φ ≈ 15
    expect(dispersion([0, 0, 0, 15, 0, 0, 0, 0, 0, 0], Array(10).fill(100))).toBeGreaterThan(10);
  });
});

describe('windowDispersion (the whole window, from its slices)', () => {
  const n40 = Array<number>(40).fill(100);
  /** 40 slices: `bad` per slice repeated in runs of `run` slices (values cycle through `levels`). */
  const runs = (run: number, levels: number[]): number[] => Array.from({ length: 40 }, (_, i) => levels[Math.floor(i / run) % levels.length]!);

  it('stays near 1 for independent requests (binomial counts at every scale)', () => {
    // A fixed pseudo-random binomial(100, 2%) draw per slice.
    let s = 7;
    const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const bad = n40.map((n) => Array.from({ length: n }, () => (rand() < 0.02 ? 1 : 0) as number).reduce((a, b) => a + b, 0));
    expect(windowDispersion(bad, n40)).toBeLessThan(3);
  });

  it.each<[string, number[], number]>([
    // Bad requests in runs longer than a slice: the slices alone see little of it.
    ['runs of 8 slices (a one-second burst in 100 ms slices)', runs(8, [6, 0]), 20],
    ['runs of 4 slices', runs(4, [6, 0]), 8],
  ])('%s: well above the slices’ own dispersion', (_name, bad, atLeast) => {
    expect(windowDispersion(bad, n40)).toBeGreaterThan(atLeast);
    expect(windowDispersion(bad, n40)).toBeGreaterThan(2 * dispersion(bad, n40));
  });

  it('is never below the largest dispersion seen at any scale, and 1 with nothing bad', () => {
    const bad = [0, 0, 0, 15, ...Array<number>(36).fill(0)];
    expect(windowDispersion(bad, n40)).toBeGreaterThanOrEqual(dispersion(bad, n40));
    expect(windowDispersion(Array<number>(40).fill(0), n40)).toBe(1);
  });

  it('never counts a window as worth less than one request (an outage over half the window)', () => {
    const n = Array<number>(40).fill(4);
    const bad = n.map((x, i) => (i >= 10 && i < 30 ? x : 0));
    const phi = windowDispersion(bad, n);
    expect(phi).toBeLessThanOrEqual(160);
    // 80 of 160 failed: even worth one request, a share of 50% is above 1%.
    expect(judgeProportion(80 / phi, 160 / phi, 0.01)).toBe('breached');
  });

  it('falls back to the slices’ dispersion with too few slices for two scales', () => {
    expect(windowDispersion([0, 0, 0, 15, 0, 0, 0, 0, 0], Array(9).fill(100))).toBe(dispersion([0, 0, 0, 15, 0, 0, 0, 0, 0], Array(9).fill(100)));
  });
});

describe('latencyRising (had the service settled?)', () => {
  it.each<[string, number[], boolean]>([
    ['flat', [20, 21, 19, 20, 22, 18, 20, 21, 19, 20], false],
    ['a queue building through the step', [46, 39, 59, 74, 67, 96, 102, 151, 209, 266], true],
    ['noisy but not rising', [30, 53, 53, 97, 84, 57, 61, 70, 33, 37], false],
    ['rising a little (under 25% of the mean)', [20, 20.5, 21, 21.5, 22, 22.5, 23, 23.5, 24, 24.2], false],
    ['rising under a millisecond (0.3 → 0.5 ms)', [0.3, 0.32, 0.34, 0.36, 0.38, 0.4, 0.42, 0.44, 0.47, 0.5], false],
  ])('%s → %s', (_name, means, rising) => {
    expect(latencyRising(means, Array(10).fill(100)) !== undefined).toBe(rising);
    // The same trend in 40 finer slices is read over 10 groups of 4: the same answer.
    const fine = means.flatMap((m) => [m, m, m, m]);
    expect(latencyRising(fine, Array(40).fill(25)) !== undefined).toBe(rising);
  });

  // Measured on nginx (limit_req 400 r/s) at 380 rps: 0.5 → 2.8 ms, significant, +100% of the mean —
  // and meaningless under `p99 < 200ms` (a queue that slow is < 0.25% over capacity).
  const nginx = [0.5, 0.6, 0.7, 0.9, 1.0, 1.2, 1.5, 1.9, 2.3, 2.8];
  it.each<[string, number[], number[], boolean]>([
    ['nginx 0.5 → 2.8 ms, no latency limit', nginx, [], true],
    ['nginx 0.5 → 2.8 ms under p99 < 200ms', nginx, [200], false],
    ['nginx 0.5 → 2.8 ms under max < 20ms (quiet below 2 ms)', nginx, [20, 500], true],
    ['a queue building 46 → 266 ms under p99 < 200ms', [46, 39, 59, 74, 67, 96, 102, 151, 209, 266], [200], true],
    // The simulator's M/M/8 settling toward a breaching steady state: a small rise, but near a third of the limit.
    ['an M/M/8 still settling, 60 → 82 ms under p99 < 200ms', [60, 62, 65, 67, 70, 72, 75, 77, 80, 82], [200], true],
    ['a climb 10 → 19 ms under p99 < 200ms: ends below 20 ms', [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], [200], false],
  ])('%s → %s', (_name, means, limits, rising) => {
    expect(latencyRising(means, Array(10).fill(100), quietLatencyMs(limits)) !== undefined).toBe(rising);
  });
});
