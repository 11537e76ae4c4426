// The CI gate: turns a finished run (and optionally a baseline run) into pass/fail checks with
// plain-words messages. Pure: no I/O, no clock. `loadtest run --expect-min/--baseline` calls
// evaluateGate and exits with gateExitCode.
//
// Checks:
//   expect-min         the maximum servable load is at least N requests/s (absolute floor).
//   baseline capacity  the capacity did not drop by more than the tolerance, judged on the two runs'
//                      brackets (capacity-change.ts): pass only when every reading the brackets allow
//                      is within it, regressed only when every reading is beyond it, otherwise
//                      INCONCLUSIVE (exit 7) — never a pass "within noise". A run given a baseline
//                      refines its bracket until it decides (find-capacity `decided`).
//   baseline latency   at loads both runs passed (matched within LOAD_MATCH), p50 and p99 did not rise
//                      by more than the tolerance at most of them (one noisy step is not a trend).
//                      Only passing loads are compared: above capacity, latency is queueing noise.
// A check that cannot decide on an inconclusive run says so: the exit code is then INCONCLUSIVE, not
// a blame on the service (src/controller/exit-code.ts). Only a level that failed can fail a check.
import { ExitCode } from '../exit-codes.js';
import type { GateCheck, RunResult, StepResult } from '../result.js';
import { fmtMs, fmtNum, fmtRps, pct, signedPct } from './number-text.js';
import { capacityChangeDecided, judgeCapacityChange, targetLevel, type CapacityBracket, type GateTarget } from './capacity-change.js';
import { loadLabel, reportLevelUnit } from '../scenario/level-unit.js';
import { stoppingStep } from './capacity.js';
import { judgeLatencyChange, quantileInterval, type PercentileReading } from './latency-change.js';
import { rankedLatencies } from '../metrics/histogram.js';
import { latencySlos } from './capacity-model.js';
import { adviceToDecide, describeAdvice, undecidedLevels, type DecideAdvice } from './undecided-levels.js';

export type GateResult = NonNullable<RunResult['gate']>;

export interface GateOptions {
  /** Required maximum servable load, requests/s. */
  expectMin?: number;
  /** The run to compare against. */
  baseline?: RunResult;
  /** Allowed capacity drop against the baseline (fraction); default DEFAULT_MAX_REGRESSION. */
  maxRegression?: number;
  /** Allowed p50/p99 increase at a shared passing load (fraction); default DEFAULT_MAX_LATENCY_REGRESSION. */
  maxLatencyRegression?: number;
  /**
   * Latency increases smaller than this many milliseconds are never a regression, whatever the
   * percentage: 0.4 ms → 0.6 ms is +50% and means nothing. Default: DEFAULT_MIN_LATENCY_DELTA_MS,
   * raised for a percentile with its own SLO to MATERIAL_SHARE of that SLO's threshold
   * (latencyFloorMs).
   */
  minLatencyDeltaMs?: number;
}

export const DEFAULT_MAX_REGRESSION = 0.1;
export const DEFAULT_MAX_LATENCY_REGRESSION = 0.25;
export const DEFAULT_MIN_LATENCY_DELTA_MS = 1;
/**
 * A percentile with its own SLO (`p99 < 200ms`) counts a rise as a regression only when it is at
 * least this share of the SLO's threshold (4 ms against 200 ms). Each step's interval covers the
 * sampling noise within a run, not the drift between two runs on a shared machine: with 30 s steps
 * (10,000 requests a step) the same nginx, latency-wise, measured a p99 of 0.8 ms in the baseline
 * and 2.9 ms in the next run, and the 1 ms floor alone called that "+248%" a regression at 3 of 5
 * loads. Against a 200 ms SLO a 2 ms change is scheduling, not the change the scenario asks about;
 * a service 50% slower at 15 ms (+7.5 ms against 250 ms) still regresses.
 */
export const MATERIAL_SHARE = 0.02;
/** Two steps are "the same load" when their loads differ by at most this fraction. */
export const LOAD_MATCH = 0.03;

/**
 * The smallest rise of percentile `p` (ms) the latency check counts: `given` (or
 * DEFAULT_MIN_LATENCY_DELTA_MS), or MATERIAL_SHARE of the tightest SLO on `p` itself (the whole
 * target's, not one request's), whichever is larger.
 */
