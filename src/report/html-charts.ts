// The charts of the HTML report, built from a RunResult: offered vs achieved rate per step, latency
// percentiles against load (SLO thresholds, max servable load, the failing zone, the model's fit),
// error rate against load, and for shift runs the target group against the control group.
import type { RunResult, StepResult } from '../result.js';
import { fittedLatency, type CapacityModel } from '../analysis/capacity-model.js';
import { fmtNum, fmtPct, isLatencyMetric, parseSloText, stepsByLoad } from './format.js';
import { lineChart, type ChartPoint, type RefLine, type Series } from './svg-chart.js';
import { loadLabel, reportLevelUnit, type LevelUnit } from '../scenario/level-unit.js';

const COLORS: Record<string, string> = {
  p50: '#1f77b4',
  p90: '#ff7f0e',
  p95: '#8c564b',
  p99: '#9467bd',
  p999: '#e377c2',
  max: '#7f7f7f',
  mean_latency: '#17becf',
};
const RED = '#d62728';
const GREEN = '#2ca02c';
const ms = (n: number) => `${fmtNum(n)} ms`;
const rps = (n: number) => fmtNum(n);

function state(s: StepResult): ChartPoint['state'] {
  return s.verdict;
}

function tip(s: StepResult, u: LevelUnit, what: string): string {
  return `step ${s.index + 1} (${s.phase}) @ ${fmtNum(s.load)} ${loadLabel(u)} — ${what} — ${s.verdict}`;
}

function loadMarkers(r: RunResult): { vLines: RefLine[]; shadeFrom?: { x: number; label: string } } {
  const c = r.capacity;
  const L = loadLabel(reportLevelUnit(r));
  const vLines: RefLine[] = [];
  if (c.maxServableLoad !== null) vLines.push({ value: c.maxServableLoad, label: `max servable ${fmtNum(c.maxServableLoad)} ${L}`, color: GREEN });
  const shadeFrom = c.firstFailingLoad !== null ? { x: c.firstFailingLoad, label: `failing loads (≥ ${fmtNum(c.firstFailingLoad)} ${L})` } : undefined;
  return shadeFrom ? { vLines, shadeFrom } : { vLines };
}

export function rateChart(r: RunResult): string {
  const u = reportLevelUnit(r);
  const steps = r.steps;
  const pt = (s: StepResult, y: number, what: string): ChartPoint => ({ x: s.index + 1, y, state: state(s), title: tip(s, u, what) });
  return lineChart({
    id: 'chart-rate',
    title: 'Offered vs achieved rate per step',
    xLabel: 'step',
    yLabel: 'requests/s',
    xIntegers: true,
    series: [
      { name: 'offered', color: '#1f77b4', points: steps.map((s) => pt(s, s.offeredRps, `offered ${fmtNum(s.offeredRps)} rps`)) },
      { name: 'achieved', color: '#ff7f0e', dashed: true, points: steps.map((s) => pt(s, s.achievedRps, `achieved ${fmtNum(s.achievedRps)} rps`)) },
    ],
    xFormat: (n) => String(Math.round(n)),
    yFormat: rps,
  });
}

