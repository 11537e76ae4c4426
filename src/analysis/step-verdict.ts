// The verdict of one step: pass, fail or inconclusive, with the breaches and the reasons. Pure.
//
// Every SLO rule is judged as a claim about what the service does at this load, from a sample:
//   - error-rate and percentile rules are proportions (`p99 < 200ms` ⟺ "under 1% of requests slower
//     than 200 ms") judged with an interval (proportion.ts): breached, met, or undecided when the
//     step was too short to tell at this distance from the limit;
//   - other rules (mean, max, throughput, rates) are judged on the measured value, with at least
//     `load.min_samples` requests.
// Then, in this order:
//   1. A rule certainly breached while the generator kept its schedule is a FAIL, even if the step
//      was cut short (abort and guard breaches count the same).
//   2. While the generator was limited (health.ts: late sends, a saturated thread, its own queue):
//      - a status-code breach (5xx, 429 …), refused connections, TLS, DNS and protocol errors are
//        the service's answer whatever our timing: judged on those errors alone, a certain breach
//        FAILS; resets count when they are most of the step, timeouts when the lag is under half
//        the timeout, drops never (our own cap);
//      - a latency breach is the service's own only when the latency measured from the write (what
//        the server saw) still breaches after taking away the generator's event-loop delay; the
//        corrected latency holds our lateness and our queue. Otherwise INCONCLUSIVE (kind
//        'limited'), naming the generator.
//      - no breach at all: a PASS when only the timing suffered and no send was more than 2% of
//        the window late (latency from the intended send time can only have made the service look
//        worse: conservative, with a note); later sends (the service may have seen less than the
//        asked rate), a drop or an undecided rule make it INCONCLUSIVE.
//   3. An undecided rule (too few requests that close to the limit) is INCONCLUSIVE (kind
//      'undecided'), with how long a step would decide it.
//   4. A metric an SLO names that was not measured, too few requests, or a step cut short without a
//      breach: INCONCLUSIVE (kind 'limited').
//   5. Otherwise PASS.
// Shift mode with windows: a breach must persist for `load.persist` consecutive windows
// (evaluateWindows); windows with fewer than `load.minSamples` requests make the step inconclusive.
import type { ErrorClass, StepStats } from '../metrics/step-stats.js';
import type { Scenario } from '../scenario/scenario.js';
import type { Breach, SloRule, StepVerdict } from '../slo/slo.js';
import { evaluateWindows, holds, missingMetrics, unconfirmedBreaches } from '../slo/evaluate.js';
import { splitMetricKey } from '../slo/metric-catalog.js';
import { metricKind } from '../slo/parse.js';
import { windowDispersion, judgeProportion, samplesToDecide, samplesToProve, wilson, type Certainty } from './proportion.js';
import { latencyRising, quietLatencyMs } from './settled.js';
import { backlogDrained, backlogUndecided } from './backlog.js';

/** Why a step is inconclusive: the evidence was spoilt ('limited') or too thin to decide ('undecided'). */
export type InconclusiveKind = 'limited' | 'undecided';

export interface StepJudgement {
  verdict: StepVerdict;
  breaches: Breach[];
  inconclusiveReasons: string[];
  /** Set when the verdict is inconclusive. */
  inconclusiveKind?: InconclusiveKind;
  /** Undecided: requests a step at this load would need to decide every undecided rule (estimate). */
  samplesNeeded?: number;
  /** Things worth a warning that do not change the verdict. */
  notes: string[];
}

/** The judged window's corrected latency distribution (from the step's HDR histogram). */
export interface LatencyDistribution {
  count: number;
  /** Requests slower than `ms`. */
  countAbove(ms: number): number;
}

export type VerdictScenario = Pick<Scenario, 'slo' | 'load'> & {
  traffic: Pick<Scenario['traffic'], 'kind'> & { arrival?: 'poisson' | 'uniform'; timeoutMs?: number };
};

