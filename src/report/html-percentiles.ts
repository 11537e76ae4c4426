// The HTML report's latency distribution chart: each step's HDR percentile curve, as wrk2 and
// HdrHistogram users read it — x is the percentile on a "nines" axis (0%, 90%, 99%, 99.9%, 99.99%:
// equal room per nine, where the tail lives), y the latency in ms. Drawn from each step's base64
// HDR histogram (StepStats.histogram); steps without one (shift mode, old reports) are left out.
import { decodeHistogram, type Histogram } from '../metrics/histogram.js';
import type { RunResult, StepResult } from '../result.js';
import { fmtNum, isLatencyMetric, parseSloText } from './format.js';
import { lineChart, type RefLine, type Series } from './svg-chart.js';
import { loadLabel, reportLevelUnit } from '../scenario/level-unit.js';

/** More curves than this do not read: a long run shows a selection (see pickSteps). */
export const MAX_CURVES = 8;
/** Curve resolution on the nines axis. */
const POINTS_PER_NINE = 20;

/** Percentile (0–100) → position on the nines axis: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3. */
export function nines(percentile: number): number {
  return -Math.log10(1 - percentile / 100);
}

/** Position on the nines axis → its percentile label: 0 → "0%", 2 → "99%", 3 → "99.9%". */
export function ninesLabel(x: number): string {
  const p = 100 * (1 - Math.pow(10, -x));
  return `${Number(p.toFixed(Math.max(0, Math.round(x) - 2)))}%`;
}

/**
 * The curve of one histogram: latency (ms) at percentiles from 0% up to the deepest one its sample
 * count resolves (1 − 1/count: past it the curve would only repeat the maximum), at most 99.999%.
 */
export function percentileCurve(h: Histogram, maxNines = 5): Array<{ x: number; y: number }> {
  if (h.totalCount === 0) return [];
  const deepest = Math.min(maxNines, Math.log10(h.totalCount));
  const pts: Array<{ x: number; y: number }> = [];
  for (let i = 0; i <= Math.floor(deepest * POINTS_PER_NINE); i++) {
    const x = i / POINTS_PER_NINE;
    pts.push({ x, y: h.getValueAtPercentile(100 * (1 - Math.pow(10, -x))) / 1000 });
  }
  pts.push({ x: deepest, y: h.maxValue / 1000 });
  return pts;
}

/**
 * Which steps get a curve when there are more than `max`: the highest that passed and the lowest
 * that failed (the boundary is what a reader compares), then loads spread evenly over the rest.
 */
export function pickSteps(steps: StepResult[], max = MAX_CURVES): StepResult[] {
  const byLoad = [...steps].sort((a, b) => a.load - b.load || a.index - b.index);
  if (byLoad.length <= max) return byLoad;
  const keep = new Set<StepResult>();
  const lastPass = byLoad.filter((s) => s.verdict === 'pass').at(-1);
  const firstFail = byLoad.find((s) => s.verdict === 'fail');
  for (const s of [lastPass, firstFail]) if (s) keep.add(s);
  const rest = byLoad.filter((s) => !keep.has(s));
  const slots = max - keep.size;
  for (let i = 0; i < slots; i++) keep.add(rest[Math.round((i * (rest.length - 1)) / Math.max(1, slots - 1))]!);
  return byLoad.filter((s) => keep.has(s));
}

/** Blue (low load) to red (high load), so the curves read in load order. */
function rampColor(t: number): string {
  const stops = [
    [49, 54, 149],
    [69, 117, 180],
    [116, 173, 209],
    [253, 174, 97],
    [244, 109, 67],
    [165, 0, 38],
  ];
  const f = Math.max(0, Math.min(1, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(f));
  const c = stops[i]!.map((v, k) => Math.round(v + (stops[i + 1]![k]! - v) * (f - i)));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export function percentileChart(r: RunResult): string | null {
  const L = loadLabel(reportLevelUnit(r));
  const withHist = r.steps.filter((s) => s.histogram && s.latencyMs.count > 0);
  if (withHist.length === 0) return null;
  const picked = pickSteps(withHist);
  const series: Series[] = [];
  let deepest = 0;
  picked.forEach((s, i) => {
    let h: Histogram;
    try {
      h = decodeHistogram(s.histogram!);
    } catch {
      return; // a damaged histogram costs its curve, not the report
    }
    const points = percentileCurve(h);
    if (points.length === 0) return;
    deepest = Math.max(deepest, points.at(-1)!.x);
    series.push({
      // The load names a curve (the legend stays one row); the tooltip adds the step.
      name: `${fmtNum(s.load)} ${L}${s.verdict === 'pass' ? '' : ` (${s.verdict})`}`,
      color: rampColor(picked.length === 1 ? 0 : i / (picked.length - 1)),
      dashed: s.verdict === 'fail',
      markers: false,
      points: points.map((p) => ({ ...p, title: `step ${s.index + 1} @ ${fmtNum(s.load)} ${L}: ${ninesLabel(p.x)} ≤ ${fmtNum(p.y)} ms` })),
    });
  });
  if (series.length === 0) return null;
  // Percentile SLOs as thresholds (p99 < 250ms): where a curve crosses one left of its percentile, it held.
  const hLines: RefLine[] = r.scenario.slo
    .map(parseSloText)
    .filter((s) => s && s.scope === 'target' && isLatencyMetric(s.base) && !s.metric.includes('{') && /^p\d+$/.test(s.base) && s.threshold !== null)
    .map((s) => ({ value: s!.threshold!, label: `SLO ${s!.text}`, color: '#d62728' }));
  const ticks = Array.from({ length: Math.ceil(deepest - 1e-9) + 1 }, (_, i) => i);
  const note = withHist.length > picked.length ? ` (${picked.length} of ${withHist.length} steps)` : '';
  return lineChart({
    id: 'chart-percentiles',
    title: `Latency by percentile per step (HDR)${note}`,
    xLabel: 'percentile (each tick one more nine)',
    yLabel: 'latency (ms)',
    series,
    hLines,
    xTicks: ticks.length >= 2 ? ticks : [0, 1],
    xFormat: ninesLabel,
    yFormat: (n) => fmtNum(n),
    yScale: 'auto',
    // Taller than the other charts: a log axis over 1 ms … 1 s keeps its 1-2-5 ticks.
    height: 400,
  });
}
