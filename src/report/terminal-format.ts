// Pure text for the terminal reporter: the run header, the live progress line, one line per finished
// step, and the final table with the verdict line. No I/O here (terminal.ts writes), so every line
// is tested as a string.
import { balanceTable } from './balance-table.js';
import { bottleneckLine, headroomTable, servicesTable } from './services-table.js';
import type { ChalkInstance } from 'chalk';
import type { StepProgress } from '../metrics/step-stats.js';
import { agentsLine } from './agents-line.js';
import type { RunResult, StepResult } from '../result.js';
import type { Scenario } from '../scenario/scenario.js';
import { formatSetFlags } from '../scenario/overrides.js';
import { formatRps } from '../analysis/capacity.js';
import { clipText, visibleLength, wrapItems } from './terminal-fit.js';
import { levelLabel, loadLabel, reportLevelUnit, scenarioLevelUnit } from '../scenario/level-unit.js';

const ANSI = /\x1b\[[0-9;]*m/g;

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 100) return `${Math.round(ms)}ms`;
  if (ms >= 10) return `${ms.toFixed(1)}ms`;
  return `${ms.toFixed(2)}ms`;
}

export function fmtPct(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '–';
  const p = fraction * 100;
  return p === 0 ? '0%' : p < 0.01 ? '<0.01%' : p < 10 ? `${p.toFixed(2)}%` : `${p.toFixed(1)}%`;
}

