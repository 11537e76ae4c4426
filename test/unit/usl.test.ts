import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitCapacityModel } from '../../src/analysis/capacity-model.js';
import { describeUsl, fitUsl, fitUslPoints, uslSkipReason, type UslPoint } from '../../src/analysis/usl.js';
import type { RunResult } from '../../src/result.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;

const curve = (lambda: number, sigma: number, kappa: number, ns: number[]): UslPoint[] =>
  ns.map((n) => ({ n, x: (lambda * n) / (1 + sigma * (n - 1) + kappa * n * (n - 1)) }));

/** Steps whose throughput follows `pts`; the latency from the write gives N by Little's law. */
function stepsFor(pts: UslPoint[], generatorWaitMs = 0) {
  const t = fixture('generate-baseline').steps[0]!;
  return pts.map(({ n, x }, index) => {
    const mean = (n / x) * 1000;
    return {
      ...t,
      index,
      load: x,
      achievedRps: x,
      verdict: 'pass' as const,
      latencyUncorrectedMs: { ...t.latencyUncorrectedMs, mean },
      latencyMs: { ...t.latencyMs, mean: mean + generatorWaitMs },
    };
  });
}

/** An open M/M/c queue: N = mean number in the system (Erlang C) at each utilisation; the true ceiling is c·μ. */
function mmc(c: number, mu: number, rhos: number[]): UslPoint[] {
  return rhos.map((rho) => {
    const a = rho * c; // offered load, erlangs
    let term = 1;
    let sum = 1;
    for (let k = 1; k < c; k++) sum += term *= a / k;
    const top = (term * a) / c / (1 - rho);
    return { n: a + (top / (sum + top)) * (rho / (1 - rho)), x: a * mu };
  });
}

const noNonsense = /NaN|Infinity|\de[+-]?\d/;

describe('fitUslPoints: exact curves', () => {
  it.each([
    ['contention and coherency', 100, 0.05, 0.001, [1, 2, 4, 8, 16, 24, 32, 48, 64]],
    ['coherency only (σ = 0)', 1000, 0, 0.0001, [1, 10, 25, 50, 75, 100, 150]],
    ['strong contention', 20, 0.3, 0.002, [1, 2, 3, 4, 6, 8, 12, 16]],
    ['contention only (κ = 0): an asymptote', 40, 0.02, 0, [1, 5, 10, 20, 50, 100, 200, 400]],
  ])('recovers σ, κ, λ for %s', (_, lambda, sigma, kappa, ns) => {
    const u = fitUslPoints(curve(lambda, sigma, kappa, ns))!;
    expect(u.lambda).toBeCloseTo(lambda, 4);
    expect(u.sigma).toBeCloseTo(sigma, 6);
    expect(u.kappa).toBeCloseTo(kappa, 8);
    expect(u.r2).toBeCloseTo(1, 9);
    expect(u.refused).toBeNull();
    if (kappa > 0) {
      const nStar = Math.sqrt((1 - sigma) / kappa);
      expect(u.ceiling).toBe('peak');
      expect(u.peakConcurrency).toBeCloseTo(nStar, 4);
      expect(u.peakThroughput).toBeCloseTo((lambda * nStar) / (1 + sigma * (nStar - 1) + kappa * nStar * (nStar - 1)), 3);
    } else {
      expect(u.ceiling).toBe('asymptote');
      expect(u.peakConcurrency).toBeNull();
      expect(u.peakThroughput).toBeCloseTo(lambda / sigma, 3);
    }
  });

  it('describes the ceiling in one sentence', () => {
    const u = fitUslPoints(curve(100, 0.05, 0.001, [1, 2, 4, 8, 16, 24, 32, 48, 64]))!;
    // N* = √((1 − σ)/κ) = √950 ≈ 30.8; X(N*) ≈ 903.8 rps
    expect(describeUsl(u)).toBe(
      "Throughput against concurrency (Universal Scalability Law, concurrency from Little's law on the latency from the write, 9 steps): ceiling ≈904 rps at ≈30.8 requests in flight; contention σ 0.050, coherency κ 0.0010, R² 1.00.",
    );
    expect(u.caveats).toEqual([]);
  });
});

