// Latency against load as two straight lines that meet at a knee (a continuous piecewise-linear
// "hinge" fit, least squares, knee found by search). Below the knee the service is mostly idle-bound
// (flat latency); above it queueing sets in and latency climbs. From the fitted lines: the knee and
// the load at which a latency SLO would break. It refuses, with the reason, wherever a number would
// be noise: a flat or falling curve, a poor fit (R²), a crossing below the measured loads or far
// beyond them — a flat p99 extrapolated to its threshold gives loads like 1e17 rps. Pure.
import { solveLinear } from './least-squares.js';
import { numText } from './number-text.js';

export interface SloPrediction {
  slo: string;
  /** Threshold in ms. */
  thresholdMs: number;
  /** Load (rps) where the fitted line crosses the threshold; null when refused (see `refused`). */
  predictedBreakLoad: number | null;
  /** Why no load is predicted; null when one is. */
  refused: string | null;
  /** Plain words: where the prediction sits against what was measured, or "no prediction: …". */
  note: string;
}

export interface LatencyFit {
  /** Metric key, e.g. `p99` or `p99{buy}`. */
  metric: string;
  points: number;
  /** Coefficient of determination of the hinge fit; null when it could not be fitted. */
  r2: number | null;
  /** Load (rps) where the slope changes; null when latency does not bend upward or the fit is refused. */
  knee: number | null;
  /** Fitted latency at the knee, ms. */
  latencyAtKneeMs: number | null;
  /** Slopes below/above the knee, ms per rps (equal, one straight line, when there is no knee). */
  slopeBelow: number;
  slopeAbove: number;
  /** Intercept of the lower line, ms. */
  intercept: number;
  /** Why the fit gives no knee and no prediction (too few steps, flat, falling, poor R²); null when it does. */
  refused: string | null;
  predictions: SloPrediction[];
  caveats: string[];
}

/** Fewer points than this and the fit gets a caveat (4 is the least that can fit a hinge at all). */
export const MIN_POINTS = 5;
export const MIN_POINTS_TO_FIT = 4;
export const POOR_R2 = 0.8;
/** Predictions beyond this multiple of the highest measured load are refused as extrapolation. */
export const FAR_EXTRAPOLATION = 1.5;
/** A fitted rise over the measured loads smaller than this share of the lowest fitted latency is "flat". */
export const FLAT_RISE = 0.1;

export interface Point {
  x: number;
  y: number;
}

/** Least-squares fit of y = a + b·x + c·max(0, x − k) for a fixed knee k; null when singular. */
function solveAt(points: readonly Point[], k: number): { a: number; b: number; c: number; sse: number } | null {
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
  const scale = Math.abs(n * sxx * shh) || 1;
  const det = n * (sxx * shh - sxh * sxh) - sx * (sx * shh - sxh * sh) + sh * (sx * sxh - sxx * sh);
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12 * scale) return null;
  const sol = solveLinear(m, [sy, sxy, shy]);
  if (!sol) return null;
  const [a, b, c] = sol as [number, number, number];
  let sse = 0;
  for (const { x, y } of points) {
    const e = y - (a + b * x + c * Math.max(0, x - k));
    sse += e * e;
  }
  return { a, b, c, sse };
}