export function latencyFloorMs(slo: readonly string[], p: 'p50' | 'p99', given = DEFAULT_MIN_LATENCY_DELTA_MS): number {
  const own = latencySlos(slo).filter((r) => r.metric === p).map((r) => r.threshold * MATERIAL_SHARE);
  return own.length > 0 ? Math.max(given, Math.min(...own)) : given;
}

/** Check names: stable, because gateExitCode and CI dashboards key on them. */
export const CHECK_EXPECT_MIN = 'expect-min';
export const CHECK_BASELINE_CAPACITY = 'baseline capacity';
export const checkBaselineLatency = (pct: 'p50' | 'p99'): string => `baseline latency ${pct}`;

export function evaluateGate(result: RunResult, opts: GateOptions): GateResult {
  const checks: GateCheck[] = [];
  if (opts.expectMin !== undefined) checks.push(expectMinCheck(result, opts.expectMin));
  if (opts.baseline !== undefined) {
    checks.push(capacityCheck(result, opts.baseline, opts.maxRegression ?? DEFAULT_MAX_REGRESSION));
    const tol = opts.maxLatencyRegression ?? DEFAULT_MAX_LATENCY_REGRESSION;
    for (const p of ['p50', 'p99'] as const) checks.push(latencyCheck(result, opts.baseline, p, tol, latencyFloorMs(result.scenario.slo, p, opts.minLatencyDeltaMs)));
  }
  return { passed: checks.every((c) => c.passed), checks };
}

/**
 * BELOW_MIN when the expect-min check failed (the absolute floor wins), REGRESSION when a baseline
 * check did, GATE_INCONCLUSIVE when a check could not decide, else OK.
 */
export function gateExitCode(gate: GateResult | undefined): number {
  if (!gate || gate.passed) return ExitCode.OK;
  const failed = gate.checks.filter((c) => !c.passed);
  if (failed.some((c) => c.name === CHECK_EXPECT_MIN && c.outcome === 'fail')) return ExitCode.BELOW_MIN;
  if (failed.some((c) => c.outcome === 'fail')) return ExitCode.REGRESSION;
  if (failed.length > 0) return ExitCode.GATE_INCONCLUSIVE;
  return ExitCode.OK;
}

/**
 * For the search (find-capacity `decided`): true once a capacity bracket decides every capacity
 * check asked for — the run keeps refining until then (within its step bound), so a gate judges a
 * bracket fine enough for its question instead of passing what it could not resolve.
 */
export function gateDecided(opts: Pick<GateOptions, 'expectMin' | 'baseline' | 'maxRegression'>): ((b: CapacityBracket) => boolean) | undefined {
  const checks: Array<(b: CapacityBracket) => boolean> = [];
  const min = opts.expectMin;
  if (min !== undefined) checks.push((b) => (b.low !== null && b.low >= min) || (b.high !== null && b.high <= min));
  if (opts.baseline !== undefined) checks.push(capacityChangeDecided(bracketOf(opts.baseline), opts.maxRegression ?? DEFAULT_MAX_REGRESSION));
  return checks.length === 0 ? undefined : (b) => checks.every((c) => c(b));
}

/**
 * The loads whose verdict would decide the capacity checks at once, for the search to probe (find-
 * capacity `targets`): --expect-min N is decided by a pass or a fail at N; against a baseline
 * [b.low, b.high) with tolerance r, a fail at or below (1 − r)·b.low is a regression whatever the
 * truth, and a pass at or above (1 − r)·b.high is within the tolerance whatever the truth.
 */
export function gateTargets(opts: Pick<GateOptions, 'expectMin' | 'baseline' | 'maxRegression'>): GateTarget[] {
  const out: GateTarget[] = [];
  if (opts.expectMin !== undefined) out.push({ level: opts.expectMin, decides: 'fail-at-or-below' }, { level: opts.expectMin, decides: 'pass-at-or-above' });
  if (opts.baseline !== undefined) out.push(...baselineTargets(bracketOf(opts.baseline), opts.maxRegression ?? DEFAULT_MAX_REGRESSION));
  return out;
}