/** 75000 → "1m15s", 4000 → "4s", 1500 → "1.5s". */
export function fmtDuration(ms: number): string {
  if (ms < 10_000 && ms % 1000 !== 0) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function describePlan(scenario: Scenario, plannedSteps: number, worstCaseMs: number): string {
  const l = scenario.load;
  const levelUnit = scenarioLevelUnit(scenario);
  const unit = levelUnit === 'share' ? 'x' : ` ${levelLabel(levelUnit)}`;
  const how = l.factor !== undefined ? `×${l.factor}` : `+${l.step}${unit}`;
  const refine = l.refine !== undefined ? `, refine to ${Math.round(l.refine * 1000) / 10}%` : '';
  return (
    `plan: ${l.start}${unit} → ${l.max}${unit} (${how}), ${fmtDuration(l.stepDurationMs)} steps (${fmtDuration(l.warmupMs)} warm-up)${refine}; ` +
    `at most ${plannedSteps} steps, ≤ ${fmtDuration(worstCaseMs)}`
  );
}

/**
 * The run's first lines. `width` (a terminal's columns) breaks the plan and the rule lists between
 * their parts instead of letting the terminal cut words; without it every part is one line.
 */
export function renderHeader(scenario: Scenario, target: string, plannedSteps: number, worstCaseMs: number, c: ChalkInstance, width = Infinity): string[] {
  const list = (label: string, items: string[], sep = ', ') => (width === Infinity ? [`${label}${items.join(sep)}`] : wrapItems(label, items, sep, width));
  const plan = describePlan(scenario, plannedSteps, worstCaseMs);
  const lines = [
    `${c.bold('loadtest')}: ${scenario.name} → ${target} (${scenario.traffic.kind})`,
    ...(visibleLength(plan) > width ? list('', plan.split('; '), '; ') : [plan]),
    ...list('SLOs: ', scenario.slo.length ? scenario.slo.map((r) => r.text) : ['(none)']),
  ];
  if (scenario.abort.length > 0) lines.push(...list('abort if: ', scenario.abort.map((r) => r.text)));
  if (scenario.guard.length > 0) lines.push(...list('guard: ', scenario.guard.map((r) => r.text)));
  if (scenario.overrides?.length) lines.push(`overrides: ${formatSetFlags(scenario.overrides)}`);
  return lines;
}

function bar(fraction: number, width: number): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

export interface LiveState {
  index: number;
  plannedSteps: number;
  phase: 'ramp' | 'refine';
  description: string;
  durationMs: number;
  progress?: StepProgress;
}

/** What the live line shows; narrower terminals get the later, smaller variants. */
interface LiveLayout {
  /** The run's remaining time after the step's. */
  runLeft: boolean;
  /** 'full' = `offered 200 → 198 rps`, 'short' = `→ 198 rps` (the step's own description says what was asked). */
  rates: 'full' | 'short' | false;
  bar: number;
  p50: boolean;
}

const LIVE_LAYOUTS: LiveLayout[] = [
  { runLeft: true, rates: 'full', bar: 10, p50: true },
  { runLeft: false, rates: 'full', bar: 10, p50: true },
  { runLeft: false, rates: 'short', bar: 10, p50: true },
  { runLeft: false, rates: 'short', bar: 5, p50: true },
  { runLeft: false, rates: 'short', bar: 5, p50: false },
  { runLeft: false, rates: false, bar: 0, p50: false },
];

/**
 * The line redrawn in place on a TTY while a step runs, fitted to `width` by dropping, in order: the
 * run's remaining time, the word "offered", half the bar, p50, the achieved rate and the bar (p99
 * and the error rate stay to the last):
 * `step 2/≤15 ramp   200 rps  ██████░░░░ 2s left (run ≤54s)  offered 200 → 200 rps  p50 20.0ms p99 31.0ms  err 0%`
 */
export function renderProgressLine(s: LiveState, c: ChalkInstance, width = Infinity): string {
  let line = '';
  for (const layout of LIVE_LAYOUTS) {
    line = progressLine(s, c, layout);
    if (visibleLength(line) <= width) return line;
  }
  return line;
}

function progressLine(s: LiveState, c: ChalkInstance, layout: LiveLayout): string {
  const p = s.progress;
  const elapsed = p?.elapsedMs ?? 0;
  const left = Math.max(0, s.durationMs - elapsed);
  const m = p?.metrics ?? {};
  // Retries of inconclusive steps can run past the planned worst case: then just the number.
  const n = s.index < s.plannedSteps ? `step ${s.index + 1}/≤${s.plannedSteps}` : `step ${s.index + 1}`;
  const bars = layout.bar > 0 ? `${bar(s.durationMs > 0 ? elapsed / s.durationMs : 0, layout.bar)} ` : '';
  let time = `${bars}${fmtDuration(Math.ceil(left / 1000) * 1000)} left`;
  // The run's remaining time if every planned step still ran: an upper bound (the search usually stops sooner).
  const stepsAfter = s.plannedSteps - s.index - 1;
  if (layout.runLeft && stepsAfter > 0) time += ' ' + c.dim(`(run ≤${fmtDuration(Math.ceil((left + stepsAfter * s.durationMs) / 1000) * 1000)})`);
  const parts = [`${n} ${s.phase.padEnd(6)} ${c.bold(s.description)}`, time];
  if (p) {
    if (layout.rates === 'full') parts.push(`offered ${formatRps(p.offeredRps)} → ${formatRps(p.achievedRps)} rps`);
    else if (layout.rates === 'short') parts.push(`→ ${formatRps(p.achievedRps)} rps`);
    parts.push((layout.p50 ? `p50 ${fmtMs(m['p50'])} ` : '') + `p99 ${fmtMs(m['p99'])}`, `err ${fmtPct(m['error_rate'])}`);
    if (p.phase === 'warmup') parts.push(c.dim('(warm-up)'));
  }
  return parts.join('  ');
}

/**
 * A step's latency percentile for display; undefined (shown as '–') when nothing measured it — a
 * live source without percentiles (HAProxy keeps only means) must not look like a 0 ms service.
 */
export function stepLatency(step: Pick<StepResult, 'metrics' | 'latencyMs'>, key: 'p50' | 'p99'): number | undefined {
  return step.metrics[key] ?? (step.latencyMs.count > 0 ? step.latencyMs[key] : undefined);
}

function verdictMark(v: StepResult['verdict'], c: ChalkInstance): string {
  return v === 'pass' ? c.green('✓ pass') : v === 'fail' ? c.red('✗ fail') : c.yellow('? inconclusive');
}

/** Why a step did not pass, in a few words: breached rules with their values, or the reasons. */
export function stepWhy(step: StepResult): string {
  const breached = step.breaches
      .map((b) => {
        const latency = /^(control\.)?(p\d+|max|mean_latency|mean)(\{|$)/.test(b.metric);
        const fraction = /(error_rate|throughput|share)(\{|$)/.test(b.metric);
        const v = b.value === null ? 'not measured' : latency ? fmtMs(b.value) : fraction ? fmtPct(b.value) : formatRps(b.value);
        return `${b.slo} (was ${v})`;
      })
      .join(', ');
  // An inconclusive step's reasons come first: they say why its breaches do not count.
  if (step.verdict === 'inconclusive') return [step.inconclusiveReasons.join('; '), breached && `breached ${breached}`].filter(Boolean).join('; ');
  return breached;
}

/** The fixed columns of a step line; narrower terminals get the later layouts. */
interface StepLayout {
  phase: boolean;
  /** 'full' = `achieved    198`, 'short' = `→    198`. */
  achieved: 'full' | 'short' | false;
  p50: boolean;
}

const STEP_LAYOUTS: StepLayout[] = [
  { phase: true, achieved: 'full', p50: true },
  { phase: true, achieved: 'short', p50: true },
  { phase: false, achieved: 'short', p50: true },
  { phase: false, achieved: 'short', p50: false },
  { phase: false, achieved: false, p50: false },
];

/** Room a layout leaves for the verdict and why (`✗ fail  p99 < 250ms (was 400ms)`) before a narrower one is taken. */
const MIN_TAIL = 30;

/**
 * One plain line per finished step (the only per-step output when not on a TTY). With a `width`
 * (a TTY's columns) the line fits it: the widest layout that leaves room for the verdict and a
 * reason, the reason cut with … — chosen by width alone, so the lines of a run stay aligned.
 */
export function renderStepLine(step: StepResult, c: ChalkInstance, width = Infinity): string {
  const why = stepWhy(step);
  const verdict = verdictMark(step.verdict, c) + (step.partial ? c.dim(' (partial)') : '');
  let fixed = '';
  for (const layout of STEP_LAYOUTS) {
    fixed = stepColumns(step, layout);
    if (visibleLength(fixed) + 2 + MIN_TAIL <= width) break;
  }
  const room = width - visibleLength(fixed) - 2 - visibleLength(verdict) - 2;
  // No room even for a few characters of the reason: the verdict alone (the final table repeats it).
  const tail = why && room >= 4 ? `${verdict}  ${clipText(why, room)}` : verdict;
  const line = `${fixed}  ${tail}`;
  return visibleLength(line) <= width ? line : clipText(line.replace(ANSI, ''), width);
}

function stepColumns(step: StepResult, layout: StepLayout): string {
  const cols = [`step ${String(step.index + 1).padStart(2)}`];
  if (layout.phase) cols.push(step.phase.padEnd(6));
  // Sessions: the level counts sessions/s; what came back is still counted in requests/s.
  cols.push(`${formatRps(step.load).padStart(6)} ${loadLabel(step.sessions ? 'sessions' : 'rps')}`);
  if (layout.achieved) cols.push(`${layout.achieved === 'full' ? 'achieved' : '→'} ${formatRps(step.achievedRps).padStart(6)}${step.sessions ? ' req/s' : ''}`);
  if (layout.p50) cols.push(`p50 ${fmtMs(stepLatency(step, 'p50')).padStart(7)}`);
  cols.push(`p99 ${fmtMs(stepLatency(step, 'p99')).padStart(7)}`, `err ${fmtPct(step.errorRate).padStart(6)}`);
  return cols.join('  ');
}

function table(head: string[], rows: string[][], right: boolean[]): string[] {
  // Width by visible length: chalk codes are not part of the cells (colour is added after padding).
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt)];
}

/** Columns of the final table, dropped from a narrow terminal in this order while the reasons get less than MIN_WHY. */
const DROP_ORDER = ['step', 'p50', 'achieved'];
const MIN_WHY = 30;

/**
 * The end of a run: every step by load, then the verdict line and anything the user must know.
 * With a `width` the table fits it (reasons cut, then the step, p50 and achieved columns dropped);
 * the verdict and warnings are prose and may wrap.
 */
export function renderFinal(result: RunResult, c: ChalkInstance, opts: { table?: boolean; warnings?: boolean; width?: number } = {}): string[] {
  const lines: string[] = [];
  const steps = [...result.steps].sort((a, b) => a.level - b.level || a.index - b.index);
  const width = opts.width ?? Infinity;
  const sessions = reportLevelUnit(result) === 'sessions';
  if (steps.length > 0 && opts.table !== false) {
    const all: Array<{ head: string; right: boolean; cell: (s: StepResult) => string }> = [
      { head: sessions ? 'sessions/s' : 'load rps', right: true, cell: (s) => formatRps(s.load) },
      { head: sessions ? 'req/s' : 'achieved', right: true, cell: (s) => formatRps(s.achievedRps) },
      { head: 'p50', right: true, cell: (s) => fmtMs(stepLatency(s, 'p50')) },
      { head: 'p99', right: true, cell: (s) => fmtMs(stepLatency(s, 'p99')) },
      { head: 'errors', right: true, cell: (s) => fmtPct(s.errorRate) },
      { head: 'step', right: false, cell: (s) => `${s.index + 1} ${s.phase}` },
      { head: 'verdict', right: false, cell: (s) => s.verdict + (s.partial ? ' (partial)' : '') },
      // The step lines above (and the JSON report) carry the reasons in full.
      { head: 'breached / why', right: false, cell: (s) => clipText(stepWhy(s), 80) },
    ];
    const build = (cols: typeof all) => table(cols.map((x) => x.head), steps.map((s) => cols.map((x) => x.cell(s))), cols.map((x) => x.right));
    let cols = all;
    for (const drop of DROP_ORDER) {
      // The separator row is not trimmed: its length is the width of the columns.
      const rest = build(cols.slice(0, -1))[1]!.length;
      if (width - rest - 2 >= MIN_WHY) break;
      cols = cols.filter((x) => x.head !== drop);
    }
    // The reasons get what is left (at least their heading's width).
    const room = Math.max('breached / why'.length, width - build(cols.slice(0, -1))[1]!.length - 2);
    const why = { ...cols.at(-1)!, cell: (s: StepResult) => clipText(stepWhy(s), Math.min(80, room)) };
    const t = build([...cols.slice(0, -1), why]).map((l) => (visibleLength(l) > width ? clipText(l, width) : l));
    lines.push('', c.bold(t[0]!), c.dim(t[1]!));
    t.slice(2).forEach((line, i) => {
      const v = steps[i]!.verdict;
      lines.push(v === 'pass' ? line : v === 'fail' ? c.red(line) : c.yellow(line));
    });
  }
  const svc = opts.table !== false ? servicesTable(result) : undefined;
  if (svc) {
    const t = table(svc.head, svc.rows, svc.right).map((l) => (visibleLength(l) > width ? clipText(l, width) : l));
    lines.push('', c.bold('services'), c.bold(t[0]!), c.dim(t[1]!));
    t.slice(2).forEach((line, i) => lines.push(svc.rows[i]!.at(-1)!.startsWith('pass') ? line : svc.rows[i]!.at(-1)!.startsWith('fail') ? c.red(line) : c.yellow(line)));
  }
  const room = opts.table !== false ? headroomTable(result) : undefined;
  if (room) {
    const t = table(room.head, room.rows, room.right).map((l) => (visibleLength(l) > width ? clipText(l, width) : l));
    lines.push('', c.bold('headroom at the highest passing load'), c.bold(t[0]!), c.dim(t[1]!), ...t.slice(2));
  }
  const agents = opts.table !== false ? agentsLine(result) : undefined;
  if (agents) lines.push('', c.dim(agents));
  const lb = balanceTable(result);
  if (lb) {
    const t = table(lb.head, lb.rows, lb.right).map((l) => (visibleLength(l) > width ? clipText(l, width) : l));
    lines.push('', c.bold('load balancing: servers off their share'), c.bold(t[0]!), c.dim(t[1]!), ...t.slice(2).map((l) => c.yellow(l)));
  }
  if (lines.length > 0) lines.push('');
  const cap = result.capacity;
  const colour = cap.verdict === 'found' || cap.verdict === 'above-max' ? c.green : cap.verdict === 'inconclusive' ? c.yellow : c.red;
  lines.push(colour.bold(cap.summary));
  if (cap.undecided) lines.push(c.yellow(cap.undecided.note));
  const who = bottleneckLine(result);
  if (who) lines.push(who);
  if (result.status === 'aborted' && result.stopReason === 'data-exhausted') lines.push(c.yellow(result.error ?? 'a data feeder ran out; the run stops here'));
  else if (result.status === 'aborted' && result.stopReason === 'stopped') lines.push(c.yellow(`run stopped by \`loadtest stop\` after ${result.steps.length} step(s); the report is partial and marked aborted`));
  else if (result.status === 'aborted') lines.push(c.yellow(`run interrupted after ${result.steps.length} step(s); the report is partial and marked aborted`));
  if (result.status === 'failed') lines.push(c.red(`run failed: ${result.error ?? 'unknown error'}`));
  for (const check of result.gate?.checks ?? []) {
    const mark = check.passed ? c.green('✓') : c.red('✗');
    lines.push(`${mark} gate ${check.name}: ${check.message}`);
  }
  if (opts.warnings !== false) for (const w of result.warnings) lines.push(c.yellow(`warning: ${w}`));
  return lines;
}