export function latencyChart(r: RunResult, model?: CapacityModel): string {
  const u = reportLevelUnit(r);
  const steps = stepsByLoad(r).filter((s) => s.latencyMs.count > 0);
  const slos = r.scenario.slo.map(parseSloText).filter((s) => s && s.scope === 'target' && isLatencyMetric(s.base) && !s.metric.includes('{'));
  const metrics = [...new Set(['p50', 'p90', 'p99', ...slos.map((s) => s!.base)])] as Array<keyof StepResult['latencyMs']>;
  const value = (s: StepResult, m: string) => s.metrics[m] ?? (m === 'mean_latency' ? s.latencyMs.mean : (s.latencyMs as unknown as Record<string, number>)[m]);
  const series: Series[] = metrics.map((m) => ({
    name: m,
    color: COLORS[m] ?? '#333',
    points: steps.map((s) => ({ x: s.load, y: value(s, m) ?? NaN, state: state(s), title: tip(s, u, `${m} ${ms(value(s, m) ?? NaN)}`) })),
  }));
  const fit = model?.fits.find((f) => f.metric === 'p99' && f.r2 !== null && f.knee !== null);
  if (fit && steps.length > 1) {
    const hi = steps[steps.length - 1]!.load;
    // Drawn from the knee up, where the model says something (the lower line is only a rough
    // average of the flat part). Sampled densely: on a log axis a straight segment is a curve.
    const from = fit.knee!;
    const xs = Array.from({ length: 41 }, (_, i) => from + ((hi - from) * i) / 40);
    series.push({
      name: `p99 model above its knee (≈${fmtNum(fit.knee!)} ${loadLabel(u)}, R² ${fit.r2!.toFixed(2)})`,
      color: '#555',
      dashed: true,
      markers: false,
      guide: true,
      points: xs.map((x) => ({ x, y: fittedLatency(fit, x) })).filter((p) => p.y > 0),
    });
  }
  const hLines: RefLine[] = slos.map((s) => ({ value: s!.threshold ?? NaN, label: `SLO ${s!.text}`, color: RED })).filter((l) => Number.isFinite(l.value));
  return lineChart({
    id: 'chart-latency',
    title: 'Latency percentiles against load',
    xLabel: u === 'sessions' ? 'load (sessions/s)' : 'load (requests/s)',
    yLabel: 'latency (ms)',
    series,
    hLines,
    ...loadMarkers(r),
    yScale: 'auto',
    xFormat: rps,
    yFormat: (n) => fmtNum(n),
  });
}

export function errorChart(r: RunResult): string {
  const u = reportLevelUnit(r);
  const steps = stepsByLoad(r);
  const slos = r.scenario.slo.map(parseSloText).filter((s) => s && s.scope === 'target' && s.metric === 'error_rate');
  return lineChart({
    id: 'chart-errors',
    title: 'Error rate against load',
    xLabel: u === 'sessions' ? 'load (sessions/s)' : 'load (requests/s)',
    yLabel: 'error rate (%)',
    series: [
      {
        name: 'error rate',
        color: RED,
        points: steps.map((s) => ({ x: s.load, y: s.errorRate * 100, state: state(s), title: tip(s, u, `errors ${fmtPct(s.errorRate)} (${s.errorCount} of ${s.sent})`) })),
      },
    ],
    hLines: slos.map((s) => ({ value: (s!.threshold ?? NaN) * 100, label: `SLO ${s!.text}`, color: '#b8860b' })).filter((l) => Number.isFinite(l.value)),
    ...loadMarkers(r),
    xFormat: rps,
    yFormat: (n) => `${fmtNum(n)}%`,
  });
}

