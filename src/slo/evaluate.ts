// Judging SLO rules against measured metrics: pure functions, no I/O, no clocks.
//
// A metric absent from the map is NOT judged (a source that could not measure it is not evidence
// of a breach, and a 0 would be a lie); callers list such rules with `missingMetrics` and decide
// (the controller marks a step inconclusive when a judged metric is missing). The loader already
// rejects rules no configured source can measure, so "missing" means "not measured this time".
import type { StepMetrics } from '../metrics/step-stats.js';
import type { Breach, Comparator, SloRule } from './slo.js';

/** True when `value op threshold` holds, i.e. the rule is met. */
export function holds(value: number, op: Comparator, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
}

function measured(metrics: StepMetrics, key: string): number | undefined {
  const v = metrics[key];
  return typeof v === 'number' && !Number.isNaN(v) ? v : undefined;
}

const NEGATED: Record<Comparator, Comparator> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<' };

/**
 * The rule that holds exactly when `rule` does not: `error_rate > 20%` → `error_rate <= 0.2`.
 * Abort rules are written as the condition that stops the run; the loader stores them negated,
 * so every rule list means "must hold" and a breach (evaluateSlos) means "stop". `text` is kept.
 */
export function negateRule(rule: SloRule): SloRule {
  return { ...rule, op: NEGATED[rule.op] };
}

/** Every rule the metrics break, in rule order. Rules on absent metrics are skipped (see header). */
export function evaluateSlos(rules: readonly SloRule[], metrics: StepMetrics): Breach[] {
  const out: Breach[] = [];
  for (const r of rules) {
    const v = measured(metrics, r.metric);
    if (v !== undefined && !holds(v, r.op, r.threshold)) out.push({ slo: r.text, metric: r.metric, threshold: r.threshold, value: v });
  }
  return out;
}

/** Metric keys the rules need but the map lacks (each once, in rule order). */
export function missingMetrics(rules: readonly SloRule[], metrics: StepMetrics): string[] {
  const out: string[] = [];
  for (const r of rules) if (measured(metrics, r.metric) === undefined && !out.includes(r.metric)) out.push(r.metric);
  return out;
}

/**
 * Windowed judgement (shift mode): a rule is breached only when it is broken in `persist`
 * consecutive windows, so one noisy window of live traffic does not fail a step. Windows where
 * the metric is absent (too few samples) are skipped: they neither extend nor break a run.
 * The reported value is the worst one of the first run that reached `persist`.
 * `persist` ≤ 1 means any single breached window counts.
 */
export function evaluateWindows(rules: readonly SloRule[], windows: readonly StepMetrics[], persist: number): Breach[] {
  const need = Math.max(1, Math.floor(persist));
  const out: Breach[] = [];
  for (const r of rules) {
    const s = scanRuns(r, windows, need);
    if (s.confirmed !== undefined) out.push({ slo: r.text, metric: r.metric, threshold: r.threshold, value: s.confirmed });
  }
  return out;
}

/**
 * Rules breached in the step's LAST windows, fewer than `persist` of them: the breach began too
 * late in the step to show whether it persists. Such a step cannot pass (an overload that builds up,
 * like a token bucket's burst running out, shows first at a step's end); a longer step decides.
 * `run` is how many trailing windows breached.
 */
export function unconfirmedBreaches(rules: readonly SloRule[], windows: readonly StepMetrics[], persist: number): Array<Breach & { run: number }> {
  const need = Math.max(1, Math.floor(persist));
  const out: Array<Breach & { run: number }> = [];
  for (const r of rules) {
    const s = scanRuns(r, windows, need);
    if (s.confirmed === undefined && s.trailingRun > 0) out.push({ slo: r.text, metric: r.metric, threshold: r.threshold, value: s.trailingWorst!, run: s.trailingRun });
  }
  return out;
}

/**
 * One rule over the windows in order: the worst value of the first run of `need` breached windows
 * (`confirmed`), else the run of breached windows the step ended in and its worst value.
 */
function scanRuns(r: SloRule, windows: readonly StepMetrics[], need: number): { confirmed?: number; trailingRun: number; trailingWorst?: number } {
  let run = 0;
  let worst: number | undefined;
  for (const w of windows) {
    const v = measured(w, r.metric);
    if (v === undefined) continue;
    if (holds(v, r.op, r.threshold)) {
      run = 0;
      worst = undefined;
      continue;
    }
    run++;
    // "Worst" is the value furthest on the wrong side: highest for < rules, lowest for > rules.
    worst = worst === undefined ? v : r.op[0] === '<' ? Math.max(worst, v) : Math.min(worst, v);
    if (run >= need) return { confirmed: worst, trailingRun: run };
  }
  return { trailingRun: run, ...(worst !== undefined ? { trailingWorst: worst } : {}) };
}