export interface JudgeOptions {
  /** Breaches of abort or guard rules that stopped the step: always a fail. */
  extraBreaches?: Breach[];
  /** Lets percentile rules be judged as proportions; without it they are judged on the value. */
  latency?: LatencyDistribution;
  /**
   * How bursty each rule's bad requests were at nearby levels of this run (rule text → each nearby
   * step's dispersion, ruleDispersions of steps within NEARBY of this level). A step's own
   * dispersion rests on a few groups of slices and is noisy; its neighbours measured the same
   * regime, so the rule is judged with the mean of theirs and its own — and a step that happened
   * to catch no burst is not judged as if requests were independent.
   */
  nearbyDispersion?: Readonly<Record<string, readonly NearbyDispersion[]>>;
  /** The run's previous step failed: this one may open with its backlog (backlog.ts). */
  afterFailedStep?: boolean;
}

/** One nearby step's dispersion for a rule, with the rule's metric as that step measured it. */
export interface NearbyDispersion {
  phi: number;
  value?: number;
}

/**
 * A percentile's burstiness is borrowed only from a step whose value of it was within this factor
 * of this step's: near capacity a queue's tail changes fast with load (HAProxy maxconn 8: p99
 * 153 ms at 317 r/s right after an overload, 41 ms at 301 r/s), and the runs of slow requests of
 * one regime say nothing of another's. Measured on the real bed: every level from 293 to 392 r/s
 * was undecided, with p99s of 37–112 ms against 200 ms, on one neighbour's φ ≈ 600.
 */
export const SAME_REGIME = 2;

/** Levels within this share of each other are near enough to share what their bursts looked like. */
export const NEARBY = 0.1;

/** Most of the judged window a limited generator's sends may run late for its pass to stand. */
const LATE_SHARE = 0.02;

/** A percentile at or above this share of its threshold is near enough for alike latencies to matter. */
export const NEAR_THRESHOLD = 0.5;

/** Percentile metrics and the share of requests each allows above its threshold. */
const TAIL: Readonly<Record<string, number>> = { p50: 0.5, p90: 0.1, p95: 0.05, p99: 0.01, p999: 0.001 };

interface RuleJudgement {
  rule: SloRule;
  certainty: Certainty | 'missing';
  value: number | null;
  /** Undecided: what was seen, and the requests that would decide it. */
  detail?: string;
  needed?: number;
}

const pct = (f: number): string => `${Number((f * 100).toPrecision(2))}%`;
/** A measured value in its metric's unit: 8.9%, 231ms, 120 rps. */
function valueText(metric: string, v: number | null): string {
  if (v === null) return 'unknown';
  const kind = metricKind(splitMetricKey(metric).base);
  if (kind === 'fraction') return pct(v);
  if (kind === 'latency') return `${Number(v.toPrecision(3))}ms`;
  return String(Number(v.toPrecision(3)));
}

/** Requests of the judged window that finished one way or another (the error rate's denominator). */
export function finished(stats: Pick<StepStats, 'errorCount' | 'errorRate' | 'completed' | 'errors'>): number {
  if (stats.errorRate > 0) return Math.round(stats.errorCount / stats.errorRate);
  let transport = 0;
  for (const [c, n] of Object.entries(stats.errors)) if (c !== 'http') transport += n ?? 0;
  return stats.completed + transport;
}

/**
 * A proportion rule: k bad of n against `limit`, its interval widened by φ, how much more the share
 * varies between windows than independent requests would (a quasi-binomial interval: counts / φ).
 */