/** Shift runs: target group against the control group, latency and errors; and the share of traffic. */
export function shiftCharts(r: RunResult): string[] {
  const u = reportLevelUnit(r);
  const steps = stepsByLoad(r).filter((s) => s.live);
  if (steps.length === 0) return [];
  const charts: string[] = [];
  const group = (pick: (s: StepResult) => number | undefined, g: 'target' | 'control') =>
    steps.map((s) => {
      const y = pick(s) ?? NaN;
      return { x: s.load, y, state: state(s), title: tip(s, u, `${g} ${fmtNum(y)}`) };
    });
  const hasControl = steps.some((s) => s.live!.control);
  const lat = (g: 'target' | 'control') => (s: StepResult) => s.live![g]?.p99Ms ?? s.live![g]?.meanLatencyMs;
  const latName = steps.some((s) => s.live!.target.p99Ms !== undefined) ? 'p99' : 'mean latency';
  const controlRules = r.scenario.guard.concat(r.scenario.slo).map(parseSloText).filter((s) => s && s.scope === 'control');
  const guard = controlRules.filter((s) => isLatencyMetric(s!.base));
  const errorGuards = controlRules.filter((s) => s!.base === 'error_rate');
  charts.push(
    lineChart({
      id: 'chart-shift-latency',
      title: `Target vs control group: ${latName}`,
      xLabel: 'load on the target servers (requests/s)',
      yLabel: `${latName} (ms)`,
      series: [
        { name: `target ${latName}`, color: '#9467bd', points: group(lat('target'), 'target') },
        ...(hasControl ? [{ name: `control ${latName}`, color: '#7f7f7f', dashed: true, points: group(lat('control'), 'control') }] : []),
      ],
      hLines: guard.map((s) => ({ value: s!.threshold ?? NaN, label: `${s!.text}`, color: RED })).filter((l) => Number.isFinite(l.value)),
      ...loadMarkers(r),
      yScale: 'auto',
      xFormat: rps,
    }),
  );
  charts.push(
    lineChart({
      id: 'chart-shift-errors',
      title: 'Target vs control group: error rate',
      xLabel: 'load on the target servers (requests/s)',
      yLabel: 'error rate (%)',
      series: [
        { name: 'target', color: RED, points: group((s) => s.live!.target.errorRate * 100, 'target') },
        ...(hasControl ? [{ name: 'control', color: '#7f7f7f', dashed: true, points: group((s) => (s.live!.control ? s.live!.control.errorRate * 100 : undefined), 'control') }] : []),
      ],
      hLines: errorGuards.map((s) => ({ value: (s!.threshold ?? NaN) * 100, label: s!.text, color: RED })).filter((l) => Number.isFinite(l.value)),
      ...loadMarkers(r),
      xFormat: rps,
      yFormat: (n) => `${fmtNum(n)}%`,
    }),
  );
  const byIndex = [...steps].sort((a, b) => a.index - b.index);
  charts.push(
    lineChart({
      id: 'chart-shift-share',
      title: 'Share of the backend traffic sent to the targets',
      xLabel: 'step',
      yLabel: 'share (%)',
      xIntegers: true,
      series: [
        { name: 'expected (from weights)', color: '#1f77b4', points: byIndex.map((s) => ({ x: s.index + 1, y: s.live!.expectedShare * 100, title: tip(s, u, `expected ${fmtPct(s.live!.expectedShare)}`) })) },
        { name: 'measured', color: '#ff7f0e', dashed: true, points: byIndex.map((s) => ({ x: s.index + 1, y: s.live!.measuredShare * 100, title: tip(s, u, `measured ${fmtPct(s.live!.measuredShare)}`) })) },
      ],
      xFormat: (n) => String(Math.round(n)),
      yFormat: (n) => `${fmtNum(n)}%`,
    }),
  );
  return charts;
}

/** Generate runs: how well the generator kept its schedule, per step — the evidence behind "not generator-limited". */
export function generatorChart(r: RunResult): string | null {
  const u = reportLevelUnit(r);
  const steps = r.steps.filter((s) => s.generator);
  if (steps.length === 0) return null;
  const pt = (s: StepResult, y: number, what: string): ChartPoint => ({ x: s.index + 1, y, state: s.generator!.limited ? 'inconclusive' : 'pass', title: tip(s, u, what) });
  return lineChart({
    id: 'chart-generator',
    title: 'Load generator health per step (grey: the generator was the limit)',
    xLabel: 'step',
    yLabel: 'ms',
    xIntegers: true,
    series: [
      { name: 'send lag p99', color: '#8c564b', points: steps.map((s) => pt(s, s.generator!.sendLagP99Ms, `send lag p99 ${ms(s.generator!.sendLagP99Ms)}`)) },
      { name: 'event-loop delay p99', color: '#17becf', dashed: true, points: steps.map((s) => pt(s, s.generator!.eventLoopDelayP99Ms, `event-loop delay p99 ${ms(s.generator!.eventLoopDelayP99Ms)}`)) },
    ],
    xFormat: (n) => String(Math.round(n)),
    yFormat: (n) => fmtNum(n),
  });
}