/** Against a baseline bracket and tolerance: a fail at or below (1 − r)·low regresses, a pass at or above (1 − r)·high is within. */
function baselineTargets(base: CapacityBracket, tolerance: number): GateTarget[] {
  const keep = 1 - tolerance;
  return [
    ...(base.low !== null ? [{ level: keep * base.low, decides: 'fail-at-or-below' as const }] : []),
    ...(base.high !== null ? [{ level: keep * base.high, decides: 'pass-at-or-above' as const }] : []),
  ];
}

/** A run's capacity bracket in requests/s (older reports without one: from the capacity fields). */
export function bracketOf(r: RunResult): CapacityBracket {
  const c = r.capacity;
  if (c.bracket) return c.bracket;
  return { low: c.maxServableLoad, high: c.verdict === 'above-max' ? null : c.firstFailingLoad };
}

/**
 * The capacity against an absolute floor, on the bracket: pass when a level ≥ min passed, fail when
 * a level ≤ min failed, otherwise inconclusive (the truth may lie on either side of min).
 */
function expectMinCheck(result: RunResult, min: number): GateCheck {
  const name = CHECK_EXPECT_MIN;
  const b = bracketOf(result);
  const L = loadLabel(reportLevelUnit(result));
  const have = bracketText(b, L);
  if (b.low !== null && b.low >= min) {
    const bound = b.high === null ? ' (nothing failed: the capacity is at least that)' : '';
    return { name, passed: true, outcome: 'pass', message: `max servable load ${fmtRps(b.low, L)}${bound} ≥ required ${fmtRps(min, L)}` };
  }
  if (b.high !== null && b.high <= min) {
    const short = b.low !== null ? ` (${pct((min - b.low) / min)} short)` : '';
    // A level that failed is the service's answer, even in a run left inconclusive below it.
    return { name, passed: false, outcome: 'fail', message: `max servable load ${have} is below the required ${fmtRps(min, L)}${short}` };
  }
  const why =
    b.high === null
      ? result.capacity.verdict === 'above-max'
        ? `every step passed up to the scenario's load.max (${fmtRps(result.scenario.load.max, L)}): raise it to at least ${fmtRps(min, L)}`
        : `no level at or above ${fmtRps(min, L)} was judged (${describeVerdict(result)})`
      : b.low === null
        ? `the first step already failed above the required load: lower load.start below ${fmtRps(min, L)}`
        : `the required load lies inside the bracket: a level between them would decide it`;
  return { name, passed: false, outcome: 'inconclusive', message: `cannot tell whether the capacity ${have} reaches the required ${fmtRps(min, L)}: ${why}${inconclusiveNote(result)}` };
}

function capacityCheck(result: RunResult, baseline: RunResult, tolerance: number): GateCheck {
  const check = capacityVerdict(result, baseline, tolerance);
  return { ...check, message: check.message + comparabilityNote(result, baseline) };
}

function capacityVerdict(result: RunResult, baseline: RunResult, tolerance: number): GateCheck {
  const name = CHECK_BASELINE_CAPACITY;
  const base = bracketOf(baseline);
  const cur = bracketOf(result);
  const change = judgeCapacityChange(base, cur, tolerance);
  const both = `capacity ${bracketText(cur, loadLabel(reportLevelUnit(result)))} vs baseline ${bracketText(base, loadLabel(reportLevelUnit(baseline)))}`;
  if (change.outcome === 'pass') return { name, passed: true, outcome: 'pass', message: `${both}: ${change.reason}` };
  if (change.outcome === 'regressed') {
    const capped = result.capacity.verdict === 'above-max' ? `; every step passed up to this run's load.max — raise it` : '';
    return { name, passed: false, outcome: 'fail', message: `capacity regressed: ${both}: ${change.reason}${capped}` };
  }
  return { name, passed: false, outcome: 'inconclusive', message: `cannot tell: ${both}: ${change.reason}${decidingNote(result, base, tolerance)}${inconclusiveNote(result)}` };
}

/**
 * What would decide an inconclusive capacity gate: the loads that decide it against this baseline,
 * and — of the levels there the run found too close to call, the one nearest the boundary on each
 * side — the cheaper one to decide: the requests it needs, the judged time the run gave it, and the
 * load.step_duration that would give it enough (as many looks, each longer).
 */
