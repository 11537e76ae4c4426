import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { capacityModelOf, fitCapacityModel, fittedLatency, MODEL_VERSION } from '../../src/analysis/capacity-model.js';
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

  it('refuses predictions far beyond the measured loads, and marks near ones as extrapolated', () => {
    // 5 + 0.05·(x − 500) = 250 → x = 5400, 5.4× the highest measured load: no number
    const far = fitCapacityModel(runWith(hundreds, (x) => (x <= 500 ? 5 : 5 + 0.05 * (x - 500)))).fits[0]!.predictions[0]!;
    expect(far.predictedBreakLoad).toBeNull();
    expect(far.note).toBe('no prediction: the fitted p99 reaches 250 ms only beyond 1.5× the highest measured load (1000 rps): too far to extrapolate');
    // 5 + 0.4·(x − 500) = 250 → x = 1112.5: within 1.5×, given, and said to be extrapolated
    const near = fitCapacityModel(runWith(hundreds, (x) => (x <= 500 ? 5 : 5 + 0.4 * (x - 500))));
    expect(near.fits[0]!.predictions[0]!.predictedBreakLoad).toBeCloseTo(1112.5, 1);
    expect(near.fits[0]!.predictions[0]!.note).toBe('extrapolated beyond the highest measured load (1000 rps)');
  });

  it('says so when latency does not bend, and predicts from the one line within range', () => {
    const m = fitCapacityModel(runWith(hundreds, (x) => 20 + 0.2 * x));
    expect(m.fits[0]!.knee).toBeNull();
    expect(m.fits[0]!.caveats).toContain('p99 does not bend upward over the measured loads: no knee');
    // One straight line: 20 + 0.2x = 250 → 1150
    expect(m.fits[0]!.slopeBelow).toBeCloseTo(0.2, 9);
    expect(m.fits[0]!.slopeAbove).toBeCloseTo(0.2, 9);
    expect(m.fits[0]!.predictions[0]!.predictedBreakLoad).toBeCloseTo(1150, 6);
  });

  // Each of these once printed a load: "predicted to break at ≈858901708800000300 rps" for the first.
  it.each([
    ['a flat p99 (rounding-level slope)', (x: number) => 5 + 1e-12 * x, 'p99 is flat over the measured loads (≈5 ms): no trend to extrapolate'],
    ['a flat p99 with noise', (x: number) => 5 + 0.2 * Math.sin(x), 'p99 is flat over the measured loads (4.8–5.2 ms): no trend to extrapolate'],
    ['a falling p99', (x: number) => 60 - 0.05 * x, 'p99 does not rise at the highest measured loads (10–55 ms)'],
    ['a rising p99 that then falls', (x: number) => (x <= 700 ? 10 + 0.1 * x : 80 - 0.1 * (x - 700)), 'p99 does not rise at the highest measured loads (20–80 ms)'],
  ])('gives no knee and no prediction for %s', (_, f, reason) => {
    const m = fitCapacityModel(runWith(hundreds, f));
    const fit = m.fits[0]!;
    expect(fit.refused).toBe(reason);
    expect(fit.knee).toBeNull();
    expect(fit.predictions).toEqual([{ slo: 'p99 < 250ms', thresholdMs: 250, predictedBreakLoad: null, refused: reason, note: `no prediction: ${reason}` }]);
    expect(m.summary).toMatch(/^p99: no knee and no prediction \(p99 (is flat over the measured loads \(.*\)|does not rise .*)\)/);
    expect(m.summary).not.toMatch(/predicted to break|bends at|e\+|NaN|Infinity/);
  });

  it('gives no prediction where the fitted line is already at the threshold at the lowest load', () => {
    const m = fitCapacityModel(runWith(hundreds, (x) => (x <= 500 ? 300 : 300 + 2 * (x - 500))));
    expect(m.fits[0]!.predictions[0]!.note).toBe('no prediction: the fitted p99 is already at 250 ms at the lowest measured load (100 rps)');
  });

  it('warns about a poor fit and gives no number from it', () => {
    const noisy = [30, 5, 60, 8, 45, 3, 70, 10, 50, 4];
    const m = fitCapacityModel(runWith(hundreds, (x) => noisy[x / 100 - 1]!));
    expect(m.fits[0]!.r2).toBeLessThan(0.8);
    expect(m.fits[0]!.caveats.join()).toMatch(/poor fit \(R² 0\.\d\d\)/);
    // The last noisy step is low, so the curve is also said to fall at the top; either way, no number.
    expect(m.fits[0]!.refused).toMatch(/^(poor fit \(R² 0\.\d\d, below 0\.8\)|p99 does not rise at the highest measured loads \(3–70 ms\))$/);
    expect(m.fits[0]!.knee).toBeNull();
    expect(m.fits[0]!.predictions[0]!.predictedBreakLoad).toBeNull();
    expect(m.fits[0]!.predictions[0]!.note).toBe(`no prediction: ${m.fits[0]!.refused}`);
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


describe('capacityModelOf', () => {
  it('refits a model stored by an older version, and keeps one of this version', () => {
    const r = fixture('generate-baseline');
    const fresh = fitCapacityModel(r);
    expect(fresh.version).toBe(MODEL_VERSION);
    r.model = { ...fresh, summary: 'stored' };
    expect(capacityModelOf(r).summary).toBe('stored');
    r.model = { ...fresh, version: undefined, summary: 'old nonsense: ≈858901708800000300 rps' };
    expect(capacityModelOf(r).summary).toBe(fresh.summary);
  });
});