function proportionRule(rule: SloRule, k: number, n: number, limit: number, value: number, what: string, phi = 1): RuleJudgement {
  const certainty = judgeProportion(k / phi, n / phi, limit);
  if (certainty !== 'undecided') return { rule, certainty, value };
  const ci = wilson(k / phi, n / phi);
  const needed = samplesToDecide(n > 0 ? k / n : 0, limit);
  const detail =
    k === 0
      ? `${rule.text}: ${n} requests are too few to show it met (none ${what}; it takes ≥ ${Math.ceil(needed * phi)}` +
        `${phi > 1.5 ? `: they came slow in runs, as near capacity, worth ≈ ${Math.round(n / phi)} independent ones` : ''})`
      : `${rule.text}: too close to call — ${k} of ${n} requests ${what} (${pct(k / n)}; 95% interval ${pct(ci.low)}–${pct(ci.high)} around the ${pct(limit)} allowed` +
        `${phi > 1.5 ? `, widened ×${Math.sqrt(phi).toFixed(1)}: requests came slow or bad in runs, as near capacity` : ''})`;
  return { rule, certainty, value, detail, needed: Math.ceil(needed * phi) };
}

/**
 * How much more a proportion rule's share varied over the step's window than independent requests
 * would (proportion.ts windowDispersion of its slices); undefined for other rules or without slices.
 * A percentile near its threshold (at least NEAR_THRESHOLD of it) takes the larger of its own and
 * the near-tail's — requests slower than half the threshold, many more of them, whose runs show
 * where the few over the threshold cannot yet; far below it no run carries the tail across.
 */
function ownDispersion(rule: SloRule, stats: Pick<StepStats, 'batches' | 'metrics'>): number | undefined {
  const b = stats.batches;
  const key = splitMetricKey(rule.metric);
  if (!b || key.control || key.request !== undefined || rule.op[0] !== '<') return undefined;
  const limit = key.base === 'error_rate' ? rule.threshold : TAIL[key.base];
  if (limit === undefined) return undefined;
  // A share far above its limit (an outage, a step well past capacity) is judged with the runs it
  // showed, not projected to the whole window: half a step of refused connections is a breach.
  const far = (bad: readonly number[], n: readonly number[]) => shareOf(bad, n) > BORROW_WITHIN * limit;
  if (key.base === 'error_rate') return windowDispersion(b.errors, b.finished, !far(b.errors, b.finished));
  const at = b.above.find((a) => a.thresholdMs === rule.threshold);
  if (at && far(at.counts, b.latencyN)) return windowDispersion(at.counts, b.latencyN, false);
  const own = at ? windowDispersion(at.counts, b.latencyN) : 1;
  const value = stats.metrics[rule.metric];
  const nearTail = b.above.find((a) => a.thresholdMs === rule.threshold * NEAR_THRESHOLD);
  const alike = nearTail && typeof value === 'number' && value >= NEAR_THRESHOLD * rule.threshold ? windowDispersion(nearTail.counts, b.latencyN) : 1;
  return Math.max(own, alike);
}

/** Share of bad requests over a step's slices (Infinity without requests). */
function shareOf(bad: readonly number[], n: readonly number[]): number {
  const total = n.reduce((a, x) => a + x, 0);
  return total > 0 ? bad.reduce((a, x) => a + x, 0) / total : Infinity;
}

