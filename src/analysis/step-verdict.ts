// The verdict of one step: pass, fail or inconclusive, with the breaches and the reasons. Pure.
//
// Decisions (in this order):
//   1. A breach measured while the generator kept its schedule is a FAIL — real evidence that the
//      service could not meet its SLOs at this load, even if the step was cut short.
//   2. A breach measured while the generator was limited (send lag, event-loop delay, drops at the
//      in-flight cap) is INCONCLUSIVE: a late sender inflates corrected latency by itself, so the
//      breach may be ours, not the service's. The breaches are still reported. Except: a latency
//      breach that survives subtracting the generator's worst lag (send lag max + event-loop delay
//      p99) is the service's own, whatever we added — a FAIL (p99 295 ms with 70 ms of lag against
//      `p99 < 100ms`).
//   3. No breach while the generator was limited only in its timing (send lag, event-loop delay) but
//      still offered the asked rate is a PASS: latency is measured from the intended send time, so our
//      own lateness can only have made the service look worse, and late sends arrive in bursts, which
//      is harsher on the service, not kinder. The pass is conservative; a note says so. (On a busy
//      shared machine this is the difference between an answer and none.)
//   4. No breach, but something needed for a verdict is missing — the generator did not offer the
//      asked rate or dropped sends, a metric an SLO names was not measured, too few requests, or the
//      step was cut short — INCONCLUSIVE.
//   5. Otherwise PASS.
// Shift mode with windows: a breach must persist for `load.persist` consecutive windows
// (evaluateWindows); windows with fewer than `load.minSamples` requests make the step inconclusive.
import type { ErrorClass, StepStats } from '../metrics/step-stats.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Breach, SloRule, StepVerdict } from '../slo/slo.js';
import { evaluateSlos, evaluateWindows, holds, missingMetrics } from '../slo/evaluate.js';
import { METRICS, METRIC_ALIASES } from '../slo/metric-catalog.js';

export interface StepJudgement {
  verdict: StepVerdict;
  breaches: Breach[];
  inconclusiveReasons: string[];
  /** Things worth a warning that do not change the verdict. */
  notes: string[];
}

/**
 * True when the generator sent about what was asked: at least 99% of the asked count (less one send
 * for rounding), or, for Poisson arrivals, no further below it than three standard deviations
 * (300 expected sends vary by ±17 by chance alone).
 */
export function offeredHeld(stats: Pick<StepStats, 'level' | 'offeredRps' | 'durationMs'>, arrival: 'poisson' | 'uniform' = 'uniform'): boolean {
  const expected = (stats.level * stats.durationMs) / 1000;
  const offered = (stats.offeredRps * stats.durationMs) / 1000;
  const chance = arrival === 'poisson' ? 3 * Math.sqrt(expected) : 0;
  return offered >= Math.min(expected * 0.99, expected - chance) - 1;
}

export type VerdictScenario = Pick<Scenario, 'slo' | 'load'> & {
  traffic: Pick<Scenario['traffic'], 'kind'> & { arrival?: 'poisson' | 'uniform'; timeoutMs?: number };
};

/** Requests a window (or a generate-mode step) needs before its percentiles mean anything. */
function minSamplesOf(scenario: VerdictScenario): number {
  return scenario.load.minSamples ?? 1;
}

function windowSamples(w: Record<string, number>): number | undefined {
  return w['samples'] ?? w['count'];
}

function isLatencyMetric(metric: string): boolean {
  const base = metric.replace(/^control\./, '').replace(/\{.*\}$/, '');
  return METRICS.get(METRIC_ALIASES[base] ?? base)?.kind === 'latency';
}

/** Latency breaches that still breach after taking away everything the generator's lag could add. */
export function breachesBeyondLag(breaches: readonly Breach[], rules: readonly SloRule[], stats: Pick<StepStats, 'generator'>): Breach[] {
  const g = stats.generator;
  if (!g) return [...breaches];
  const margin = g.sendLagMaxMs + g.eventLoopDelayP99Ms;
  return breaches.filter((b) => {
    const rule = rules.find((r) => r.text === b.slo);
    if (!rule || b.value === null || !isLatencyMetric(b.metric) || rule.op[0] !== '<') return false;
    return !holds(Math.max(0, b.value - margin), rule.op, rule.threshold);
  });
}

/**
 * The error classes of a step that are the target's doing even though the generator lagged:
 *  - refused, dns, tls, protocol, other: no timing of ours makes a listener vanish, a name stop
 *    resolving or an answer stop being HTTP;
 *  - http and reset: a lagging generator sends in bursts, and a burst can push a loaded service into
 *    some 503s or resets, but not into failing most of a step's requests — so they count when they
 *    are at least half of the requests that finished;
 *  - timeout: counts when the lag is less than half the timeout (the lag cannot explain it);
 *  - dropped: never (our own in-flight cap).
 */
