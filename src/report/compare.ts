// `loadtest compare a.json b.json [c.json …]`: runs side by side. The first run is the baseline;
// every other run gets a verdict against it with the rule the --baseline gate uses
// (analysis/capacity-change.ts), on the two runs' capacity brackets: regressed (a drop beyond the
// allowed one in every reading), improved (higher in every reading), within tolerance, or
// inconclusive (the brackets cannot tell). Latency percentiles are lined up at the loads the runs share
// (matched within LOAD_MATCH). Pure: compareRuns builds the comparison, render* format it.
import type { RunResult, StepResult } from '../result.js';
import { fmtMs, fmtNum, pct as fmtPct, signedPct } from './format.js';
import { bracketOf, bracketText, comparabilityNote, decidingNote, DEFAULT_MAX_REGRESSION, LOAD_MATCH } from '../analysis/gate.js';
import { judgeCapacityChange, regressionRange } from '../analysis/capacity-change.js';
import { mdEscape, mdTable } from './markdown.js';
import { loadLabel, reportLevelUnit, type LevelUnit } from '../scenario/level-unit.js';

export interface ComparedRun {
  label: string;
  scenario: string;
  startedAt: string;
  status: RunResult['status'];
  maxServableLoad: number | null;
  resolution: number | null;
  firstFailingLoad: number | null;
  capacityVerdict: RunResult['capacity']['verdict'];
  limitedBy: string[];
  /** What the loads count (scenario/level-unit.ts): 'sessions' with `traffic.sessions`. */
  levelUnit: LevelUnit;
}

export type PairVerdict = 'improved' | 'regressed' | 'within tolerance' | 'inconclusive' | 'not comparable';

export interface PairComparison {
  /** Index of the run compared against the baseline (run 0). */
  run: number;
  /** Relative capacity change against the baseline; null when either has no servable load. */
  change: number | null;
  /** Combined resolution of the two runs (fraction). */
  noise: number;
  verdict: PairVerdict;
  /** Plain words with numbers. */
  reason: string;
}

export interface LatencyCell {
  load: number;
  p50: number;
  p90: number;
  p99: number;
  verdict: StepResult['verdict'];
}

export interface LatencyRow {
  /** The baseline's load. */
  load: number;
  /** One cell per run (null when that run has no step within LOAD_MATCH of this load). */
  cells: Array<LatencyCell | null>;
}

export interface Comparison {
  runs: ComparedRun[];
  pairs: PairComparison[];
  /** Loads measured by the baseline and at least one other run. */
  latency: LatencyRow[];
}

export function compareRuns(inputs: Array<{ label: string; result: RunResult }>, maxRegression = DEFAULT_MAX_REGRESSION): Comparison {
  const runs = inputs.map(({ label, result: r }) => ({
    label,
    scenario: r.scenario.name,
    startedAt: r.startedAt,
    status: r.status,
    maxServableLoad: r.capacity.maxServableLoad,
    resolution: r.capacity.resolution,
    firstFailingLoad: r.capacity.firstFailingLoad,
    capacityVerdict: r.capacity.verdict,
    limitedBy: r.capacity.limitedBy,
    levelUnit: reportLevelUnit(r),
  }));
  const base = inputs[0]!.result;
  const pairs = inputs.slice(1).map(({ result }, i) => comparePair(base, result, i + 1, maxRegression));
  return { runs, pairs, latency: latencyRows(inputs.map((x) => x.result)) };
}

function comparePair(base: RunResult, cur: RunResult, run: number, allowed: number): PairComparison {
  const noise = (base.capacity.resolution ?? 0) + (cur.capacity.resolution ?? 0);
  const b = base.capacity.maxServableLoad;
  const c = cur.capacity.maxServableLoad;
  const change = b !== null && c !== null && b > 0 ? (c - b) / b : null;
  const bb = bracketOf(base);
  const cb = bracketOf(cur);
  const both = `${bracketText(cb, loadLabel(reportLevelUnit(cur)))} vs ${bracketText(bb, loadLabel(reportLevelUnit(base)))}`;
  if (bb.low === null) return { run, change, noise, verdict: 'not comparable', reason: `the baseline has no servable load (${both})` + comparabilityNote(cur, base) };
  const judged = judgeCapacityChange(bb, cb, allowed);
  const range = regressionRange(bb, cb);
  const verdict: PairVerdict =
    judged.outcome === 'regressed' ? 'regressed' : judged.outcome === 'inconclusive' ? 'inconclusive' : range.max < 0 ? 'improved' : 'within tolerance';
  const deciding = judged.outcome === 'inconclusive' ? decidingNote(cur, bb, allowed) : '';
  return { run, change, noise, verdict, reason: `${both}: ${judged.reason}${deciding}` + comparabilityNote(cur, base) };
}

function comparable(s: StepResult): boolean {
  return s.verdict !== 'inconclusive' && !s.partial && s.latencyMs.count > 0 && s.load > 0;
}