/** One rule against the judged window. */
function judgeRule(rule: SloRule, stats: StepStats, opts: JudgeOptions, minSamples: number): RuleJudgement {
  const raw = stats.metrics[rule.metric];
  const value = typeof raw === 'number' && !Number.isNaN(raw) ? raw : null;
  if (value === null) return { rule, certainty: 'missing', value };
  const below = rule.op === '<' || rule.op === '<=';
  const key = splitMetricKey(rule.metric);
  // The step's own dispersion pooled with its neighbours' (JudgeOptions.nearbyDispersion).
  const phiOf = (own: number): number => {
    const percentile = TAIL[key.base] !== undefined;
    const alike = (n: NearbyDispersion) =>
      !percentile || n.value === undefined || !(value > 0) || (n.value <= value * SAME_REGIME && n.value * SAME_REGIME >= value);
    const all = [own, ...(opts.nearbyDispersion?.[rule.text] ?? []).filter(alike).map((n) => n.phi)];
    return all.reduce((a, b) => a + b, 0) / all.length;
  };
  if (below && !key.control && key.base === 'error_rate') {
    if (key.request === undefined) return proportionRule(rule, stats.errorCount, finished(stats), rule.threshold, value, 'failed', phiOf(ownDispersion(rule, stats) ?? 1));
    const r = stats.byRequest.find((x) => x.name === key.request);
    if (r) return proportionRule(rule, r.errors, r.count, rule.threshold, value, 'failed');
  }
  const tail = TAIL[key.base];
  if (below && !key.control && tail !== undefined && key.request === undefined && opts.latency && opts.latency.count > 0) {
    const n = opts.latency.count;
    return proportionRule(rule, opts.latency.countAbove(rule.threshold), n, tail, value, `were slower than ${rule.threshold}ms`, phiOf(ownDispersion(rule, stats) ?? 1));
  }
  const samples = key.request !== undefined ? (stats.byRequest.find((x) => x.name === key.request)?.count ?? 0) : stats.sent;
  if (samples < minSamples) return { rule, certainty: 'undecided', value, detail: `${rule.text}: only ${samples} requests (load.min_samples is ${minSamples})`, needed: minSamples };
  return { rule, certainty: holds(value, rule.op, rule.threshold) ? 'met' : 'breached', value };
}

const breachOf = (j: RuleJudgement): Breach => ({ slo: j.rule.text, metric: j.rule.metric, threshold: j.rule.threshold, value: j.value });

/**
 * The error classes of a step that are the target's doing even though the generator lagged:
 *  - http (an error status), refused, dns, tls, protocol, other: the service's answer, or its
 *    absence; no timing of ours makes a listener vanish or a 503 into a 200;
 *  - reset: a lagging generator sends in bursts, and a burst can push a loaded service into some
 *    resets, but not into failing most of a step's requests — so they count when http and resets
 *    together are at least half of the requests that finished;
 *  - timeout: counts when the lag is less than half the timeout (the lag cannot explain it);
 *  - dropped: never (our own in-flight cap).
 */
export function serviceErrorClasses(stats: Pick<StepStats, 'generator' | 'errors' | 'errorCount' | 'errorRate' | 'completed'>, timeoutMs?: number): ErrorClass[] {
  const g = stats.generator;
  const lag = g ? g.sendLagMaxMs + g.eventLoopDelayP99Ms : 0;
  const timeoutsOurs = g !== undefined && (timeoutMs === undefined || lag * 2 >= timeoutMs);
  const done = finished(stats);
  const overload = (stats.errors.http ?? 0) + (stats.errors.reset ?? 0);
  const resetsTheirs = g === undefined || (done > 0 && overload / done >= 0.5);
  return (Object.keys(stats.errors) as ErrorClass[]).filter((c) => {
    if ((stats.errors[c] ?? 0) <= 0) return false;
    if (c === 'dropped') return false;
    if (c === 'timeout') return !timeoutsOurs;
    if (c === 'reset') return resetsTheirs;
    return true;
  });
}

/** Error-rate rules certainly breached by the errors a lagging generator cannot explain. */
export function errorBreachesBeyondGenerator(
  rules: readonly SloRule[],
  stats: Pick<StepStats, 'generator' | 'errors' | 'errorCount' | 'errorRate' | 'completed' | 'metrics'>,
  timeoutMs?: number,
): Breach[] {
  const service = serviceErrorClasses(stats, timeoutMs);
  const k = service.reduce((n, c) => n + (stats.errors[c] ?? 0), 0);
  const n = finished(stats);
  if (k <= 0 || n <= 0) return [];
  return rules
    .filter((r) => r.metric === 'error_rate' && r.op[0] === '<' && judgeProportion(k, n, r.threshold) === 'breached')
    .map((r) => ({ slo: r.text, metric: r.metric, threshold: r.threshold, value: k / n }));
}