/** Ordinary least squares of one straight line. */
function fitLine(points: readonly Point[]): { a: number; b: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const { x, y } of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const b = sxx > 0 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

export function fitHinge(points: readonly Point[], metric: string): LatencyFit {
  const fit: LatencyFit = {
    metric,
    points: points.length,
    r2: null,
    knee: null,
    latencyAtKneeMs: null,
    slopeBelow: 0,
    slopeAbove: 0,
    intercept: 0,
    refused: null,
    predictions: [],
    caveats: [],
  };
  const distinct = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  if (points.length < MIN_POINTS_TO_FIT || distinct.length < MIN_POINTS_TO_FIT) {
    fit.refused = `only ${points.length} usable step${points.length === 1 ? '' : 's'}: too few to fit a model (need ${MIN_POINTS_TO_FIT})`;
    fit.caveats.push(fit.refused);
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
    fit.refused = 'the fit failed (degenerate points)';
    fit.caveats.push(fit.refused);
    return fit;
  }
  fit.r2 = sst > 0 ? Math.max(0, 1 - best.sse / sst) : 1;
  const setLine = () => {
    const line = fitLine(points);
    fit.intercept = line.a;
    fit.slopeBelow = fit.slopeAbove = line.b;
    fit.knee = fit.latencyAtKneeMs = null;
  };
  if (best.c > 0) {
    fit.intercept = best.a;
    fit.slopeBelow = best.b;
    fit.slopeAbove = best.b + best.c;
    fit.knee = best.k;
    fit.latencyAtKneeMs = best.a + best.b * best.k;
  } else {
    setLine();
    fit.caveats.push(`${metric} does not bend upward over the measured loads: no knee`);
  }
  if (points.length < MIN_POINTS) fit.caveats.push(`only ${points.length} usable steps: treat the fit as rough`);
  if (fit.r2 < POOR_R2) fit.caveats.push(`poor fit (R² ${fit.r2.toFixed(2)}): latency is noisy or does not follow two straight lines`);

  // When to say nothing: the curve must rise, visibly, at the top of the measured loads, and fit.
  const xs = distinct;
  const fitted = xs.map((x) => fittedLatency(fit, x));
  const yLow = Math.min(...fitted);
  const yTop = fitted[fitted.length - 1]!;
  const [yMin, yMax] = [numText(Math.min(...points.map((p) => p.y))), numText(Math.max(...points.map((p) => p.y)))];
  const range = yMin === yMax ? `≈${yMin} ms` : `${yMin}–${yMax} ms`;
  if (fit.slopeAbove <= 0 || best.b + best.c <= 0 || yTop <= yLow) fit.refused = `${metric} does not rise at the highest measured loads (${range})`;
  else if (yTop - yLow <= FLAT_RISE * Math.max(yLow, 0)) fit.refused = `${metric} is flat over the measured loads (${range}): no trend to extrapolate`;
  else if (fit.r2 < POOR_R2) fit.refused = `poor fit (R² ${fit.r2.toFixed(2)}, below ${POOR_R2})`;
  if (fit.refused !== null && fit.knee !== null) setLine();
  return fit;
}

/** y(x) on the fitted hinge. */
export function fittedLatency(fit: Pick<LatencyFit, 'knee' | 'intercept' | 'slopeBelow' | 'slopeAbove'>, x: number): number {
  const k = fit.knee ?? Infinity;
  return fit.intercept + fit.slopeBelow * Math.min(x, k) + (x > k ? fit.slopeAbove * (x - k) : 0);
}

/** The measured boundary a prediction is read against. */
export interface MeasuredBoundary {
  maxServableLoad: number | null;
  firstFailingLoad: number | null;
}

/** Where the fitted latency first reaches threshold `t` (ms), or the reason no load is given. */
export function predictBreak(fit: LatencyFit, slo: string, t: number, measured: readonly Point[], cap: MeasuredBoundary, label = 'rps'): SloPrediction {
  const p: SloPrediction = { slo, thresholdMs: t, predictedBreakLoad: null, refused: null, note: '' };
  const refuse = (why: string) => {
    p.refused = why;
    p.note = `no prediction: ${why}`;
    return p;
  };
  if (fit.r2 === null || fit.refused !== null) return refuse(fit.refused ?? 'no fit');
  const minX = Math.min(...measured.map((q) => q.x));
  const maxX = Math.max(...measured.map((q) => q.x));
  const x = firstCrossing(fit, t, minX);
  if (x === null) return refuse(`the fitted ${fit.metric} never reaches ${numText(t)} ms`);
  if (x <= minX) return refuse(`the fitted ${fit.metric} is already at ${numText(t)} ms at the lowest measured load (${numText(minX)} ${label})`);
  if (x > maxX * FAR_EXTRAPOLATION) {
    return refuse(`the fitted ${fit.metric} reaches ${numText(t)} ms only beyond ${FAR_EXTRAPOLATION}× the highest measured load (${numText(maxX)} ${label}): too far to extrapolate`);
  }
  p.predictedBreakLoad = x;
  const notes: string[] = [];
  if (cap.maxServableLoad !== null && cap.firstFailingLoad !== null) {
    const inside = x >= cap.maxServableLoad * 0.9 && x <= cap.firstFailingLoad * 1.1;
    notes.push(
      inside
        ? `agrees with the measured boundary (${numText(cap.maxServableLoad)}–${numText(cap.firstFailingLoad)} ${label})`
        : `the measured boundary is ${numText(cap.maxServableLoad)}–${numText(cap.firstFailingLoad)} ${label}`,
    );
  }
  if (x > maxX) notes.push(`extrapolated beyond the highest measured load (${numText(maxX)} ${label})`);
  p.note = notes.join('; ');
  return p;
}

/** The lowest load ≥ from where the fitted hinge reaches t; `from` itself when it is already there. */
function firstCrossing(fit: LatencyFit, t: number, from: number): number | null {
  if (fittedLatency(fit, from) >= t) return from;
  const k = fit.knee ?? Infinity;
  if (from < k && fit.slopeBelow > 0) {
    const x = (t - fit.intercept) / fit.slopeBelow;
    if (x <= k) return x;
  }
  if (k === Infinity || fit.slopeAbove <= 0) return null;
  const yk = fittedLatency(fit, Math.max(k, from));
  return Math.max(k, from) + (t - yk) / fit.slopeAbove;
}