export function decidingNote(result: RunResult, base: CapacityBracket, tolerance: number): string {
  const L = loadLabel(reportLevelUnit(result));
  const targets = baselineTargets(base, tolerance);
  if (targets.length === 0) return '';
  const failAt = targets.find((t) => t.decides === 'fail-at-or-below')?.level;
  const passAt = targets.find((t) => t.decides === 'pass-at-or-above')?.level;
  // Shown as the levels a run would probe (rounded toward the side that decides).
  const zones = targets.map((t) => `a ${t.decides === 'fail-at-or-below' ? 'fail at or below' : 'pass at or above'} ${fmtRps(targetLevel(t), L)}`);
  const note = `; what decides it: ${zones.join(' or ')}`;
  // The advice counts requests at a step's load: generate mode, a request per arrival.
  if (result.scenario.mode !== 'generate' || result.scenario.load.sessions) return note;
  // Of the undecided levels where a verdict would decide, the nearest the boundary: the likeliest to
  // give that verdict (a fail is likelier the higher the load, a pass the lower).
  const undecided = undecidedLevels(result.steps, null, null).filter((s) => s.samplesNeeded !== undefined && s.load > 0);
  const failSide = failAt !== undefined ? undecided.filter((s) => s.load <= failAt).at(-1) : undefined;
  const passSide = passAt !== undefined ? undecided.find((s) => s.load >= passAt) : undefined;
  const advice = [failSide, passSide]
    .filter((s): s is StepResult => s !== undefined)
    .map((step) => adviceToDecide(step, result.steps, result.scenario.load))
    .filter((a): a is DecideAdvice => a !== undefined)
    .sort((a, b) => a.seconds - b.seconds)[0];
  return advice ? `${note}: ${describeAdvice(advice, fmtRps(advice.load, L))}` : note;
}

/** "400 rps (failed at 425)", "≥ 800 rps (nothing failed)", "< 100 rps (the first step failed)". */
export function bracketText(b: CapacityBracket, L = 'rps'): string {
  if (b.low === null) return b.high === null ? 'unknown' : `< ${fmtRps(b.high, L)} (nothing passed)`;
  if (b.high === null) return `≥ ${fmtRps(b.low, L)} (nothing failed)`;
  return `${fmtRps(b.low, L)} (failed at ${fmtNum(b.high)})`;
}

/** A pair of passing steps, one from each run, at the same load. */
interface SharedLoad {
  cur: StepResult;
  base: StepResult;
}

/** For every passing step of `result`, the baseline's passing step closest in load, within LOAD_MATCH. */
export function sharedPassingLoads(result: RunResult, baseline: RunResult): SharedLoad[] {
  const basePass = baseline.steps.filter(usable);
  const pairs: SharedLoad[] = [];
  for (const cur of result.steps.filter(usable)) {
    let best: StepResult | undefined;
    for (const b of basePass) {
      const d = Math.abs(b.load - cur.load) / Math.max(b.load, cur.load);
      if (d <= LOAD_MATCH && (!best || Math.abs(b.load - cur.load) < Math.abs(best.load - cur.load))) best = b;
    }
    if (best) pairs.push({ cur, base: best });
  }
  return pairs;
}

function usable(s: StepResult): boolean {
  return s.verdict === 'pass' && !s.partial && s.latencyMs.count > 0 && s.load > 0;
}

/** A step's percentile with its 95% interval when the step kept its histogram (latency-change.ts). */
function reading(step: StepResult, p: 'p50' | 'p99'): PercentileReading {
  const value = step.latencyMs[p];
  const ranked = step.histogram ? rankedLatencies(step.histogram) : undefined;
  const interval = ranked ? quantileInterval(ranked.count, p === 'p50' ? 0.5 : 0.99, ranked.atRankMs) : undefined;
  return interval ? { value, interval } : { value };
}