/**
 * Latency rules still breached by the latency measured from the write (the server's side), less the
 * generator's event-loop delay (which also delays reading the answer): the service's own slowness.
 */
export function latencyBreachesFromTheWrite(rules: readonly SloRule[], stats: Pick<StepStats, 'generator' | 'latencyUncorrectedMs'>): Breach[] {
  const u = stats.latencyUncorrectedMs;
  if (u.count === 0) return [];
  const eld = stats.generator?.eventLoopDelayP99Ms ?? 0;
  const out: Breach[] = [];
  for (const r of rules) {
    const key = splitMetricKey(r.metric);
    if (key.control || key.request !== undefined || r.op[0] !== '<' || metricKind(key.base) !== 'latency') continue;
    const field = key.base === 'mean_latency' ? 'mean' : key.base;
    const v = (u as unknown as Record<string, number>)[field];
    if (typeof v === 'number' && !holds(Math.max(0, v - eld), r.op, r.threshold)) out.push({ slo: r.text, metric: r.metric, threshold: r.threshold, value: v });
  }
  return out;
}

function generatorReason(stats: StepStats): string {
  const g = stats.generator!;
  return `generator limited: ${g.reasons.length > 0 ? g.reasons.join(', ') : 'the generator fell behind its schedule'}`;
}

