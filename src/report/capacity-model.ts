// A simple capacity model fitted to a run's steps: latency against load as two straight lines that
// meet at a knee (a continuous piecewise-linear "hinge" fit, least squares, knee found by search).
// Below the knee the service is mostly idle-bound (flat latency); above it queueing sets in and
// latency climbs. From the fitted lines we report the knee and the load at which each latency SLO
// would break — useful when every step passed (where would it break?) and as a cross-check of the
// measured boundary. Pure; honest about itself: R², the number of points, and caveats when the fit
// is poor, the points are few, or a prediction extrapolates far beyond the measured loads.
import type { RunResult, StepResult } from '../result.js';
import { fitUsl, type UslFit } from './capacity-usl.js';
import { fmtNum, isLatencyMetric, parseSloText } from './format.js';

export interface SloPrediction {
  slo: string;
  /** Threshold in ms. */
  thresholdMs: number;
  /** Load (rps) where the fitted line crosses the threshold; null when it never does on the fit. */
  predictedBreakLoad: number | null;
  /** Plain words: where the prediction sits against what was measured. */
  note: string;
}

export interface LatencyFit {
  /** Metric key, e.g. `p99` or `p99{buy}`. */
  metric: string;
  points: number;
  /** Coefficient of determination of the hinge fit; null when it could not be fitted. */
  r2: number | null;
  /** Load (rps) where the slope changes; null when latency does not bend upward. */
  knee: number | null;
  /** Fitted latency at the knee, ms. */
  latencyAtKneeMs: number | null;
  /** Slopes below/above the knee, ms per rps. */
  slopeBelow: number;
  slopeAbove: number;
  /** Intercept of the lower line, ms. */
  intercept: number;
  predictions: SloPrediction[];
  caveats: string[];
}

export interface CapacityModel {
  method: 'piecewise-linear';
  fits: LatencyFit[];
  /** Throughput against concurrency (Universal Scalability Law); null with too few usable steps. */
  usl: UslFit | null;
  /** One line for humans. */
  summary: string;
}

/** Fewer points than this and the fit gets a caveat (4 is the least that can fit a hinge at all). */
export const MIN_POINTS = 5;
export const MIN_POINTS_TO_FIT = 4;
export const POOR_R2 = 0.8;
/** Predictions beyond this multiple of the highest measured load are flagged as extrapolation. */
export const FAR_EXTRAPOLATION = 1.5;

export function fitCapacityModel(result: RunResult): CapacityModel {
  const slos = result.scenario.slo.map(parseSloText).filter((s) => s !== null && s.scope === 'target' && isLatencyMetric(s.base));
  const metrics = [...new Set(['p99', ...slos.map((s) => s!.metric)])];
  const fits = metrics.map((metric) => {
    const points = usablePoints(result.steps, metric);
    const fit = fitHinge(points, metric);
    const maxX = Math.max(0, ...points.map((p) => p.x));
    for (const s of slos) {
      if (fit.r2 === null) break;
      if (s!.metric !== metric || s!.threshold === null || (s!.op !== '<' && s!.op !== '<=')) continue;
      fit.predictions.push(predict(fit, s!.text, s!.threshold, maxX, result));
    }
    return fit;
  });
  const usl = fitUsl(result.steps);
  return { method: 'piecewise-linear', fits, usl, summary: summarize(fits, usl) };
}

interface Point {
  x: number;
  y: number;
}

function usablePoints(steps: StepResult[], metric: string): Point[] {
  const base = metric.replace(/\{.*\}$/, '') as keyof StepResult['latencyMs'];
  const out: Point[] = [];
  for (const s of steps) {
    if (s.verdict === 'inconclusive' || s.partial || s.latencyMs.count === 0) continue;
    const v = s.metrics[metric] ?? (metric === base ? s.latencyMs[base] : undefined);
    if (typeof v === 'number' && Number.isFinite(v) && s.load > 0) out.push({ x: s.load, y: v });
  }
  return out.sort((a, b) => a.x - b.x);
}

/** Least-squares fit of y = a + b·x + c·max(0, x − k) for a fixed knee k; null when singular. */
function solveAt(points: Point[], k: number): { a: number; b: number; c: number; sse: number } | null {
  // Normal equations for the basis [1, x, h] with h = max(0, x − k).
  let n = 0, sx = 0, sh = 0, sxx = 0, sxh = 0, shh = 0, sy = 0, sxy = 0, shy = 0;
  for (const { x, y } of points) {
    const h = Math.max(0, x - k);
    n++; sx += x; sh += h; sxx += x * x; sxh += x * h; shh += h * h; sy += y; sxy += x * y; shy += h * y;
  }
  const m = [
    [n, sx, sh],
    [sx, sxx, sxh],
    [sh, sxh, shh],
  ];
  const sol = solve3(m, [sy, sxy, shy]);
  if (!sol) return null;
  const [a, b, c] = sol;
  let sse = 0;
  for (const { x, y } of points) {
    const e = y - (a + b * x + c * Math.max(0, x - k));
    sse += e * e;
  }
  return { a, b, c, sse };
}

/** Cramer's rule; the matrices here are 3×3 and well scaled enough after centring is not needed. */
function solve3(m: number[][], v: number[]): [number, number, number] | null {
  const det = (a: number[][]) =>
    a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!) -
    a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!) +
    a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
  const d = det(m);
  const scale = Math.abs(m[0]![0]! * m[1]![1]! * m[2]![2]!) || 1;
  if (!Number.isFinite(d) || Math.abs(d) < 1e-12 * scale) return null;
  const col = (i: number) => m.map((row, r) => row.map((x, c) => (c === i ? v[r]! : x)));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

