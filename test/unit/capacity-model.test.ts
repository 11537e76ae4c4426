import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitCapacityModel, fittedLatency } from '../../src/report/capacity-model.js';
import { describeUsl, fitUsl } from '../../src/report/capacity-usl.js';
import type { RunResult } from '../../src/result.js';

const fixture = (name: string): RunResult => JSON.parse(readFileSync(new URL(`../fixtures/reports/${name}.json`, import.meta.url), 'utf8')) as RunResult;

/** A run whose p99 at each load is f(load); SLO p99 < 250ms judged on it. */
function runWith(loads: number[], f: (x: number) => number, slo = ['p99 < 250ms']): RunResult {
  const r = fixture('generate-baseline');
  const t = r.steps[0]!;
  r.scenario.slo = slo;
  r.steps = loads.map((load, index) => {
    const p99 = f(load);
    const verdict = p99 < 250 ? ('pass' as const) : ('fail' as const);
    return { ...t, index, load, level: load, verdict, latencyMs: { ...t.latencyMs, p99, p50: p99 / 3 }, metrics: { ...t.metrics, p99, p50: p99 / 3 } };
  });
  const pass = r.steps.filter((s) => s.verdict === 'pass').map((s) => s.load);
  const fail = r.steps.filter((s) => s.verdict === 'fail').map((s) => s.load);
  r.capacity = {
    ...r.capacity,
    maxServableLoad: pass.length ? Math.max(...pass) : null,
    firstFailingLoad: fail.length ? Math.min(...fail) : null,
  };
  return r;
}

const hundreds = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];

describe('fitCapacityModel', () => {
  it('finds the knee of an exact hinge and predicts where the SLO breaks', () => {
    const m = fitCapacityModel(runWith(hundreds, (x) => (x <= 550 ? 10 + 0.01 * x : 15.5 + 2 * (x - 550))));
    const p99 = m.fits.find((f) => f.metric === 'p99')!;
    expect(p99.points).toBe(10);
    expect(p99.r2).toBeGreaterThan(0.999);
    expect(p99.knee).toBeCloseTo(550, 0);
    expect(p99.slopeBelow).toBeCloseTo(0.01, 3);
    expect(p99.slopeAbove).toBeCloseTo(2, 3);
    expect(fittedLatency(p99, 800)).toBeCloseTo(515.5, 1);
    // 15.5 + 2·(x − 550) = 250 → x = 667.25
    expect(p99.predictions).toHaveLength(1);
    expect(p99.predictions[0]!.predictedBreakLoad).toBeCloseTo(667.25, 1);
    expect(p99.predictions[0]!.note).toContain('agrees with the measured boundary (600–700 rps)');
    expect(p99.caveats).toEqual([]);
    expect(m.summary).toBe('p99 bends at ≈550 rps (R² 1.00); p99 < 250ms predicted to break at ≈667 rps');
  });

  it('fits a queueing curve well enough and brackets the measured boundary', () => {
    const m = fitCapacityModel(fixture('generate-baseline'));
    const p99 = m.fits[0]!;
    expect(p99.r2).toBeGreaterThan(0.9);
    const x = p99.predictions[0]!.predictedBreakLoad!;
    expect(x).toBeGreaterThan(850);
    expect(x).toBeLessThan(1000);
  });

  it('flags predictions far beyond the measured loads', () => {
    const m = fitCapacityModel(runWith(hundreds, (x) => (x <= 500 ? 5 : 5 + 0.05 * (x - 500))));
    const p = m.fits[0]!.predictions[0]!;
    // 5 + 0.05·(x − 500) = 250 → x = 5400, 5.4× the highest measured load
    expect(p.predictedBreakLoad).toBeCloseTo(5400, 0);
    expect(p.note).toContain('extrapolated far beyond the highest measured load (1000 rps): indicative only');
  });

  it('says so when latency does not bend', () => {
    const m = fitCapacityModel(runWith(hundreds, (x) => 20 + 0.1 * x));
    expect(m.fits[0]!.knee).toBeNull();
    expect(m.fits[0]!.caveats).toContain('p99 does not bend upward over the measured loads: no knee');
    // Still a prediction from the single line: 20 + 0.1x = 250 → 2300
    expect(m.fits[0]!.predictions[0]!.predictedBreakLoad).toBeCloseTo(2300, 0);
  });

  it('warns about a poor fit', () => {
    const noisy = [30, 5, 60, 8, 45, 3, 70, 10, 50, 4];
    const m = fitCapacityModel(runWith(hundreds, (x) => noisy[x / 100 - 1]!));
    expect(m.fits[0]!.r2).toBeLessThan(0.8);
    expect(m.fits[0]!.caveats.join()).toMatch(/poor fit \(R² 0\.\d\d\)/);
  });

  it('refuses to fit too few points, and warns with few', () => {
    const three = fitCapacityModel(runWith([100, 200, 300], (x) => x / 10));
    expect(three.fits[0]!.r2).toBeNull();
    expect(three.fits[0]!.caveats).toEqual(['only 3 usable steps: too few to fit a model (need 4)']);
    expect(three.summary).toBe('too few usable steps to fit a model');
    const four = fitCapacityModel(runWith([100, 200, 300, 400], (x) => (x < 250 ? 10 : 10 + (x - 250))));
    expect(four.fits[0]!.caveats).toContain('only 4 usable steps: treat the fit as rough');
  });

  it('models every latency SLO metric, and leaves out inconclusive steps', () => {
    const r = runWith(hundreds, (x) => (x <= 550 ? 10 : 10 + 2 * (x - 550)), ['p99 < 250ms', 'p50 < 100ms', 'error_rate < 1%', 'control.p99 < 300ms']);
    r.steps[2]!.verdict = 'inconclusive';
    const m = fitCapacityModel(r);
    expect(m.fits.map((f) => f.metric)).toEqual(['p99', 'p50']);
    expect(m.fits[0]!.points).toBe(9);
    // p50 = p99/3: 10/3 + (2/3)(x − 550) = 100 → x = 695
    expect(m.fits[1]!.predictions[0]!.predictedBreakLoad).toBeCloseTo(695, 0);
  });
});

