// The CI gate: turns a finished run (and optionally a baseline run) into pass/fail checks with
// plain-words messages. Pure: no I/O, no clock. `loadtest run --expect-min/--baseline` calls
// evaluateGate and exits with gateExitCode.
//
// Checks:
//   expect-min         the maximum servable load is at least N requests/s (absolute floor).
//   baseline capacity  the capacity did not drop by more than the tolerance. A change (up or down)
//                      within the two runs' combined resolution (each run only knows its capacity to
//                      ± its step gap) cannot be told from noise and is reported 'within-noise'.
//   baseline latency   at loads both runs passed (matched within LOAD_MATCH), p50 and p99 did not rise
//                      by more than the tolerance at most of them (one noisy step is not a trend).
//                      Only passing loads are compared: above capacity, latency is queueing noise.
// A check that fails on an inconclusive run says so: the exit code is then INCONCLUSIVE, not a blame
// on the service (src/controller/exit-code.ts).
import { ExitCode } from '../exit-codes.js';
import type { GateCheck, RunResult, StepResult } from '../result.js';
import { fmtMs, fmtRps, pct, signedPct } from '../report/format.js';

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
   * percentage: 0.4 ms → 0.6 ms is +50% and means nothing. Default DEFAULT_MIN_LATENCY_DELTA_MS.
   */
  minLatencyDeltaMs?: number;
}

export const DEFAULT_MAX_REGRESSION = 0.1;
export const DEFAULT_MAX_LATENCY_REGRESSION = 0.25;
export const DEFAULT_MIN_LATENCY_DELTA_MS = 1;
/** Two steps are "the same load" when their loads differ by at most this fraction. */
export const LOAD_MATCH = 0.03;

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
    const floor = opts.minLatencyDeltaMs ?? DEFAULT_MIN_LATENCY_DELTA_MS;
    checks.push(latencyCheck(result, opts.baseline, 'p50', tol, floor));
    checks.push(latencyCheck(result, opts.baseline, 'p99', tol, floor));
  }
  return { passed: checks.every((c) => c.passed), checks };
}

/** BELOW_MIN when the expect-min check failed (the absolute floor wins), REGRESSION when a baseline check did, else OK. */
export function gateExitCode(gate: GateResult | undefined): number {
  if (!gate || gate.passed) return ExitCode.OK;
  const failed = gate.checks.filter((c) => !c.passed);
  if (failed.some((c) => c.name === CHECK_EXPECT_MIN)) return ExitCode.BELOW_MIN;
  if (failed.length > 0) return ExitCode.REGRESSION;
  return ExitCode.OK;
}

function expectMinCheck(result: RunResult, min: number): GateCheck {
  const cap = result.capacity;
  const name = CHECK_EXPECT_MIN;
  if (cap.maxServableLoad === null) {
    return {
      name,
      passed: false,
      outcome: 'fail',
      message: `no load passed the SLOs (${describeVerdict(result)}); at least ${fmtRps(min)} required${inconclusiveNote(result)}`,
    };
  }
  const got = cap.maxServableLoad;
  if (got >= min) {
    const bound = cap.verdict === 'above-max' ? ' (every step passed: capacity is at least that)' : '';
    return { name, passed: true, outcome: 'pass', message: `max servable load ${fmtRps(got)}${bound} ≥ required ${fmtRps(min)}` };
  }
  const short = pct((min - got) / min);
  const capped =
    cap.verdict === 'above-max'
      ? `; every step passed, so the scenario's load.max (${fmtRps(result.scenario.load.max)}) capped the search — raise it`
      : '';
  return {
    name,
    passed: false,
    outcome: 'fail',
    message: `max servable load ${fmtRps(got)} is below the required ${fmtRps(min)} (${short} short)${capped}${inconclusiveNote(result)}`,
  };
}

function capacityCheck(result: RunResult, baseline: RunResult, tolerance: number): GateCheck {
  const check = capacityVerdict(result, baseline, tolerance);
  return { ...check, message: check.message + comparabilityNote(result, baseline) };
}