describe('fitUslPoints: refusals instead of nonsense', () => {
  it('finds the flat ceiling of an M/M/32 queue (was 695 rps with σ clamped and the rest kept)', () => {
    const u = fitUslPoints(mmc(32, 1000 / 32, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]))!;
    expect(u.refused).toBeNull();
    expect(Math.abs(u.peakThroughput! / 1000 - 1)).toBeLessThan(0.06);
  });

  it('refuses a ceiling when the run stopped far below saturation', () => {
    // The exact curve peaks at ≈904 rps; steps up to 4 in flight reach 344 rps.
    const u = fitUslPoints(curve(100, 0.05, 0.001, [1, 2, 3, 4]))!;
    expect(u.peakThroughput).toBeNull();
    expect(u.peakConcurrency).toBeNull();
    expect(u.refused).toBe(
      'the highest measured throughput (344 rps) is under 50% of the fitted ceiling: the run stopped too far below saturation for a ceiling to mean anything',
    );
    // An M/M/32 queue measured to 80% of its capacity: the USL cannot tell where it flattens.
    expect(fitUslPoints(mmc(32, 1000 / 32, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]))!.refused).toMatch(/stopped too far below saturation/);
  });

  it('sees no ceiling in linear scaling, even where rounding leaves κ ≈ 1e-16 (was "≈76,192,857 requests in flight")', () => {
    for (const pts of [curve(50, 0, 0, [1, 2, 3, 4, 5]), curve(50, 0, 1e-16, [1, 2, 4, 8, 16, 32])]) {
      const u = fitUslPoints(pts)!;
      expect(u.peakThroughput).toBeNull();
      expect(u.peakConcurrency).toBeNull();
      expect(u.refused).toBe('throughput still rises (almost) linearly with concurrency: no ceiling within reach of the measured steps');
      expect(describeUsl(u)).not.toMatch(noNonsense);
    }
  });

  it('refits without κ when its peak would lie beyond 10× the measured concurrency', () => {
    // σ = 0.05 with a κ whose peak is at ≈3000 in flight, measured to 64: an asymptote, κ = 0.
    const u = fitUslPoints(curve(100, 0.05, 1e-7, [1, 2, 4, 8, 16, 32, 64]))!;
    expect(u.kappa).toBe(0);
    expect(u.ceiling).toBe('asymptote');
    expect(u.caveats).toContain('coherency κ left at 0: the peak it would place lies beyond 10× the highest measured concurrency');
  });

  it('says throughput fell at every step for σ > 1 data (was a ceiling of NaN)', () => {
    const u = fitUslPoints(curve(100, 1.5, 0, [1, 2, 3, 4, 5, 6]))!;
    expect(u.sigma).toBeLessThanOrEqual(1);
    expect(u.peakThroughput).toBeNull();
    expect(u.refused).toBe(
      'throughput fell as concurrency rose from the lowest measured (≈1 in flight): the fitted peak lies below every step; the best measured was 100 rps',
    );
    expect(describeUsl(u)).not.toMatch(noNonsense);
  });

  it('needs four points on three concurrencies', () => {
    expect(fitUslPoints(curve(50, 0.1, 0, [1, 2, 3]))).toBeNull();
    expect(fitUslPoints([...curve(50, 0.1, 0, [1, 2]), ...curve(50, 0.1, 0, [1, 2])])).toBeNull();
  });
});

describe('fitUsl on steps', () => {
  it('takes N from the latency from the write, not from the intended send', () => {
    const pts = curve(100, 0.05, 0.001, [1, 2, 4, 8, 16, 24, 32, 48, 64]);
    // 40 ms of the generator's own waiting in the corrected latency would multiply N several-fold.
    const u = fitUsl(stepsFor(pts, 40))!;
    expect(u.sigma).toBeCloseTo(0.05, 6);
    expect(u.peakThroughput).toBeCloseTo(903.8, 1);
  });

  it('leaves out steps with under one request in flight, and says so', () => {
    const pts = curve(100, 0.05, 0.001, [0.2, 0.5, 1, 2, 4, 8, 16, 32, 48]);
    const u = fitUsl(stepsFor(pts))!;
    expect(u.points).toBe(7);
    expect(u.belowOneInFlight).toBe(2);
    expect(u.measured.minConcurrency).toBeCloseTo(1, 9);
    expect(describeUsl(u)).toContain('7 steps; 2 with under one request in flight left out): ceiling ≈');
    const few = stepsFor(curve(100, 0.05, 0.001, [0.2, 0.5, 0.8, 1, 2, 4]));
    expect(fitUsl(few)).toBeNull();
    expect(uslSkipReason(few)).toBe('3 usable steps (3 more had under one request in flight, which says nothing about contention): too few to fit (need 4)');
    expect(describeUsl(null, uslSkipReason(few))).toContain('not fitted — 3 usable steps');
  });

  it('finds the ceiling of the fixture runs near their true capacity', () => {
    // The fixtures' service saturates at 980 rps (generate-baseline) and 700 rps (generate-regressed).
    const base = fitCapacityModel(fixture('generate-baseline')).usl!;
    expect(base.peakThroughput).toBeGreaterThan(900);
    expect(base.peakThroughput).toBeLessThan(1050);
    expect(fitCapacityModel(fixture('generate-regressed')).usl!.peakThroughput).toBeLessThan(760);
  });
});