function latencyCheck(result: RunResult, baseline: RunResult, p: 'p50' | 'p99', tolerance: number, floorMs: number): GateCheck {
  const name = checkBaselineLatency(p);
  const pairs = sharedPassingLoads(result, baseline);
  if (pairs.length === 0) {
    return { name, passed: true, outcome: 'skipped', message: `no load that both runs passed (loads matched within ${pct(LOAD_MATCH)})` };
  }
  const n = pairs.length;
  const rows = pairs.map((pair) => {
    const b = pair.base.latencyMs[p];
    const c = pair.cur.latencyMs[p];
    const rise = b > 0 ? (c - b) / b : 0;
    return { pair, rise, change: judgeLatencyChange(reading(pair.base, p), reading(pair.cur, p), tolerance, floorMs) };
  });
  const regressed = rows.filter((r) => r.change === 'regressed').length;
  const within = rows.filter((r) => r.change === 'within').length;
  const undecided = n - regressed - within;
  // Name the worst regression when there is one, else the largest change.
  const pool = regressed > 0 ? rows.filter((r) => r.change === 'regressed') : rows;
  const worst = pool.reduce((a, b) => (b.rise > a.rise ? b : a));
  const at = `at ${fmtRps(worst.pair.cur.load, loadLabel(reportLevelUnit(result)))}: ${fmtMs(worst.pair.cur.latencyMs[p])} vs baseline ${fmtMs(worst.pair.base.latencyMs[p])} (${signedPct(worst.rise)})`;
  const loads = `${n} shared passing load${n === 1 ? '' : 's'}`;
  const noisy = undecided > 0 ? `; ${undecided} of them had too few requests to tell either way` : '';
  // A trend, not one noisy step: latency rose beyond both 95% intervals at more loads than it was
  // shown within the tolerance, and at two at least (unless only one load was shared).
  if (!(regressed > within && (regressed >= 2 || n === 1))) {
    const some =
      regressed > 0
        ? `rose beyond +${pct(tolerance)} at only ${regressed} of ${loads} (noise, not a trend); worst ${at}`
        : `not shown to rise beyond +${pct(tolerance)} at any of ${loads}; largest change ${at}`;
    return { name, passed: true, outcome: 'pass', message: `${p} ${some}${noisy}` };
  }
  return {
    name,
    passed: false,
    outcome: 'fail',
    message: `${p} regressed at ${regressed} of ${loads}, worst ${at}; allowed +${pct(tolerance)}${inconclusiveNote(result)}`,
  };
}

/**
 * "; note: the baseline was judged on other SLOs (…)" when the two runs are not like for like. The
 * check still runs — a changed SLO is a deliberate edit the reviewer should see next to the verdict.
 */
export function comparabilityNote(cur: RunResult, base: RunResult): string {
  const notes: string[] = [];
  if (cur.scenario.mode !== base.scenario.mode) notes.push(`the baseline ran in ${base.scenario.mode} mode`);
  const a = [...cur.scenario.slo].sort().join(', ');
  const b = [...base.scenario.slo].sort().join(', ');
  if (a !== b) notes.push(`the baseline was judged on other SLOs (${b || 'none'})`);
  if (cur.scenario.name !== base.scenario.name) notes.push(`the baseline is of scenario "${base.scenario.name}"`);
  return notes.length ? `; note: ${notes.join('; ')}` : '';
}

/** "; the run was inconclusive at 80 rps (send lag …)" when it was — the gate cannot blame the service then. */
function inconclusiveNote(r: RunResult): string {
  const L = loadLabel(reportLevelUnit(r));
  if (r.capacity.verdict !== 'inconclusive') return '';
  const step = stoppingStep(r.steps);
  const why = step?.inconclusiveReasons[0] ? ` (${step.inconclusiveReasons[0].split(':')[0]})` : '';
  const who =
    step?.inconclusiveKind === 'undecided'
      ? 'the SLOs were too close to call there: longer steps would decide'
      : 'the generator or the metrics, not the service, may be the limit';
  return `; but the run was inconclusive${step ? ` at ${fmtRps(step.load, L)}` : ''}${why}: ${who}`;
}

function describeVerdict(r: RunResult): string {
  const L = loadLabel(reportLevelUnit(r));
  const c = r.capacity;
  if (c.verdict === 'below-start') return `the first step, ${fmtRps(r.steps[0]?.load ?? r.scenario.load.start, L)}, already failed`;
  if (c.verdict === 'inconclusive') return 'the run was inconclusive';
  if (c.verdict === 'unknown') return `the run ended (${r.stopReason}) before any verdict`;
  return `verdict ${c.verdict}`;
}