export function judgeStep(stats: StepStats, scenario: VerdictScenario, opts: JudgeOptions = {}): StepJudgement {
  const rules: SloRule[] = scenario.slo;
  const extra = opts.extraBreaches ?? [];
  const minSamples = scenario.load.minSamples ?? 1;
  const inconclusive = (kind: InconclusiveKind, reasons: string[], breaches: Breach[] = [], samplesNeeded?: number): StepJudgement => ({
    verdict: 'inconclusive',
    breaches,
    inconclusiveReasons: reasons,
    inconclusiveKind: kind,
    ...(samplesNeeded !== undefined && Number.isFinite(samplesNeeded) ? { samplesNeeded } : {}),
    notes: [],
  });

  if (scenario.traffic.kind === 'shift' && stats.windows !== undefined && stats.windows.length > 0) {
    const windows = stats.windows;
    const breaches = [...extra, ...evaluateWindows(rules, windows, scenario.load.persist ?? 1).filter((b) => b.value !== null)];
    if (breaches.length > 0) return { verdict: 'fail', breaches, inconclusiveReasons: [], notes: [] };
    const reasons: string[] = [];
    const thin = windows.filter((w) => (w['samples'] ?? w['count'] ?? Infinity) < minSamples).length;
    if (thin > 0) reasons.push(`${thin} of ${windows.length} windows had fewer than ${minSamples} samples`);
    const missing = missingMetrics(rules, stats.metrics);
    if (missing.length > 0) reasons.push(`not measured: ${missing.join(', ')}`);
    if (stats.partial) reasons.push('the step was cut short before its end');
    if (reasons.length > 0) return inconclusive('limited', reasons);
    const persist = scenario.load.persist ?? 1;
    const late = unconfirmedBreaches(rules, windows, persist);
    if (late.length > 0) {
      return inconclusive(
        'undecided',
        late.map((b) => `${b.slo}: breached in the step's last ${b.run === 1 ? 'window' : `${b.run} windows`} (${valueText(b.metric, b.value)}), too late to show whether it persists ${persist} windows: a longer step would decide`),
      );
    }
    return { verdict: 'pass', breaches: [], inconclusiveReasons: [], notes: [] };
  }

  const judged = rules.map((r) => judgeRule(r, stats, opts, minSamples));
  const breached = judged.filter((j) => j.certainty === 'breached').map(breachOf);
  const undecided = judged.filter((j) => j.certainty === 'undecided');
  const missing = missingMetrics(rules, stats.metrics);
  const samples = stats.live ? stats.live.target.samples : stats.sent;
  const thin = samples < minSamples ? [`only ${samples} requests in the judged window (need ${minSamples})`] : [];
  const needed = undecided.reduce((n, j) => Math.max(n, j.needed ?? 0), 0);

  if (stats.generator?.limited !== true) {
    // Latency movements below a tenth of the SLOs' latency limits are noise (settled.ts).
    const quietMs = quietLatencyMs(latencyLimits(rules, scenario.traffic.timeoutMs));
    if (extra.length + breached.length > 0) {
      // Right after an overload, a breach confined to the window's opening is that step's backlog.
      const drained = opts.afterFailedStep && extra.length === 0 ? backlogDrained(rules, breached, stats.batches, TAIL, quietMs) : undefined;
      if (drained !== undefined) return inconclusive('limited', [drained]);
      return { verdict: 'fail', breaches: [...extra, ...breached], inconclusiveReasons: [], notes: [] };
    }
    const spoilt = [...thin, ...(missing.length > 0 ? [`not measured: ${missing.join(', ')}`] : []), ...(stats.partial ? ['the step was cut short before its end'] : [])];
    if (spoilt.length > 0) return inconclusive('limited', [...spoilt, ...undecided.map((j) => j.detail!)]);
    if (undecided.length > 0) {
      // Right after an overload, a step whose latency fell was draining its backlog: spoilt, not thin.
      const drained = opts.afterFailedStep ? backlogUndecided(stats.batches, quietMs) : undefined;
      if (drained !== undefined) return inconclusive('limited', [drained, ...undecided.map((j) => j.detail!)]);
      return inconclusive('undecided', undecided.map((j) => j.detail!), [], needed);
    }
    // A pass needs a service that had settled: a latency still climbing would breach given time.
    const rise = stats.batches && latencyRising(stats.batches.latencyMeanMs, stats.batches.latencyN, quietMs);
    if (rise) {
      return inconclusive('undecided', [
        `latency still rising through the step (mean ${rise.firstMs.toFixed(1)}ms in its first tenth, ${rise.lastMs.toFixed(1)}ms in its last): the service had not settled at this load; a longer step would decide`,
      ]);
    }
    return { verdict: 'pass', breaches: [], inconclusiveReasons: [], notes: [] };
  }

  // The generator was limited: only what its lateness and its queue cannot explain decides.
  const g = stats.generator;
  const errorsOwn = errorBreachesBeyondGenerator(rules, stats, scenario.traffic.timeoutMs);
  const latencyOwn = latencyBreachesFromTheWrite(rules, stats).filter((b) => breached.some((x) => x.slo === b.slo));
  if (extra.length + errorsOwn.length + latencyOwn.length > 0) {
    const notes: string[] = [];
    if (errorsOwn.length > 0) {
      notes.push(`failed although the generator was limited: ${errorsOwn.map((b) => b.slo).join(', ')} breached by errors its limits cannot explain (${serviceErrorClasses(stats, scenario.traffic.timeoutMs).join(', ')})`);
    }
    if (latencyOwn.length > 0) {
      notes.push(`failed although the generator was limited: ${latencyOwn.map((b) => b.slo).join(', ')} breached even by the latency measured from the write, less its event-loop delay (${g.eventLoopDelayP99Ms.toFixed(1)}ms)`);
    }
    return { verdict: 'fail', breaches: [...extra, ...errorsOwn, ...latencyOwn], inconclusiveReasons: [], notes };
  }
  const reasons = [generatorReason(stats), ...thin, ...(missing.length > 0 ? [`not measured: ${missing.join(', ')}`] : [])];
  if (stats.partial) reasons.push('the step was cut short before its end');
  // A schedule kept late by at most a sliver of the window still reached the service at the asked
  // rate; sends later than that may have spilled past the window: the service saw less.
  if (g.sendLagMaxMs > LATE_SHARE * stats.durationMs) {
    reasons.push(`its sends ran up to ${g.sendLagMaxMs.toFixed(0)}ms late in a ${stats.durationMs}ms window: the service may not have seen the asked rate`);
  }
  if (breached.length > 0 || undecided.length > 0 || reasons.length > 1 || g.dropped > 0) {
    return inconclusive('limited', [...reasons, ...undecided.map((j) => j.detail!)], breached);
  }
  const why = g.reasons.map((r) => r.split(/[:;]/)[0]!.trim()).join(', ');
  return {
    verdict: 'pass',
    breaches: [],
    inconclusiveReasons: [],
    notes: [`passed although the generator was limited (${why}): its latencies include its own lateness, so the pass is conservative`],
  };
}

