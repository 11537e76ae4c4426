// Pure text for the terminal reporter: the run header, the live progress line, one line per finished
// step, and the final table with the verdict line. No I/O here (terminal.ts writes), so every line
// is tested as a string.
import type { ChalkInstance } from 'chalk';
import type { StepProgress } from '../metrics/step-stats.js';
import type { RunResult, StepResult } from '../result.js';
import type { Scenario } from '../scenario/scenario.js';
import { formatSetFlags } from '../scenario/overrides.js';
import { formatRps } from '../analysis/capacity.js';

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
  const unit = l.unit === 'rps' ? ' rps' : 'x';
  const how = l.factor !== undefined ? `×${l.factor}` : `+${l.step}${unit}`;
  const refine = l.refine !== undefined ? `, refine to ${Math.round(l.refine * 1000) / 10}%` : '';
  return (
    `plan: ${l.start}${unit} → ${l.max}${unit} (${how}), ${fmtDuration(l.stepDurationMs)} steps (${fmtDuration(l.warmupMs)} warm-up)${refine}; ` +
    `at most ${plannedSteps} steps, ≤ ${fmtDuration(worstCaseMs)}`
  );
}

export function renderHeader(scenario: Scenario, target: string, plannedSteps: number, worstCaseMs: number, c: ChalkInstance): string[] {
  const lines = [
    `${c.bold('loadtest')}: ${scenario.name} → ${target} (${scenario.traffic.kind})`,
    describePlan(scenario, plannedSteps, worstCaseMs),
    `SLOs: ${scenario.slo.map((r) => r.text).join(', ') || '(none)'}`,
  ];
  if (scenario.abort.length > 0) lines.push(`abort if: ${scenario.abort.map((r) => r.text).join(', ')}`);
  if (scenario.guard.length > 0) lines.push(`guard: ${scenario.guard.map((r) => r.text).join(', ')}`);
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

/**
 * The line redrawn in place on a TTY while a step runs, kept near 100 columns:
 * `step 2/≤15 ramp  200 rps  ██████░░░░ 2s left (run ≤54s)  offered 200 → 200 rps  p50 20.0ms p99 31.0ms  err 0%`
 */
export function renderProgressLine(s: LiveState, c: ChalkInstance): string {
  const p = s.progress;
  const elapsed = p?.elapsedMs ?? 0;
  const left = Math.max(0, s.durationMs - elapsed);
  const m = p?.metrics ?? {};
  // Retries of inconclusive steps can run past the planned worst case: then just the number.
  const n = s.index < s.plannedSteps ? `step ${s.index + 1}/≤${s.plannedSteps}` : `step ${s.index + 1}`;
  let time = `${bar(s.durationMs > 0 ? elapsed / s.durationMs : 0, 10)} ${fmtDuration(Math.ceil(left / 1000) * 1000)} left`;
  // The run's remaining time if every planned step still ran: an upper bound (the search usually stops sooner).
  const stepsAfter = s.plannedSteps - s.index - 1;
  if (stepsAfter > 0) time += ' ' + c.dim(`(run ≤${fmtDuration(Math.ceil((left + stepsAfter * s.durationMs) / 1000) * 1000)})`);
  const parts = [`${n} ${s.phase.padEnd(6)}${c.bold(s.description)}`, time];
  if (p) {
    parts.push(
      `offered ${formatRps(p.offeredRps)} → ${formatRps(p.achievedRps)} rps`,
      `p50 ${fmtMs(m['p50'])} p99 ${fmtMs(m['p99'])}`,
      `err ${fmtPct(m['error_rate'])}`,
    );
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

function clip(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

/** One plain line per finished step (the only per-step output when not on a TTY). */
export function renderStepLine(step: StepResult, c: ChalkInstance): string {
  const m = step.metrics;
  const why = stepWhy(step);
  return [
    `step ${String(step.index + 1).padStart(2)}`,
    step.phase.padEnd(6),
    `${formatRps(step.load).padStart(6)} rps`,
    `achieved ${formatRps(step.achievedRps).padStart(6)}`,
    `p50 ${fmtMs(stepLatency(step, 'p50')).padStart(7)}`,
    `p99 ${fmtMs(stepLatency(step, 'p99')).padStart(7)}`,
    `err ${fmtPct(step.errorRate).padStart(6)}`,
    verdictMark(step.verdict, c) + (step.partial ? c.dim(' (partial)') : '') + (why ? `  ${why}` : ''),
  ].join('  ');
}

function table(head: string[], rows: string[][], right: boolean[]): string[] {
  // Width by visible length: chalk codes are not part of the cells (colour is added after padding).
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(fmt)];
}

/** The end of a run: every step by load, then the verdict line and anything the user must know. */
export function renderFinal(result: RunResult, c: ChalkInstance, opts: { table?: boolean; warnings?: boolean } = {}): string[] {
  const lines: string[] = [];
  const steps = [...result.steps].sort((a, b) => a.level - b.level || a.index - b.index);
  if (steps.length > 0 && opts.table !== false) {
    const head = ['load rps', 'achieved', 'p50', 'p99', 'errors', 'step', 'verdict', 'breached / why'];
    const rows = steps.map((s) => [
      formatRps(s.load),
      formatRps(s.achievedRps),
      fmtMs(stepLatency(s, 'p50')),
      fmtMs(stepLatency(s, 'p99')),
      fmtPct(s.errorRate),
      `${s.index + 1} ${s.phase}`,
      s.verdict + (s.partial ? ' (partial)' : ''),
      // The step lines above (and the JSON report) carry the reasons in full.
      clip(stepWhy(s), 80),
    ]);
    const t = table(head, rows, [true, true, true, true, true, false, false, false]);
    lines.push('', c.bold(t[0]!), c.dim(t[1]!));
    t.slice(2).forEach((line, i) => {
      const v = steps[i]!.verdict;
      lines.push(v === 'pass' ? line : v === 'fail' ? c.red(line) : c.yellow(line));
    });
  }
  if (lines.length > 0) lines.push('');
  const cap = result.capacity;
  const colour = cap.verdict === 'found' || cap.verdict === 'above-max' ? c.green : cap.verdict === 'inconclusive' ? c.yellow : c.red;
  lines.push(colour.bold(cap.summary));
  if (result.status === 'aborted') lines.push(c.yellow(`run interrupted after ${result.steps.length} step(s); the report is partial and marked aborted`));
  if (result.status === 'failed') lines.push(c.red(`run failed: ${result.error ?? 'unknown error'}`));
  for (const check of result.gate?.checks ?? []) {
    const mark = check.passed ? c.green('✓') : c.red('✗');
    lines.push(`${mark} gate ${check.name}: ${check.message}`);
  }
  if (opts.warnings !== false) for (const w of result.warnings) lines.push(c.yellow(`warning: ${w}`));
  return lines;
}