function capacityVerdict(result: RunResult, baseline: RunResult, tolerance: number): GateCheck {
  const name = CHECK_BASELINE_CAPACITY;
  const base = baseline.capacity.maxServableLoad;
  const cur = result.capacity.maxServableLoad;
  if (base === null || base <= 0) {
    return { name, passed: true, outcome: 'skipped', message: `the baseline has no servable load to compare against (${describeVerdict(baseline)})` };
  }
  if (cur === null) {
    return { name, passed: false, outcome: 'fail', message: `no load passed the SLOs, the baseline served ${fmtRps(base)}${inconclusiveNote(result)}` };
  }
  const drop = (base - cur) / base;
  const noise = (result.capacity.resolution ?? 0) + (baseline.capacity.resolution ?? 0);
  const change = `${fmtRps(cur)} vs baseline ${fmtRps(base)} (${signedPct(-drop)})`;
  if (drop === 0) return { name, passed: true, outcome: 'within-noise', message: `capacity unchanged: ${fmtRps(cur)}, as in the baseline` };
  // Up or down within the resolution: the runs cannot be told apart.
  if (Math.abs(drop) <= noise) {
    return {
      name,
      passed: true,
      outcome: 'within-noise',
      message: `capacity ${change}: within noise (the runs' combined resolution is ±${pct(noise)})`,
    };
  }
  if (drop < 0) return { name, passed: true, outcome: 'pass', message: `capacity improved: ${change}` };
  if (drop <= tolerance) {
    return { name, passed: true, outcome: 'pass', message: `capacity ${change}: within the allowed ${pct(tolerance)} drop` };
  }
  const capped = result.capacity.verdict === 'above-max' ? `; every step passed up to this run's load.max — raise it` : '';
  return {
    name,
    passed: false,
    outcome: 'fail',
    message: `capacity regressed: ${change}, more than the allowed ${pct(tolerance)} drop and the ±${pct(noise)} resolution${capped}${inconclusiveNote(result)}`,
  };
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

function latencyCheck(result: RunResult, baseline: RunResult, p: 'p50' | 'p99', tolerance: number, floorMs: number): GateCheck {
  const name = checkBaselineLatency(p);
  const pairs = sharedPassingLoads(result, baseline);
  if (pairs.length === 0) {
    return { name, passed: true, outcome: 'skipped', message: `no load that both runs passed (loads matched within ${pct(LOAD_MATCH)})` };
  }
  const rows = pairs.map((pair) => {
    const b = pair.base.latencyMs[p];
    const c = pair.cur.latencyMs[p];
    const rise = b > 0 ? (c - b) / b : 0;
    return { pair, rise, regressed: rise > tolerance && c - b >= floorMs };
  });
  const regressed = rows.filter((r) => r.regressed).length;
  // Name the worst regression when there is one, else the largest change.
  const pool = regressed > 0 ? rows.filter((r) => r.regressed) : rows;
  const worst = pool.reduce((a, b) => (b.rise > a.rise ? b : a));
  const at = `at ${fmtRps(worst.pair.cur.load)}: ${fmtMs(worst.pair.cur.latencyMs[p])} vs baseline ${fmtMs(worst.pair.base.latencyMs[p])} (${signedPct(worst.rise)})`;
  const n = pairs.length;
  const loads = `${n} shared passing load${n === 1 ? '' : 's'}`;
  // One noisy step is not a regression: latency must have risen at most of the shared loads.
  if (regressed * 2 <= n) {
    const some = regressed > 0 ? `rose beyond +${pct(tolerance)} at only ${regressed} of ${loads} (noise, not a trend); worst ${at}` : `within +${pct(tolerance)} at all ${loads}; largest change ${at}`;
    return { name, passed: true, outcome: 'pass', message: `${p} ${some}` };
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
  if (r.capacity.verdict !== 'inconclusive') return '';
  const step = r.steps.find((s) => s.verdict === 'inconclusive');
  const why = step?.inconclusiveReasons[0] ? ` (${step.inconclusiveReasons[0].split(':')[0]})` : '';
  return `; but the run was inconclusive${step ? ` at ${fmtRps(step.load)}` : ''}${why}: the generator or the metrics, not the service, may be the limit`;
}

function describeVerdict(r: RunResult): string {
  const c = r.capacity;
  if (c.verdict === 'below-start') return `the first step, ${fmtRps(r.steps[0]?.load ?? r.scenario.load.start)}, already failed`;
  if (c.verdict === 'inconclusive') return 'the run was inconclusive';
  if (c.verdict === 'unknown') return `the run ended (${r.stopReason}) before any verdict`;
  return `verdict ${c.verdict}`;
}