/**
 * The latency limits (ms) a step's latency can be judged against: every latency rule's threshold
 * (mean, percentiles, max; per request name too), else the request timeout. A rise far below them
 * is not a queue on its way to a breach (settled.ts quietLatencyMs).
 */
export function latencyLimits(rules: readonly SloRule[], timeoutMs?: number): number[] {
  const out = rules.filter((r) => r.op[0] === '<' && !splitMetricKey(r.metric).control && metricKind(splitMetricKey(r.metric).base) === 'latency').map((r) => r.threshold);
  return out.length > 0 ? out : timeoutMs !== undefined ? [timeoutMs] : [];
}

/**
 * Requests a judged window needs before 0 bad ones show every proportion rule met (error rates,
 * percentiles): `p99 < 200ms` needs 381 at z = 1.96, `p999 < …` 3,838. 0 when no rule is a proportion.
 * With `perArrival`, counted in arrivals (requests, or sessions) instead: see neediestRule.
 */
export function samplesToShowMet(rules: readonly SloRule[], perArrival?: PerArrival): number {
  return neediestRule(rules, perArrival)?.arrivals ?? 0;
}

/**
 * Requests of a name (`read` in `p99{read}`; undefined: every request of the step) one arrival sends
 * on average (workload/requests-per-arrival.ts): a rule on one name of a mix, or on one session step,
 * gets only its share of the arrivals' requests.
 */
export type PerArrival = (request: string | undefined) => number;

/** A rule's need: `samples` requests of its name, `perArrival` of them per arrival, so `arrivals` arrivals. */
export interface RuleNeed {
  rule: SloRule;
  /** Requests the rule reads (its name's, or the step's) a judged window needs to show it met. */
  samples: number;
  /** Those requests one arrival sends on average; 1 without `perArrival`. */
  perArrival: number;
  /** Arrivals (requests, or sessions) a judged window needs for them: ⌈samples / perArrival⌉. */
  arrivals: number;
  /** The request or step name the rule reads (`p99{read}`); absent: the whole step. */
  request?: string;
}

/**
 * The proportion rule that needs the most arrivals to be shown met, and how many. Without
 * `perArrival` each arrival is one request of every name (the step's own count). A rule whose name
 * no arrival sends (perArrival 0) asks nothing of the step length.
 */
export function neediestRule(rules: readonly SloRule[], perArrival?: PerArrival): RuleNeed | undefined {
  let most: RuleNeed | undefined;
  for (const r of rules) {
    const key = splitMetricKey(r.metric);
    if (key.control || r.op[0] !== '<') continue;
    const limit = key.base === 'error_rate' ? r.threshold : TAIL[key.base];
    if (limit === undefined || !(limit > 0)) continue;
    const samples = samplesToProve(limit);
    const per = perArrival ? perArrival(key.request) : 1;
    if (!(per > 0) || !Number.isFinite(per)) continue;
    const arrivals = Math.ceil(samples / per - 1e-9);
    if (!most || arrivals > most.arrivals) most = { rule: r, samples, perArrival: per, arrivals, ...(key.request !== undefined ? { request: key.request } : {}) };
  }
  return most;
}

