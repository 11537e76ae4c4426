// Abort and guard rules during a step: stop the step early only on a breach that is certain. Pure.
//
// A running figure early in a step is a small, biased sample: fast 503s finish before slow
// successes, and a throughput read while answers are still on their way looks low. So, in generate
// mode (where the progress carries the judged window's counts):
//   - nothing is judged before the warm-up has passed and GRACE_MS of the judged window has run,
//     nor on fewer than MIN_FINISHED finished requests;
//   - error_rate and throughput are judged as proportions (proportion.ts) over the requests
//     scheduled so far, counting each still in flight as whatever would *not* breach the rule: a
//     stop is taken only when the requests in flight could not change it;
//   - other metrics (latency, rates) are judged on the judged window's value.
// Shift mode (live traffic, guard rules protecting it): its live figures are judged on their
// value from the first sample, as before.
// At the end of the step the final figures are judged the same way by the caller (no grace).
import type { StepMetrics, StepProgress } from '../metrics/step-stats.js';
import type { Breach, SloRule } from '../slo/slo.js';
import { evaluateSlos, holds } from '../slo/evaluate.js';
import { wilson } from './proportion.js';

/** Time into the judged window before a running figure can stop a step. */
export const GRACE_MS = 1000;
/** Finished requests before a running figure can stop a step. */
export const MIN_FINISHED = 50;

/**
 * The rules certainly broken by a progress snapshot. Rules are stored as "must hold" (abort rules
 * negated at load), so a breach means stop.
 */
export function certainBreaches(rules: readonly SloRule[], p: StepProgress, warmupMs: number, mode: 'generate' | 'shift'): Breach[] {
  if (rules.length === 0) return [];
  if (mode === 'shift') return evaluateSlos(rules, p.metrics).filter((b) => b.value !== null);
  const c = p.counts;
  if (!c || p.phase !== 'measure' || p.elapsedMs < warmupMs + GRACE_MS || c.finished < MIN_FINISHED) return [];
  const out: Breach[] = [];
  for (const r of rules) {
    const v = p.metrics[r.metric];
    if (typeof v !== 'number' || Number.isNaN(v)) continue;
    if (r.metric === 'error_rate' || r.metric === 'throughput') {
      // Bad = an error (error_rate) or an unanswered request (throughput = 1 − unanswered share).
      const bad = r.metric === 'error_rate' ? c.errors : c.finished - c.completed;
      const n = c.finished + c.inFlight;
      const limit = r.metric === 'error_rate' ? r.threshold : 1 - r.threshold;
      // error_rate ≤ X must hold: stop when even the low end (in-flight all fine) is above X.
      // throughput ≥ X must hold: stop when even the low end of the unanswered share is above 1 − X.
      const mustStayBelow = r.metric === 'error_rate' ? r.op[0] === '<' : r.op[0] === '>';
      if (mustStayBelow && wilson(bad, n).low > limit) out.push({ slo: r.text, metric: r.metric, threshold: r.threshold, value: v });
      continue;
    }
    if (!holds(v, r.op, r.threshold)) out.push({ slo: r.text, metric: r.metric, threshold: r.threshold, value: v });
  }
  return out;
}

/** The metrics an abort rule reads at the end of a step: the judged window's (with no grace). */
export function finalBreaches(rules: readonly SloRule[], metrics: StepMetrics): Breach[] {
  return evaluateSlos(rules, metrics).filter((b) => b.value !== null);
}
