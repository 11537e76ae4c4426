// The capacity model fitted to a run's steps: for p99 and every latency SLO, latency against load as
// a knee (latency-knee.ts) with the load where the SLO would break; and throughput against
// concurrency with the Universal Scalability Law (usl.ts), for the ceiling the service could reach at
// all. Useful when every step passed (where would it break?) and as a cross-check of the measured
// boundary — a reading aid, never the answer. Honest about itself: each part says when it refuses
// to give a number, and why. Pure.
import type { RunResult, StepResult } from '../result.js';
import { splitMetricKey } from '../slo/metric-catalog.js';
import { metricKind, parseSlo } from '../slo/parse.js';
import type { SloRule } from '../slo/slo.js';
import { fitHinge, predictBreak, type LatencyFit, type Point } from './latency-knee.js';
import { numText } from './number-text.js';
import { fitUsl, uslSkipReason, type UslFit } from './usl.js';
import { loadLabel, reportLevelUnit } from '../scenario/level-unit.js';

export { fittedLatency, FAR_EXTRAPOLATION, MIN_POINTS, MIN_POINTS_TO_FIT, POOR_R2, type LatencyFit, type SloPrediction } from './latency-knee.js';

/**
 * 2: bounded USL fit, concurrency from the latency from the write, refusals. A stored model of an
 * older version is refitted from the steps rather than shown (see `capacityModelOf`).
 */
export const MODEL_VERSION = 2;

export interface CapacityModel {
  method: 'piecewise-linear';
  /** Absent on models written before version 2. */
  version?: number;
  fits: LatencyFit[];
  /** Throughput against concurrency (Universal Scalability Law); null with too few usable steps. */
  usl: UslFit | null;
  /** Why `usl` is null; absent when it is not. */
  uslSkipped?: string;
  /** One line for humans. */
  summary: string;
}

export function fitCapacityModel(result: RunResult): CapacityModel {
  const slos = latencySlos(result.scenario.slo);
  // Loads are sessions/s in a sessions run; the USL's throughput stays requests/s.
  const L = loadLabel(reportLevelUnit(result));
  const metrics = [...new Set(['p99', ...slos.map((s) => s.metric)])];
  const fits = metrics.map((metric) => {
    const points = usablePoints(result.steps, metric);
    const fit = fitHinge(points, metric);
    if (fit.r2 === null) return fit;
    for (const s of slos) if (s.metric === metric) fit.predictions.push(predictBreak(fit, s.text, s.threshold, points, result.capacity, L));
    return fit;
  });
  const usl = fitUsl(result.steps);
  const model: CapacityModel = { method: 'piecewise-linear', version: MODEL_VERSION, fits, usl, summary: '' };
  if (!usl) model.uslSkipped = uslSkipReason(result.steps) ?? undefined;
  model.summary = summarize(fits, usl, L);
  return model;
}

/** The run's model: the stored one when it is of this version, else fitted again from the steps. */
export function capacityModelOf(result: RunResult): CapacityModel {
  return result.model?.version === MODEL_VERSION ? result.model : fitCapacityModel(result);
}

/** Upper bounds on target latency (`p99 < 250ms`, `p99{buy} <= 0.4s`): the SLOs a knee can predict. */
export function latencySlos(texts: readonly string[]): SloRule[] {
  const out: SloRule[] = [];
  for (const text of texts) {
    let rule: SloRule;
    try {
      rule = parseSlo(text);
    } catch {
      continue; // validated when the run started; a report edited by hand only loses a prediction
    }
    const key = splitMetricKey(rule.metric);
    if (!key.control && metricKind(key.base) === 'latency' && (rule.op === '<' || rule.op === '<=')) out.push(rule);
  }
  return out;
}

function usablePoints(steps: readonly StepResult[], metric: string): Point[] {
  const base = splitMetricKey(metric).base as keyof StepResult['latencyMs'];
  const out: Point[] = [];
  for (const s of steps) {
    if (s.verdict === 'inconclusive' || s.partial || s.latencyMs.count === 0) continue;
    const v = s.metrics[metric] ?? (metric === base ? s.latencyMs[base] : undefined);
    if (typeof v === 'number' && Number.isFinite(v) && s.load > 0) out.push({ x: s.load, y: v });
  }
  return out.sort((a, b) => a.x - b.x);
}

/** The first clause of a reason, for the one-line summary. */
const firstClause = (reason: string) => reason.split(': ')[0]!;

function summarize(fits: readonly LatencyFit[], usl: UslFit | null, L: string): string {
  const parts: string[] = [];
  for (const f of fits) {
    if (f.r2 === null) continue;
    if (f.refused !== null) {
      parts.push(`${f.metric}: no knee and no prediction (${firstClause(f.refused)})`);
      continue;
    }
    const knee = f.knee !== null ? `${f.metric} bends at ≈${numText(f.knee)} ${L}` : `${f.metric} has no knee`;
    parts.push(`${knee} (R² ${f.r2.toFixed(2)})`);
    for (const p of f.predictions) {
      parts.push(p.predictedBreakLoad !== null ? `${p.slo} predicted to break at ≈${numText(p.predictedBreakLoad)} ${L}` : `${p.slo}: no prediction`);
    }
  }
  if (usl?.peakThroughput != null) parts.push(`throughput ceiling (USL) ≈${numText(usl.peakThroughput)} rps (R² ${usl.r2.toFixed(2)})`);
  else if (usl?.refused) parts.push(`no throughput ceiling (USL): ${firstClause(usl.refused)}`);
  return parts.length ? parts.join('; ') : 'too few usable steps to fit a model';
}
