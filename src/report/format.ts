// Number and SLO formatting shared by the JUnit, Markdown, HTML, compare and history reporters, so
// one value reads the same in every output ("312ms", "1.2%", "812 rps").
import type { LatencyFit, SloPrediction } from '../analysis/capacity-model.js';
import type { RunResult, StepResult } from '../result.js';
import { metricKind, parseSlo } from '../slo/parse.js';
import { splitMetricKey } from '../slo/metric-catalog.js';
import { loadLabel, reportLevelUnit } from '../scenario/level-unit.js';
import { fmtMs, fmtNum, fmtRps, pct, signedPct } from '../analysis/number-text.js';

// The number formats live with the decisions, whose sentences use them too; reporters read them here.
export { fmtMs, fmtNum, fmtRps, pct, signedPct };

/** An SLO text split for display: `p99{buy} < 250ms` → metric `p99{buy}`, op `<`, threshold 250 (ms). */
export interface SloText {
  text: string;
  metric: string;
  /** Metric name without scope and request: `p99`. */
  base: string;
  scope: 'target' | 'control';
  op: '<' | '<=' | '>' | '>=';
  /** In the metric's base unit (ms for latency, fraction for rates), or null when unreadable. */
  threshold: number | null;
}

export function isLatencyMetric(base: string): boolean {
  return metricKind(base) === 'latency';
}

/**
 * Reads an SLO text with the one SLO parser (src/slo/parse.ts), split the way reporters need it.
 * Null when the text does not parse (a hand-edited report): a chart then has no threshold line.
 */
export function parseSloText(text: string): SloText | null {
  let rule;
  try {
    rule = parseSlo(text);
  } catch {
    return null;
  }
  const key = splitMetricKey(rule.metric);
  return { text: rule.text, metric: rule.metric, base: key.base, scope: key.control ? 'control' : 'target', op: rule.op, threshold: rule.threshold };
}

/** A metric value with its unit: latency in ms, fractions in %, rates in rps. */
export function fmtMetric(base: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const kind = metricKind(base);
  if (kind === 'latency') return fmtNum(value) + 'ms';
  if (kind === 'fraction') return fmtPct(value);
  if (base === 'rps' || base === 'offered_rps') return fmtNum(value) + ' rps';
  return fmtNum(value);
}

/** A fraction as a percentage with enough digits to see small error rates: 0.00012 → "0.012%". */
export function fmtPct(f: number): string {
  if (!Number.isFinite(f)) return 'n/a';
  return fmtNum(f * 100) + '%';
}

/** The value an SLO was judged on at a step: the step's metric map, else the breach record. */
export function sloValue(step: StepResult, slo: SloText): number | null {
  const v = step.metrics[slo.metric];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const b = step.breaches.find((x) => x.slo === slo.text || x.metric === slo.metric);
  return b?.value ?? null;
}

/** "1.5 s", "2 min 5 s", "1 h 3 min". */
export function fmtDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toPrecision(3))} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** One-word run verdict for headlines. */
export function verdictWord(r: RunResult): string {
  if (r.status === 'failed') return 'FAILED';
  if (r.status === 'aborted') return 'ABORTED';
  if (r.gate && !r.gate.passed) return 'GATE FAILED';
  switch (r.capacity.verdict) {
    case 'found':
      return 'CAPACITY FOUND';
    case 'above-max':
      return 'ABOVE MAX';
    case 'below-start':
      return 'BELOW START';
    case 'inconclusive':
      return 'INCONCLUSIVE';
    default:
      return 'UNKNOWN';
  }
}

/** The steps in load order (refine steps interleave with ramp steps by index). */
export function stepsByLoad(r: RunResult): StepResult[] {
  return [...r.steps].sort((a, b) => a.load - b.load || a.index - b.index);
}

/** The capacity one-liner; falls back to a computed one when the report has none. */
export function capacityLine(r: RunResult): string {
  if (r.capacity.summary) return r.capacity.summary;
  const c = r.capacity;
  if (c.maxServableLoad === null) return 'no load passed the SLOs';
  const res = c.resolution !== null ? ` (±${fmtPct(c.resolution)})` : '';
  const lim = c.limitedBy.length ? `, limited by ${c.limitedBy.join(', ')}` : '';
  return `max servable load: ${fmtNum(c.maxServableLoad)} ${loadLabel(reportLevelUnit(r))}${res}${lim}`;
}

/**
 * The first clause of an inconclusive reason, for table cells: "generator limited: send lag p99
 * 13.8ms > 10ms (max 27.4ms): the generator could not …" → "generator limited: send lag p99 13.8ms > 10ms (max 27.4ms)".
 */
export function shortReason(reason: string): string {
  const parts = reason.split(': ');
  return parts.length > 2 ? `${parts[0]}: ${parts[1]}` : reason;
}

/** "812 rps", or "≥ 812 rps" when the capacity is only a lower bound (every step passed, or the run stopped early). */
export function capacityText(c: RunResult['capacity'], label = 'rps'): string {
  if (c.maxServableLoad === null) return 'none';
  const bound = c.verdict === 'above-max' || c.verdict === 'unknown' || c.verdict === 'inconclusive';
  return `${bound ? '≥ ' : ''}${fmtNum(c.maxServableLoad)} ${label}`;
}

/** A model's SLO-break prediction for a table cell: "≈667 rps (agrees …)" or "no prediction: …". */
export function predictionText(p: SloPrediction, label = 'rps'): string {
  if (p.predictedBreakLoad === null) return p.note || 'never';
  return `≈${fmtNum(p.predictedBreakLoad)} ${label}${p.note ? ` (${p.note})` : ''}`;
}

/** A latency fit's caveats, with why it gives no knee or prediction when that is not among them already. */
export function modelCaveats(f: LatencyFit): string[] {
  return f.refused && !f.caveats.includes(f.refused) ? [...f.caveats, `no knee and no prediction: ${f.refused}`] : f.caveats;
}