function latencyRows(results: RunResult[]): LatencyRow[] {
  const pools = results.map((r) => r.steps.filter(comparable));
  const baseLoads = [...pools[0]!].sort((a, b) => a.load - b.load);
  const rows: LatencyRow[] = [];
  for (const step of baseLoads) {
    if (rows.length && Math.abs(rows[rows.length - 1]!.load - step.load) / step.load <= LOAD_MATCH) continue;
    const cells = pools.map((pool) => {
      let best: StepResult | undefined;
      for (const s of pool) {
        const d = Math.abs(s.load - step.load) / Math.max(s.load, step.load);
        if (d <= LOAD_MATCH && (!best || Math.abs(s.load - step.load) < Math.abs(best.load - step.load))) best = s;
      }
      return best ? { load: best.load, p50: best.latencyMs.p50, p90: best.latencyMs.p90, p99: best.latencyMs.p99, verdict: best.verdict } : null;
    });
    if (cells.slice(1).some((c) => c !== null)) rows.push({ load: step.load, cells });
  }
  return rows;
}

const capText = (r: ComparedRun) =>
  r.maxServableLoad === null
    ? 'none'
    : `${['above-max', 'unknown', 'inconclusive'].includes(r.capacityVerdict) ? '≥ ' : ''}${fmtNum(r.maxServableLoad)} ${loadLabel(r.levelUnit)}${r.resolution !== null ? ` (+${fmtPct(r.resolution)})` : ''}`;

/** The capacity block as rows of cells: a header row, then one row per attribute. */
function capacityGrid(c: Comparison): string[][] {
  const head = ['', ...c.runs.map((r, i) => (i === 0 ? `${r.label} (baseline)` : r.label))];
  const pair = (i: number) => c.pairs.find((p) => p.run === i);
  return [
    head,
    ['scenario', ...c.runs.map((r) => r.scenario)],
    ['started', ...c.runs.map((r) => r.startedAt.slice(0, 16).replace('T', ' '))],
    ['max servable load', ...c.runs.map(capText)],
    ['first failing load', ...c.runs.map((r) => (r.firstFailingLoad === null ? 'none' : `${fmtNum(r.firstFailingLoad)} ${loadLabel(r.levelUnit)}`))],
    ['limited by', ...c.runs.map((r) => r.limitedBy.join(', ') || '—')],
    ['change', ...c.runs.map((_, i) => (i === 0 ? '—' : pair(i)!.change === null ? 'n/a' : signedPct(pair(i)!.change!)))],
    ['verdict', ...c.runs.map((_, i) => (i === 0 ? '—' : pair(i)!.verdict))],
  ];
}

function latencyGrid(c: Comparison): string[][] {
  const head = ['load', ...c.runs.map((r) => `${r.label} p50 / p99`)];
  const rows = c.latency.map((row) => [
    `${fmtNum(row.load)} ${loadLabel(c.runs[0]!.levelUnit)}`,
    ...row.cells.map((cell, i) => {
      if (!cell) return '—';
      const base = row.cells[0]!;
      const v = `${fmtMs(cell.p50)} / ${fmtMs(cell.p99)}${cell.verdict === 'fail' ? ' ✗' : ''}`;
      if (i === 0 || !base) return v;
      return `${v} (${signedPct(rel(cell.p50, base.p50))} / ${signedPct(rel(cell.p99, base.p99))})`;
    }),
  ]);
  return [head, ...rows];
}

function rel(v: number, base: number): number {
  return base > 0 ? (v - base) / base : 0;
}

function textTable(grid: string[][]): string {
  const widths = grid[0]!.map((_, c) => Math.max(...grid.map((r) => [...(r[c] ?? '')].length)));
  return grid.map((r) => r.map((v, c) => v + ' '.repeat(widths[c]! - [...v].length)).join('   ').trimEnd()).join('\n');
}

export function renderCompareTable(c: Comparison): string {
  const out = ['Capacity', textTable(capacityGrid(c)), ''];
  for (const p of c.pairs) out.push(`${c.runs[p.run]!.label} vs ${c.runs[0]!.label}: ${p.verdict} — ${p.reason}`);
  out.push('', 'Latency at shared loads (✗ = the step failed its SLOs; change against the baseline)');
  out.push(c.latency.length ? textTable(latencyGrid(c)) : '(no load measured by the baseline and another run)');
  return out.join('\n') + '\n';
}

export function renderCompareMarkdown(c: Comparison): string {
  const cap = capacityGrid(c);
  const lat = latencyGrid(c);
  const out = ['## loadtest compare\n', mdTable(cap[0]!, cap.slice(1))];
  for (const p of c.pairs) out.push(`- **${mdEscape(c.runs[p.run]!.label)}** vs **${mdEscape(c.runs[0]!.label)}**: ${p.verdict} — ${mdEscape(p.reason)}`);
  out.push('\n### Latency at shared loads\n');
  out.push(c.latency.length ? mdTable(lat[0]!, lat.slice(1), lat[0]!.map(() => 'r' as const)) : '_No load measured by the baseline and another run._\n');
  return out.join('\n');
}

export function renderCompareJson(c: Comparison): string {
  return JSON.stringify(c, null, 2) + '\n';
}