/**
 * How bursty each proportion rule's bad requests were in a step (rule text → dispersion over its
 * slices), for later steps at nearby levels (JudgeOptions.nearbyDispersion). Only from a step whose
 * share of bad requests was near the rule's limit (at most BORROW_WITHIN times it, ERRORS_LENT_WITHIN
 * for an error rate): that is the regime a nearby level is judged in; far beyond it (an outage,
 * everything refused for a second; a queue long past saturation) says nothing of it.
 */
export function ruleDispersions(rules: readonly SloRule[], stats: Pick<StepStats, 'batches' | 'metrics'> & Partial<Pick<StepStats, 'errors' | 'errorCount'>>): Record<string, NearbyDispersion> {
  const out: Record<string, NearbyDispersion> = {};
  const b = stats.batches;
  if (!b) return out;
  for (const r of rules) {
    const key = splitMetricKey(r.metric);
    const limit = key.base === 'error_rate' ? r.threshold : TAIL[key.base];
    if (limit === undefined) continue;
    const at = key.base === 'error_rate' ? { bad: b.errors, n: b.finished } : { bad: b.above.find((x) => x.thresholdMs === r.threshold)?.counts, n: b.latencyN };
    // Error statuses (a limiter's 503s and 429s) lend further than refused connections or timeouts.
    const statuses = (stats.errors?.http ?? 0) >= 0.5 * (stats.errorCount ?? Infinity);
    if (!at.bad || shareOf(at.bad, at.n) > (key.base === 'error_rate' && statuses ? ERRORS_LENT_WITHIN : BORROW_WITHIN) * limit) continue;
    const phi = ownDispersion(r, stats);
    const value = stats.metrics[r.metric];
    if (phi !== undefined) out[r.text] = typeof value === 'number' && Number.isFinite(value) ? { phi, value } : { phi };
  }
  return out;
}

/**
 * What the steps run so far lend a step at `level` (JudgeOptions.nearbyDispersion): each rule's
 * dispersion at every step within NEARBY of it, as ruleDispersions gives it. Spoilt evidence (the
 * generator's limits, a backlog draining) lends nothing.
 */
export function nearbyDispersions(
  rules: readonly SloRule[],
  steps: ReadonlyArray<Parameters<typeof ruleDispersions>[1] & { level: number; verdict: string; inconclusiveKind?: string }>,
  level: number,
): Record<string, NearbyDispersion[]> {
  const out: Record<string, NearbyDispersion[]> = {};
  for (const s of steps) {
    if (Math.abs(s.level - level) > NEARBY * level) continue;
    if (s.verdict === 'inconclusive' && s.inconclusiveKind !== 'undecided') continue;
    for (const [rule, phi] of Object.entries(ruleDispersions(rules, s))) (out[rule] ??= []).push(phi);
  }
  return out;
}

/** A step's burstiness is borrowed only when its bad share was at most this many times the limit. */
const BORROW_WITHIN = 5;

/**
 * An error rate's burstiness is lent by steps with up to this many times the limit failing when most
 * of their errors were error statuses: a rate limiter's runs of rejections look the same a little
 * past the limit as at it. On nginx `limit_req 400r/s burst 50` (test/validate/judge-on-real-runs.mjs
 * over 22 runs of 4 s windows): φ ≈ 18–26 across runs at 404, 416 and 428 r/s (1.9%, 3.4%, 5.6%
 * failed), 2–5 at 475 (16%). At 5× the limit, the 428 r/s fails (5.6%) lent nothing, and 3 of 15
 * steps at 404 r/s — 1.9% failing over all runs — passed on a window that happened to hold 0 or 1
 * of ~1,600 failed (judged as independent requests); at 10× they are undecided. Refused or reset
 * connections and timeouts keep BORROW_WITHIN: a target down for 0.6 s of a step (over a
 * quarter of it refused, against `error_rate < 5%`) is an outage, not the regime of the level beside it.
 */
const ERRORS_LENT_WITHIN = 10;