describe('fitUsl', () => {
  /** Steps whose throughput follows the USL exactly at these concurrencies (latency from Little's law). */
  function uslSteps(lambda: number, sigma: number, kappa: number, ns: number[]) {
    const t = fixture('generate-baseline').steps[0]!;
    return ns.map((n, index) => {
      const x = (lambda * n) / (1 + sigma * (n - 1) + kappa * n * (n - 1));
      return { ...t, index, load: x, achievedRps: x, verdict: 'pass' as const, latencyMs: { ...t.latencyMs, mean: (n / x) * 1000 } };
    });
  }

  it('recovers the parameters and the peak of an exact USL curve', () => {
    const u = fitUsl(uslSteps(100, 0.05, 0.001, [1, 2, 4, 8, 16, 24, 32, 48, 64]))!;
    expect(u.lambda).toBeCloseTo(100, 6);
    expect(u.sigma).toBeCloseTo(0.05, 6);
    expect(u.kappa).toBeCloseTo(0.001, 8);
    expect(u.r2).toBeCloseTo(1, 9);
    // N* = √((1 − σ)/κ) = √950 ≈ 30.8; X(N*) ≈ 903.8 rps
    expect(u.peakConcurrency).toBeCloseTo(Math.sqrt(950), 6);
    expect(u.peakThroughput).toBeCloseTo(903.8, 1);
    expect(u.caveats).toEqual([]);
    expect(describeUsl(u)).toBe(
      "Throughput against concurrency (Universal Scalability Law, concurrency from Little's law, 9 steps): ceiling ≈904 rps at ≈30.8 requests in flight; contention σ 0.050, coherency κ 0.0010, R² 1.00.",
    );
  });

  it('has no ceiling for linear scaling, and needs four steps', () => {
    const linear = fitUsl(uslSteps(50, 0, 0, [1, 2, 3, 4, 5]))!;
    expect(linear.peakThroughput).toBeNull();
    expect(linear.caveats).toContain('throughput still rises linearly: no ceiling in sight of the measured loads');
    expect(fitUsl(uslSteps(50, 0.1, 0, [1, 2, 3]))).toBeNull();
    expect(describeUsl(null)).toContain('fewer than 4 usable steps, not fitted');
  });

  it('finds the ceiling of the fixture runs near their true capacity', () => {
    // The fixtures' service saturates at 980 rps (generate-baseline) and 700 rps (generate-regressed).
    expect(fitCapacityModel(fixture('generate-baseline')).usl!.peakThroughput).toBeGreaterThan(900);
    expect(fitCapacityModel(fixture('generate-baseline')).usl!.peakThroughput).toBeLessThan(1050);
    expect(fitCapacityModel(fixture('generate-regressed')).usl!.peakThroughput).toBeLessThan(760);
  });
});