function fitHinge(points: Point[], metric: string): LatencyFit {
  const fit: LatencyFit = {
    metric,
    points: points.length,
    r2: null,
    knee: null,
    latencyAtKneeMs: null,
    slopeBelow: 0,
    slopeAbove: 0,
    intercept: 0,
    predictions: [],
    caveats: [],
  };
  const distinct = [...new Set(points.map((p) => p.x))];
  if (points.length < MIN_POINTS_TO_FIT || distinct.length < MIN_POINTS_TO_FIT) {
    fit.caveats.push(`only ${points.length} usable step${points.length === 1 ? '' : 's'}: too few to fit a model (need ${MIN_POINTS_TO_FIT})`);
    return fit;
  }
  const mean = points.reduce((a, p) => a + p.y, 0) / points.length;
  const sst = points.reduce((a, p) => a + (p.y - mean) ** 2, 0);
  // Search the knee between the second and the second-to-last distinct load, so that each line has
  // at least two points to stand on: 200 candidates, then the exact point loads.
  const lo = distinct[1]!;
  const hi = distinct[distinct.length - 2]!;
  const candidates = [...distinct.slice(1, -1)];
  for (let i = 0; i <= 200; i++) candidates.push(lo + ((hi - lo) * i) / 200);
  let best: { k: number; a: number; b: number; c: number; sse: number } | null = null;
  for (const k of candidates) {
    const s = solveAt(points, k);
    if (s && (!best || s.sse < best.sse - 1e-12)) best = { k, ...s };
  }
  if (!best) {
    fit.caveats.push('the fit failed (degenerate points)');
    return fit;
  }
  fit.r2 = sst > 0 ? Math.max(0, 1 - best.sse / sst) : 1;
  fit.intercept = best.a;
  fit.slopeBelow = best.b;
  fit.slopeAbove = best.b + best.c;
  if (best.c > 0) {
    fit.knee = best.k;
    fit.latencyAtKneeMs = best.a + best.b * best.k;
  } else {
    fit.caveats.push(`${metric} does not bend upward over the measured loads: no knee`);
  }
  if (points.length < MIN_POINTS) fit.caveats.push(`only ${points.length} usable steps: treat the fit as rough`);
  if (fit.r2 < POOR_R2) fit.caveats.push(`poor fit (R² ${fit.r2.toFixed(2)}): latency is noisy or does not follow two straight lines`);
  return fit;
}

/** y(x) on the fitted hinge. */
export function fittedLatency(fit: LatencyFit, x: number): number {
  const k = fit.knee ?? Infinity;
  return fit.intercept + fit.slopeBelow * Math.min(x, k) + (x > k ? fit.slopeAbove * (x - k) : 0);
}

function predict(fit: LatencyFit, slo: string, t: number, maxX: number, result: RunResult): SloPrediction {
  const p: SloPrediction = { slo, thresholdMs: t, predictedBreakLoad: null, note: '' };
  if (fit.r2 === null) {
    p.note = 'no fit';
    return p;
  }
  let x: number | null = null;
  const yk = fit.knee !== null ? fittedLatency(fit, fit.knee) : Infinity;
  if (fit.knee !== null && t > yk) x = fit.slopeAbove > 0 ? fit.knee + (t - yk) / fit.slopeAbove : null;
  else if (fit.slopeBelow > 0) x = (t - fit.intercept) / fit.slopeBelow;
  if (x !== null && (!Number.isFinite(x) || x < 0)) x = x < 0 ? 0 : null;
  p.predictedBreakLoad = x;
  if (x === null) {
    p.note = 'the fitted latency never reaches the threshold';
    return p;
  }
  const cap = result.capacity;
  const notes: string[] = [];
  if (cap.maxServableLoad !== null && cap.firstFailingLoad !== null) {
    const inside = x >= cap.maxServableLoad * 0.9 && x <= cap.firstFailingLoad * 1.1;
    notes.push(
      inside
        ? `agrees with the measured boundary (${fmtNum(cap.maxServableLoad)}–${fmtNum(cap.firstFailingLoad)} rps)`
        : `the measured boundary is ${fmtNum(cap.maxServableLoad)}–${fmtNum(cap.firstFailingLoad)} rps`,
    );
  }
  if (x > maxX * FAR_EXTRAPOLATION) notes.push(`extrapolated far beyond the highest measured load (${fmtNum(maxX)} rps): indicative only`);
  else if (x > maxX) notes.push(`extrapolated beyond the highest measured load (${fmtNum(maxX)} rps)`);
  p.note = notes.join('; ');
  return p;
}

function summarize(fits: LatencyFit[], usl: UslFit | null): string {
  const parts: string[] = [];
  for (const f of fits) {
    if (f.r2 === null) continue;
    const knee = f.knee !== null ? `${f.metric} bends at ≈${fmtNum(f.knee)} rps` : `${f.metric} has no knee`;
    parts.push(`${knee} (R² ${f.r2.toFixed(2)})`);
    for (const p of f.predictions) {
      if (p.predictedBreakLoad !== null) parts.push(`${p.slo} predicted to break at ≈${fmtNum(p.predictedBreakLoad)} rps`);
    }
  }
  if (usl && usl.peakThroughput !== null && usl.r2 >= 0.8) parts.push(`throughput ceiling (USL) ≈${fmtNum(usl.peakThroughput)} rps (R² ${usl.r2.toFixed(2)})`);
  return parts.length ? parts.join('; ') : 'too few usable steps to fit a model';
}