export function serviceErrorClasses(stats: Pick<StepStats, 'generator' | 'errors' | 'errorCount' | 'errorRate'>, timeoutMs?: number): ErrorClass[] {
  const g = stats.generator;
  const lag = g ? g.sendLagMaxMs + g.eventLoopDelayP99Ms : 0;
  const timeoutsOurs = g !== undefined && (timeoutMs === undefined || lag * 2 >= timeoutMs);
  const finished = stats.errorRate > 0 ? stats.errorCount / stats.errorRate : 0;
  const overload = (stats.errors.http ?? 0) + (stats.errors.reset ?? 0);
  const overloadIsTheirs = g === undefined || (finished > 0 && overload / finished >= 0.5);
  return (Object.keys(stats.errors) as ErrorClass[]).filter((c) => {
    if ((stats.errors[c] ?? 0) <= 0) return false;
    if (c === 'dropped') return false;
    if (c === 'timeout') return !timeoutsOurs;
    if (c === 'http' || c === 'reset') return overloadIsTheirs;
    return true;
  });
}

/**
 * Error-rate breaches that stand on the errors a lagging generator cannot explain
 * (serviceErrorClasses): a service answering 500 to everything, or gone, fails; it is not
 * "inconclusive" because the machine was busy.
 */
export function errorBreachesBeyondGenerator(
  breaches: readonly Breach[],
  rules: readonly SloRule[],
  stats: Pick<StepStats, 'generator' | 'errors' | 'errorCount' | 'errorRate'>,
  timeoutMs?: number,
): Breach[] {
  if (!stats.generator) return breaches.filter((b) => b.metric === 'error_rate');
  if (stats.errorCount <= 0 || stats.errorRate <= 0) return [];
  const service = serviceErrorClasses(stats, timeoutMs);
  const serviceErrors = service.reduce((n, c) => n + (stats.errors[c] ?? 0), 0);
  const finished = stats.errorCount / stats.errorRate;
  const serviceRate = serviceErrors / finished;
  return breaches.filter((b) => {
    const rule = rules.find((r) => r.text === b.slo);
    if (!rule || b.value === null || b.metric !== 'error_rate' || rule.op[0] !== '<') return false;
    return !holds(serviceRate, rule.op, rule.threshold);
  });
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

  if (real.length > 0 && !limited) return { verdict: 'fail', breaches: real, inconclusiveReasons: [], notes: [] };
  if (real.length > 0) {
    const own = real.slice(extraBreaches.length);
    const latency = breachesBeyondLag(own, rules, stats);
    const timeoutMs = scenario.traffic.timeoutMs;
    const errors = errorBreachesBeyondGenerator(own, rules, stats, timeoutMs);
    const beyond = [...extraBreaches, ...latency, ...errors];
    if (beyond.length > 0) {
      const g = stats.generator!;
      const notes: string[] = [];
      if (latency.length > 0) {
        notes.push(`failed although the generator lagged: ${latency.map((b) => b.slo).join(', ')} breached by more than its lag (send lag max ${g.sendLagMaxMs.toFixed(1)}ms + event-loop delay p99 ${g.eventLoopDelayP99Ms.toFixed(1)}ms)`);
      }
      if (errors.length > 0) {
        notes.push(`failed although the generator lagged: ${errors.map((b) => b.slo).join(', ')} breached by errors its lag cannot explain (${serviceErrorClasses(stats, timeoutMs).join(', ')})`);
      }
      return { verdict: 'fail', breaches: beyond, inconclusiveReasons: [], notes };
    }
    return { verdict: 'inconclusive', breaches: real, inconclusiveReasons: reasons, notes: [] };
  }
  if (stats.partial) reasons.push('the step was cut short before its end');
  const notes: string[] = [];
  if (limited && reasons.length === 1 && offeredHeld(stats, scenario.traffic.arrival) && (stats.generator!.dropped ?? 0) === 0) {
    // Rule 3: timing-only limits under a pass. Everything else in `reasons` still makes it inconclusive.
    reasons.shift();
    notes.push(`passed although the generator lagged (${stats.generator!.reasons.map((r) => r.split(/[:;]/)[0]!.trim()).join(', ')}): its latencies include that lag, so the pass is conservative`);
  }
  if (reasons.length > 0) return { verdict: 'inconclusive', breaches: [], inconclusiveReasons: reasons, notes: [] };
  return { verdict: 'pass', breaches: [], inconclusiveReasons: [], notes };
}
