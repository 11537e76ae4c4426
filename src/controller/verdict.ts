// The verdict of one step: pass, fail or inconclusive, with the breaches and the reasons. Pure.
//
// Decisions (in this order):
//   1. A breach measured while the generator kept its schedule is a FAIL — real evidence that the
//      service could not meet its SLOs at this load, even if the step was cut short.
//   2. A breach measured while the generator was limited (send lag, event-loop delay, drops at the
//      in-flight cap) is INCONCLUSIVE: a late sender inflates corrected latency by itself, so the
//      breach may be ours, not the service's. The breaches are still reported.
//   3. No breach, but something needed for a verdict is missing — the generator was limited, a metric
//      an SLO names was not measured, too few requests, or the step was cut short — INCONCLUSIVE.
//   4. Otherwise PASS.
// Shift mode with windows: a breach must persist for `load.persist` consecutive windows
// (evaluateWindows); windows with fewer than `load.minSamples` requests make the step inconclusive.
import type { StepStats } from '../metrics/step-stats.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Breach, SloRule, StepVerdict } from '../slo/slo.js';
import { evaluateSlos, evaluateWindows, missingMetrics } from '../slo/evaluate.js';

export interface StepJudgement {
  verdict: StepVerdict;
  breaches: Breach[];
  inconclusiveReasons: string[];
}

export type VerdictScenario = Pick<Scenario, 'slo' | 'load'> & { traffic: Pick<Scenario['traffic'], 'kind'> };

/** Requests a window (or a generate-mode step) needs before its percentiles mean anything. */
function minSamplesOf(scenario: VerdictScenario): number {
  return scenario.load.minSamples ?? 1;
}

function windowSamples(w: Record<string, number>): number | undefined {
  return w['samples'] ?? w['count'];
}

export function judgeStep(stats: StepStats, scenario: VerdictScenario, extraBreaches: Breach[] = []): StepJudgement {
  const rules: SloRule[] = scenario.slo;
  const reasons: string[] = [];
  const useWindows = scenario.traffic.kind === 'shift' && stats.windows !== undefined && stats.windows.length > 0;

  let breaches: Breach[];
  if (useWindows) {
    const windows = stats.windows!;
    breaches = evaluateWindows(rules, windows, scenario.load.persist ?? 1);
    const minSamples = minSamplesOf(scenario);
    const thin = windows.filter((w) => (windowSamples(w) ?? Infinity) < minSamples).length;
    if (thin > 0) reasons.push(`${thin} of ${windows.length} windows had fewer than ${minSamples} samples`);
  } else {
    breaches = evaluateSlos(rules, stats.metrics);
    const samples = stats.live ? stats.live.target.samples : stats.sent;
    const minSamples = minSamplesOf(scenario);
    if (samples < minSamples) reasons.push(`only ${samples} requests in the judged window (need ${minSamples})`);
  }
  // A rule whose metric is absent is reported as missing, not as a breach.
  const real = [...extraBreaches, ...breaches.filter((b) => b.value !== null)];
  const missing = missingMetrics(rules, stats.metrics);
  if (missing.length > 0) reasons.push(`not measured: ${missing.join(', ')}`);

  const limited = stats.generator?.limited === true;
  if (limited) {
    const why = stats.generator!.reasons.length > 0 ? stats.generator!.reasons.join(', ') : 'the generator fell behind its schedule';
    reasons.unshift(`generator limited: ${why}`);
  }

  if (real.length > 0 && !limited) return { verdict: 'fail', breaches: real, inconclusiveReasons: [] };
  if (real.length > 0) return { verdict: 'inconclusive', breaches: real, inconclusiveReasons: reasons };
  if (stats.partial) reasons.push('the step was cut short before its end');
  if (reasons.length > 0) return { verdict: 'inconclusive', breaches: [], inconclusiveReasons: reasons };
  return { verdict: 'pass', breaches: [], inconclusiveReasons: [] };
}
